"""Which site a host names: a tenant's booking site, its custom domain, the backoffice, or nothing."""
import re

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.core.database import db
from app.core.tenancy import all_tenants
from app.modules import tenants
from app.modules.accounts.models import User
from app.modules.tenants import status
from app.modules.tenants.models import Tenant
from app.web.sites import RESERVED_SLUGS
from tests.support import factories
from tests.support.clients import ADMIN_HOST, BASE_DOMAIN
from tests.support.practice import build_practice

ACME = "acme.sloty.test"
NO_PRACTICE = "No practice lives at this address."


@pytest.fixture
def acme(app):
    return build_practice("acme", name="Acme Dental")


def html(response) -> str:
    return response.get_data(as_text=True)


def assert_no_practice(response) -> None:
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in html(response)
    assert NO_PRACTICE in html(response)


def tenant_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Tenant))


# Hosts


def test_a_tenant_subdomain_serves_its_booking_site(acme, visitor):
    response = visitor(ACME).get("/")
    assert response.status_code == 200
    assert "<h1>Acme Dental</h1>" in html(response)
    assert acme["service"].name in html(response)


@pytest.mark.parametrize(
    "host", ["booking.acme-dental.example", "booking.acme-dental.example:8443", "Booking.Acme-Dental.Example"]
)
def test_a_tenant_custom_domain_serves_its_booking_site(acme, visitor, host):
    acme["tenant"].custom_domain = "booking.acme-dental.example"
    db.session.commit()
    response = visitor(host).get("/")
    assert response.status_code == 200
    assert "<h1>Acme Dental</h1>" in html(response)
    assert "<h1>Sign in to Acme Dental</h1>" in html(visitor(host).get("/login"))


def test_two_tenants_on_one_platform_each_serve_their_own_site(acme, visitor):
    build_practice("globex", name="Globex Clinic")
    assert "<h1>Acme Dental</h1>" in html(visitor(ACME).get("/"))
    globex = html(visitor("globex.sloty.test").get("/"))
    assert "<h1>Globex Clinic</h1>" in globex and "Acme Dental" not in globex


@pytest.mark.parametrize(
    "host",
    [
        "nobody.sloty.test",  # unknown subdomain
        "x.acme.sloty.test",  # nested subdomain of a real tenant
        "acme.sloty.test.evil.example",  # a lookalike of a real tenant
        "acme-dental.example",  # a domain nobody registered
    ],
)
def test_an_address_with_no_practice_gets_the_404_page(acme, visitor, host):
    response = visitor(host).get("/")
    assert_no_practice(response)
    assert "Acme Dental" not in html(response)


@pytest.mark.parametrize("path", ["/login", "/dashboard/", "/services/1"])
def test_every_path_of_an_unknown_host_is_404(app, visitor, path):
    assert_no_practice(visitor("nobody.sloty.test").get(path))


@pytest.mark.parametrize("word", sorted(RESERVED_SLUGS - {"admin", "www"}))
def test_a_reserved_subdomain_is_never_a_booking_site_even_if_a_tenant_claims_it(app, visitor, word):
    with all_tenants():
        # Straight into the table, past check_slug: as if an old row or a bug had let it in.
        db.session.add(Tenant(slug=word, name=f"Squatter {word}", timezone="UTC", currency="EUR", status="active", branding={}))
        db.session.commit()
    response = visitor(f"{word}.sloty.test").get("/")
    assert_no_practice(response)
    assert "Squatter" not in html(response)


def test_www_is_the_platform_even_if_a_tenant_claims_it(app, visitor):
    with all_tenants():
        db.session.add(Tenant(slug="www", name="Squatter www", timezone="UTC", currency="EUR", status="active", branding={}))
        db.session.commit()
    www = visitor("www.sloty.test")
    assert www.get("/").headers["Location"] == "/signup"
    page = html(www.get("/signup"))
    assert "Put your practice online" in page and "Squatter" not in page


