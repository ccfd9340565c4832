"""Accounts and roles: who may sign in on which host, what a session is worth, and who sees what."""
import re
import uuid
from datetime import datetime, time, timedelta, timezone
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from redis import Redis
from sqlalchemy import func, select

from app import config, create_app
from app.blueprints.auth.routes import SIGN_IN_FAILED
from app.core import clock
from app.core.database import db
from app.core.tenancy import all_tenants, tenant_context
from app.extensions import limiter
from app.modules.accounts.models import User
from app.modules.appointments.models import Appointment
from tests.conftest import app_config
from tests.support import factories, services
from tests.support.clients import ADMIN_HOST, Visitor, host_of
from tests.support.practice import build_practice

PASSWORD = factories.PASSWORD
ACME = "acme.sloty.test"
GLOBEX = "globex.sloty.test"
ROOT = "root@sloty.test"


@pytest.fixture
def acme(app):
    return build_practice("acme", name="Acme Dental")


@pytest.fixture
def globex(app):
    return build_practice("globex", name="Globex Clinic")


@pytest.fixture
def superadmin(app):
    return factories.user(None, email=ROOT)


def html(response) -> str:
    return response.get_data(as_text=True)


def session_cookie(visitor: Visitor) -> str:
    cookie = visitor.client.get_cookie("session", domain=visitor.host)
    assert cookie is not None, f"no session cookie for {visitor.host}"
    return cookie.value


def replayed(app, host: str, cookie: str) -> Visitor:
    """A new browser on ``host`` that sends ``cookie`` as its session, as an attacker would."""
    other = Visitor(app, host)
    other.client.set_cookie("session", cookie, domain=host)
    return other


def redirect_path(response) -> str:
    return urlsplit(response.headers["Location"]).path


def is_signed_in(visitor: Visitor) -> bool:
    response = visitor.get("/dashboard/" if visitor.host != ADMIN_HOST else "/backoffice/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and redirect_path(response) == "/login"
    return False


def stored_user(user: User) -> User:
    db.session.expire_all()
    with all_tenants():
        return db.session.scalar(select(User).where(User.id == user.id))


# Signing in


def test_owner_signs_in_and_lands_on_the_dashboard(acme, visitor):
    owner = visitor(ACME)
    response = owner.sign_in(acme["owner"].email, PASSWORD)
    assert response.status_code == 303
    assert redirect_path(response) == "/dashboard/"
    page = html(owner.get("/dashboard/"))
    assert "Today’s agenda" in page
    assert "Sign out Owner Person" in page
    assert stored_user(acme["owner"]).last_login_at is not None


def test_superadmin_signs_in_on_the_admin_host_and_lands_on_the_backoffice(acme, superadmin, visitor):
    admin = visitor(ADMIN_HOST)
    response = admin.sign_in(ROOT, PASSWORD)
    assert response.status_code == 303
    assert redirect_path(response) == "/backoffice/"
    page = html(admin.get("/backoffice/"))
    assert "<h1>Tenants</h1>" in page
    assert "Acme Dental" in page and "acme" in page


def test_email_is_matched_whatever_its_case_and_spacing(acme, visitor):
    owner = visitor(ACME)
    assert owner.sign_in("  " + acme["owner"].email.upper() + " ", PASSWORD).status_code == 303
    assert is_signed_in(owner)


def test_htmx_sign_in_answers_with_hx_redirect_not_a_3xx(acme, visitor):
    owner = visitor(ACME)
    response = owner.sign_in(acme["owner"].email, PASSWORD, htmx=True)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/dashboard/"
    assert "Location" not in response.headers
    assert is_signed_in(owner)


def test_sign_in_returns_to_the_page_that_asked_for_it(acme, visitor):
    owner = visitor(ACME)
    bounced = owner.get("/dashboard/team?sort=role")
    next_path = parse_qs(urlsplit(bounced.headers["Location"]).query)["next"][0]
    assert next_path == "/dashboard/team?sort=role"
    form = html(owner.get(bounced.headers["Location"]))
    assert 'name="next" type="hidden" value="/dashboard/team?sort=role"' in form
    response = owner.post("/login", {"email": acme["owner"].email, "password": PASSWORD, "next": next_path})
    assert response.headers["Location"] == "/dashboard/team?sort=role"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_sign_in_never_redirects_off_site(acme, visitor, target):
    response = visitor(ACME).post("/login", {"email": acme["owner"].email, "password": PASSWORD, "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard/"


def form_errors(page: str) -> list[str]:
    """The messages of the form-level error box."""
    boxes = re.findall(r'<div class="form-errors" role="alert">(.*?)</div>', page, re.S)
    return [message for box in boxes for message in re.findall(r"<p>(.*?)</p>", box)]


def input_value(page: str, name: str) -> str | None:
    """The value an <input> is rendered with, or None when it has none."""
    tag = re.search(rf'<input[^>]*\sname="{name}"[^>]*>', page)
    assert tag, f"no input {name!r} in the page"
    value = re.search(r'\svalue="([^"]*)"', tag.group(0))
    return unescape(value.group(1)) if value else None


def without_csrf_tokens(page: str) -> str:
    return re.sub(r'(content|value)="[\w.-]{40,}"', "TOKEN", re.sub(r'"X-CSRFToken": "[^"]+"', "TOKEN", page))


def deactivate(user: User) -> None:
    with tenant_context(user.tenant_id):
        user.active = False
        db.session.commit()


FAILED_SIGN_INS = ["wrong password", "unknown email", "deactivated user"]


def failed_credentials(case: str, acme) -> tuple[str, str]:
    owner = acme["owner"]
    if case == "deactivated user":
        deactivate(owner)
    return {
        "wrong password": (owner.email, "not the password"),
        "unknown email": ("nobody@example.com", PASSWORD),
        "deactivated user": (owner.email, PASSWORD),
    }[case]


@pytest.mark.parametrize("case", FAILED_SIGN_INS)
def test_failed_sign_in_gets_422_with_the_generic_message_and_the_email_kept(acme, visitor, case):
    email, password = failed_credentials(case, acme)
    guest = visitor(ACME)
    response = guest.sign_in(email, password)
    page = html(response)
    assert response.status_code == 422
    assert form_errors(page) == [SIGN_IN_FAILED]
    assert input_value(page, "email") == email
    assert not input_value(page, "password") and password not in page, "the password is never echoed back"
    assert not is_signed_in(guest)


def test_wrong_password_unknown_email_and_deactivated_user_get_the_same_answer(acme, visitor):
    answers = []
    for case in FAILED_SIGN_INS:
        email, password = failed_credentials(case, acme)
        answers.append(without_csrf_tokens(html(visitor(ACME).sign_in(email, password))).replace(email, "EMAIL"))
    assert answers[0] == answers[1] == answers[2], "nothing tells an attacker which accounts exist"


def test_passwords_are_stored_as_argon2id(acme, superadmin):
    for user in (acme["owner"], superadmin):
        stored = stored_user(user)
        assert stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash


# One host, one set of accounts


@pytest.mark.parametrize(
    ("account", "host"),
    [("acme owner", GLOBEX), ("superadmin", ACME), ("acme owner", ADMIN_HOST)],
    ids=["owner on another tenant's host", "superadmin on a tenant host", "tenant user on the admin host"],
)
def test_an_account_cannot_sign_in_on_a_host_it_does_not_belong_to(acme, globex, superadmin, visitor, account, host):
    email = {"acme owner": acme["owner"].email, "superadmin": superadmin.email}[account]
    guest = visitor(host)
    response = guest.sign_in(email, PASSWORD)
    assert response.status_code == 422
    assert form_errors(html(response)) == [SIGN_IN_FAILED]
    assert not is_signed_in(guest)


def test_one_email_in_two_tenants_is_two_accounts_each_working_only_on_its_own_host(acme, globex, visitor):
    sam_acme = factories.user(acme["tenant"], "staff", email="sam@example.com", password="acme password 1")
    sam_globex = factories.user(globex["tenant"], "admin", email="sam@example.com", password="globex password 2")
    with all_tenants():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "sam@example.com")) == 2
    assert sam_acme.id != sam_globex.id and sam_acme.password_hash != sam_globex.password_hash

    for host, own, other in [(ACME, "acme password 1", "globex password 2"), (GLOBEX, "globex password 2", "acme password 1")]:
        assert visitor(host).sign_in("sam@example.com", other).status_code == 422
        sam = visitor(host)
        assert sam.sign_in("sam@example.com", own).status_code == 303
        assert is_signed_in(sam)


# The session cookie


def session_cookie_attributes(response) -> list[str]:
    """The attributes of the session cookie a response sets, lowercased: ["httponly", "path=/", ...]."""
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    return [part.strip().lower() for part in header.split(";")[1:]]


def test_session_cookie_is_host_only_httponly_and_samesite_lax(acme, visitor):
    attributes = session_cookie_attributes(visitor(ACME).sign_in(acme["owner"].email, PASSWORD))
    assert not any(attribute.startswith("domain") for attribute in attributes)
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


@pytest.mark.parametrize(
    ("environ", "secure"),
    [
        ({}, True),
        ({"FLASK_DEBUG": "0"}, True),
        ({"FLASK_DEBUG": "1"}, False),
        ({"FLASK_DEBUG": "true"}, False),
        ({"FLASK_DEBUG": "1", "SESSION_COOKIE_SECURE": "true"}, True),
        ({"SESSION_COOKIE_SECURE": "0"}, False),
    ],
)
def test_session_cookie_is_secure_except_in_local_development(environ, secure):
    assert config.from_environment(environ)["SESSION_COOKIE_SECURE"] is secure


@pytest.mark.parametrize(("flask_debug", "secure"), [(None, True), ("1", False)])
def test_the_app_marks_its_session_cookie_secure_outside_development(app, database_url, monkeypatch, flask_debug, secure):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    if flask_debug is None:
        monkeypatch.delenv("FLASK_DEBUG", raising=False)
    else:
        monkeypatch.setenv("FLASK_DEBUG", flask_debug)
    deployed = create_app(app_config(database_url))
    data = build_practice("acme")
    response = Visitor(deployed, ACME).sign_in(data["owner"].email, PASSWORD)
    assert response.status_code == 303
    assert ("secure" in session_cookie_attributes(response)) is secure
    with deployed.app_context():
        db.engine.dispose()


def test_a_session_cookie_replayed_on_another_tenants_host_signs_nobody_in(app, acme, globex, visitor):
    owner = visitor(ACME)
    owner.sign_in(acme["owner"].email, PASSWORD)
    cookie = session_cookie(owner)
    assert is_signed_in(replayed(app, ACME, cookie)), "the replay itself works on the cookie's own host"
    assert not is_signed_in(replayed(app, GLOBEX, cookie))
    assert not is_signed_in(replayed(app, ADMIN_HOST, cookie))


def test_a_superadmin_session_cookie_replayed_on_a_tenant_host_signs_nobody_in(app, acme, superadmin, visitor):
    admin = visitor(ADMIN_HOST)
    admin.sign_in(ROOT, PASSWORD)
    assert not is_signed_in(replayed(app, ACME, session_cookie(admin)))


def test_sign_out_ends_the_session_on_the_server(app, acme, visitor):
    owner = visitor(ACME)
    owner.sign_in(acme["owner"].email, PASSWORD)
    cookie = session_cookie(owner)
    assert stored_user(acme["owner"]).session_version == 1

    response = owner.sign_out()
    assert response.status_code == 303 and redirect_path(response) == "/login"
    assert not is_signed_in(owner)

    assert stored_user(acme["owner"]).session_version == 2
    stolen = replayed(app, ACME, cookie)
    response = stolen.get("/dashboard/")
    assert response.status_code == 302 and redirect_path(response) == "/login"


def test_sign_out_ends_every_other_session_of_the_user_too(acme, visitor):
    laptop, phone = visitor(ACME), visitor(ACME)
    laptop.sign_in(acme["owner"].email, PASSWORD)
    phone.sign_in(acme["owner"].email, PASSWORD)
    laptop.sign_out()
    assert not is_signed_in(phone)


def test_without_a_session_the_dashboard_redirects_to_sign_in(acme, visitor):
    response = visitor(ACME).get("/dashboard/")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/dashboard/"]


def test_without_a_session_htmx_gets_401_with_hx_redirect_to_sign_in(acme, visitor):
    response = visitor(ACME).get("/dashboard/", htmx=True)
    assert response.status_code == 401
    assert "Location" not in response.headers
    assert urlsplit(response.headers["HX-Redirect"]).path == "/login"
    assert html(response) == "", "nothing for htmx to swap into the fragment"


# Roles


def signed_in(visitor, tenant, role: str) -> Visitor:
    user = factories.user(tenant, role)
    member = visitor(host_of(tenant))
    assert member.sign_in(user.email, PASSWORD).status_code == 303
    return member


@pytest.mark.parametrize("role", ["owner", "admin", "staff", "provider"])
def test_every_tenant_role_opens_the_dashboard(acme, visitor, role):
    page = html(signed_in(visitor, acme["tenant"], role).get("/dashboard/"))
    assert "Today’s agenda" in page
    assert f"Sign out {role.title()} Person" in page


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_see_the_team(acme, visitor, role):
    member = signed_in(visitor, acme["tenant"], role)
    assert 'href="/dashboard/team"' in html(member.get("/dashboard/"))
    response = member.get("/dashboard/team")
    assert response.status_code == 200
    assert "<h1>Team</h1>" in html(response)
    assert acme["owner"].email in html(response)


@pytest.mark.parametrize("role", ["staff", "provider"])
def test_staff_and_providers_are_not_allowed_the_team(acme, visitor, role):
    member = signed_in(visitor, acme["tenant"], role)
    assert 'href="/dashboard/team"' not in html(member.get("/dashboard/"))
    response = member.get("/dashboard/team")
    assert response.status_code == 403
    assert "<h1>Not allowed</h1>" in html(response)
    assert acme["owner"].email not in html(response)


@pytest.fixture
def two_calendars(acme):
    """Today: one appointment with a provider linked to a user, one with another provider."""
    t, loc, svc = acme["tenant"], acme["location"], acme["service"]
    doctor = factories.user(t, "provider", email="doctor@example.com")
    midnight = datetime.combine(clock.now().date(), time.min, tzinfo=timezone.utc)
    own = factories.appointment(
        t, location=loc, service=svc, starts_at=midnight + timedelta(hours=9),
        provider=factories.provider(t, location=loc, services=[svc], user=doctor, name="Dr Own"),
        customer=factories.customer(t, name="Alice Mine"),
    )
    other = factories.appointment(
        t, location=loc, service=svc, starts_at=midnight + timedelta(hours=10),
        provider=factories.provider(t, location=loc, services=[svc], name="Dr Other"),
        customer=factories.customer(t, name="Bob Theirs"),
    )
    return {"doctor": doctor, "own": own, "other": other}


def test_a_provider_sees_only_its_own_appointments_on_the_agenda(acme, visitor, two_calendars):
    doctor = visitor(ACME)
    doctor.sign_in("doctor@example.com", PASSWORD)
    page = html(doctor.get("/dashboard/"))
    assert "Alice Mine" in page and "Dr Own" in page
    assert "Bob Theirs" not in page and "Dr Other" not in page

    front_desk = signed_in(visitor, acme["tenant"], "staff")
    page = html(front_desk.get("/dashboard/"))
    assert "Alice Mine" in page and "Bob Theirs" in page


def test_a_provider_gets_404_for_another_providers_appointment(acme, visitor, two_calendars):
    doctor = visitor(ACME)
    doctor.sign_in("doctor@example.com", PASSWORD)
    assert "Alice Mine" in html(doctor.get(f"/dashboard/appointments/{two_calendars['own'].id}"))
    response = doctor.get(f"/dashboard/appointments/{two_calendars['other'].id}")
    assert response.status_code == 404
    assert "Bob Theirs" not in html(response)

    response = doctor.post(f"/dashboard/appointments/{two_calendars['other'].id}/cancel", {"reason": "mine now"})
    assert response.status_code == 404
    db.session.expire_all()
    with tenant_context(acme["tenant"]):
        assert db.session.get(Appointment, two_calendars["other"].id).status == "confirmed"


@pytest.mark.parametrize("path", ["/backoffice/", "/backoffice/tenants/new", "/backoffice/health", "/backoffice/audit"])
def test_a_tenant_owner_has_no_backoffice_on_its_host(acme, visitor, path):
    response = signed_in(visitor, acme["tenant"], "owner").get(path)
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in html(response)


def test_a_superadmin_on_the_admin_host_sees_every_tenant(acme, globex, superadmin, visitor):
    admin = visitor(ADMIN_HOST)
    admin.sign_in(ROOT, PASSWORD)
    page = html(admin.get("/backoffice/"))
    assert page.index("Acme Dental") < page.index("Globex Clinic")
    assert f'href="/backoffice/tenants/{acme["tenant"].id}"' in page


# The sign-in rate limit


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def limited_app(request, app, database_url, monkeypatch):
    """The app, counting sign-in failures in memory or in Redis (under a prefix of its own)."""
    if request.param == "memory":
        yield app
        return
    services.require("redis")
    prefix = f"sloty-test-{uuid.uuid4().hex}"
    # The global limiter keeps the key prefix of the first app it was bound to
    # (``self._key_prefix or config[...]``); forget it so this app's own prefix applies.
    monkeypatch.setattr(limiter, "_key_prefix", "")
    redis_app = create_app(app_config(database_url, RATELIMIT_STORAGE_URI=services.REDIS_URL, RATELIMIT_KEY_PREFIX=prefix))
    with redis_app.app_context():
        yield redis_app
        db.session.remove()
        db.engine.dispose()
    if keys := redis_keys(prefix):
        Redis.from_url(services.REDIS_URL).delete(*keys)


def redis_keys(prefix: str) -> list:
    return Redis.from_url(services.REDIS_URL).keys(f"LIMITS:LIMITER/{prefix}/*")


def test_sign_in_locks_after_ten_failures_per_client_and_host(limited_app):
    acme = build_practice("acme", name="Acme Dental")
    globex = build_practice("globex", name="Globex Clinic")
    email = acme["owner"].email

    for _ in range(3):
        assert Visitor(limited_app, ACME).sign_in(email, PASSWORD).status_code == 303, "successes don't count"
    guesser = Visitor(limited_app, ACME)
    for attempt in range(10):
        assert guesser.sign_in(email, f"guess {attempt}").status_code == 422

    locked = guesser.sign_in(email, PASSWORD)
    assert locked.status_code == 429
    assert "<h1>Too many attempts</h1>" in html(locked)
    assert "Retry-After" in locked.headers
    assert not is_signed_in(guesser)
    assert Visitor(limited_app, ACME).sign_in(email, PASSWORD).status_code == 429, "the lock is per client, not per cookie"
    assert Visitor(limited_app, ACME).get("/login").status_code == 200, "the form still shows"

    other_host = Visitor(limited_app, GLOBEX)
    assert other_host.sign_in(globex["owner"].email, PASSWORD).status_code == 303
    other_client = Visitor(limited_app, ACME)
    other_client.client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    colleague = factories.user(acme["tenant"], "staff")  # the guessed account itself is locked by now
    assert other_client.sign_in(colleague.email, PASSWORD).status_code == 303

    if limited_app.config["RATELIMIT_STORAGE_URI"].startswith("redis://"):
        assert redis_keys(limited_app.config["RATELIMIT_KEY_PREFIX"]), "the counts live in Redis"