def test_the_admin_subdomain_is_the_backoffice_even_if_a_tenant_claims_it(app, visitor):
    with all_tenants():
        db.session.add(Tenant(slug="admin", name="Squatter admin", timezone="UTC", currency="EUR", status="active", branding={}))
        db.session.commit()
    response = visitor(ADMIN_HOST).get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/backoffice/"
    page = html(visitor(ADMIN_HOST).get("/login"))
    assert "Sign in to the Sloty backoffice" in page and "Squatter" not in page


def test_the_backoffice_asks_for_sign_in(app, visitor):
    response = visitor(ADMIN_HOST).get("/backoffice/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", ["/", "/services/1", "/account/sign-in"])
def test_a_suspended_tenants_booking_site_is_temporarily_unavailable(acme, visitor, path):
    with all_tenants():
        status.suspend(db.session, acme["tenant"], now=clock.now(), actor=None, reason="Unpaid.")
    db.session.commit()
    response = visitor(ACME).get(path)
    assert response.status_code == 503
    assert "<h1>Temporarily unavailable</h1>" in html(response)
    assert "Acme Dental is temporarily unavailable: online booking is paused." in html(response)
    assert acme["service"].name not in html(response)


@pytest.mark.parametrize("path", ["/backoffice/", "/backoffice/tenants/new", "/backoffice/health", "/backoffice/audit"])
def test_backoffice_paths_on_a_tenant_host_are_404(acme, visitor, path):
    response = visitor(ACME).get(path)
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in html(response)
    assert "Tenants" not in html(response)


@pytest.mark.parametrize("host", [BASE_DOMAIN, f"www.{BASE_DOMAIN}", f"WWW.{BASE_DOMAIN}."])
@pytest.mark.parametrize("path", ["/services/1", "/dashboard/", "/login", "/backoffice/", "/welcome/x"])
def test_the_platform_host_serves_only_sign_up(acme, visitor, host, path):
    response = visitor(host).get(path)
    assert response.status_code == 404 and "<h1>Not found</h1>" in html(response)
    assert acme["service"].name not in html(response)


@pytest.mark.parametrize("path", ["/signup", "/signup/address"])
def test_sign_up_lives_only_on_the_platform_host(acme, visitor, path):
    assert visitor(ACME).get(path).status_code == 404
    assert visitor(ADMIN_HOST).get(path).status_code == 404


@pytest.mark.parametrize("path", ["/services/1", "/dashboard/", "/dashboard/team", "/dashboard/appointments/1"])
def test_tenant_paths_on_the_admin_host_are_404(acme, visitor, path):
    response = visitor(ADMIN_HOST).get(path)
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in html(response)
    assert acme["service"].name not in html(response)


def test_a_stale_session_cookie_on_an_address_with_no_practice_still_gets_the_404_page(acme, visitor):
    owner = visitor(ACME)
    owner.sign_in(acme["owner"].email, factories.PASSWORD)
    cookie = owner.client.get_cookie("session", domain=ACME).value
    # The practice moves to a new address; its staff's old cookie still arrives at the old one.
    acme["tenant"].slug = "acme-dental"
    db.session.commit()
    owner.client.set_cookie("session", cookie, domain=ACME)
    assert_no_practice(owner.get("/dashboard/"))


# Slugs


@pytest.mark.parametrize("slug", ["www", "admin", "api", "static", " WWW "])
def test_check_slug_refuses_reserved_words(app, slug):
    with pytest.raises(tenants.TenantError, match="is reserved") as refused:
        tenants.check_slug(db.session, slug)
    assert refused.value.field == "slug"


@pytest.mark.parametrize(
    "slug", ["", "-acme", "acme-", "ac me", "acme_dental", "acme.dental", "acmé", "x" * 64, "acme!"]
)
def test_check_slug_refuses_bad_formats(app, slug):
    with pytest.raises(tenants.TenantError, match="lowercase letters, digits and dashes") as refused:
        tenants.check_slug(db.session, slug)
    assert refused.value.field == "slug"


def test_check_slug_refuses_a_taken_slug(acme):
    with pytest.raises(tenants.TenantError, match="“acme” is already taken") as refused:
        tenants.check_slug(db.session, "ACME")
    assert refused.value.field == "slug"


@pytest.mark.parametrize(("typed", "slug"), [("  Acme-Dental ", "acme-dental"), ("a", "a"), ("x" * 63, "x" * 63), ("24-7", "24-7")])
def test_check_slug_accepts_and_normalises_a_free_slug(acme, typed, slug):
    assert tenants.check_slug(db.session, typed) == slug


# The backoffice "new tenant" form


def new_tenant_form(**fields) -> dict:
    return {
        "name": "Brand New Clinic", "slug": "brand-new", "timezone": "Europe/Dublin", "currency": "EUR",
        "owner_name": "Nora Owner", "owner_email": "nora@brand-new.example", "owner_password": "a long enough password",
    } | fields


def field_block(page: str, name: str) -> str:
    """The markup of one form field: its label, input, hint and errors."""
    match = re.search(rf'<div class="field[^"]*">\s*<label for="{name}">.*?</div>', page, re.S)
    assert match, f"no field {name!r} in the page"
    return match.group(0)


@pytest.mark.parametrize(
    ("slug", "error"),
    [("www", "“www” is reserved; choose another."), ("Not OK!", "Use lowercase letters"), ("acme", "“acme” is already taken.")],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_bad_slug_re_renders_the_new_tenant_form_with_422_and_writes_nothing(acme, superadmin, slug, error, htmx):
    before = tenant_count()
    response = superadmin.post("/backoffice/tenants/new", new_tenant_form(slug=slug), htmx=htmx)
    page = html(response)
    assert response.status_code == 422
    slug_field = field_block(page, "slug")
    assert 'class="field has-error"' in slug_field
    assert '<small class="error">' + error in slug_field
    assert f'value="{slug}"' in slug_field
    assert 'value="Brand New Clinic"' in field_block(page, "name")
    assert 'value="nora@brand-new.example"' in field_block(page, "owner_email")
    assert '<option selected value="Europe/Dublin">' in field_block(page, "timezone")
    assert "a long enough password" not in page, "passwords are never echoed back"
    assert ("<html" in page) is not htmx
    assert tenant_count() == before
    with all_tenants():
        assert db.session.scalar(select(User).where(User.email == "nora@brand-new.example")) is None


def test_a_valid_new_tenant_is_created_with_its_owner(app, superadmin, visitor):
    response = superadmin.post("/backoffice/tenants/new", new_tenant_form())
    assert response.status_code == 303
    db.session.expire_all()
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "brand-new"))
    assert response.headers["Location"] == f"/backoffice/tenants/{tenant.id}"
    assert (tenant.name, tenant.timezone, tenant.currency, tenant.status) == ("Brand New Clinic", "Europe/Dublin", "EUR", "active")
    with all_tenants():
        [owner] = db.session.scalars(select(User).where(User.tenant_id == tenant.id)).all()
    assert (owner.email, owner.name, owner.role) == ("nora@brand-new.example", "Nora Owner", "owner")
    assert owner.password_hash.startswith("$argon2id$")

    page = html(superadmin.get(response.headers["Location"]))
    assert "Brand New Clinic is live at brand-new.sloty.test." in page
    assert "<td>nora@brand-new.example</td><td>Nora Owner</td><td>owner</td><td>yes</td>" in page

    assert "<h1>Brand New Clinic</h1>" in html(visitor("brand-new.sloty.test").get("/"))
    assert visitor("brand-new.sloty.test").sign_in("nora@brand-new.example", "a long enough password").status_code == 303


def test_a_tenant_user_cannot_create_tenants(acme, visitor):
    owner = visitor(ACME)
    owner.sign_in(acme["owner"].email, factories.PASSWORD)
    before = tenant_count()
    assert owner.post("/backoffice/tenants/new", new_tenant_form()).status_code == 404
    assert tenant_count() == before
