"""A practice signs itself up on the platform's host, lands signed in on its own host, and confirms
its owner's email by the link it receives."""
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app.core.database import db
from app.core.tenancy import all_tenants
from app.modules.accounts.models import User
from app.modules.audit.models import AuditEvent
from app.modules.billing.models import Subscription
from app.modules.notifications.models import Notification
from app.modules.schedules.models import BookingPolicy
from app.modules.tenants import practices
from app.modules.tenants.models import Tenant
from tests.support.clients import BASE_DOMAIN, host_of
from tests.support.database import rows

WWW = f"www.{BASE_DOMAIN}"
PASSWORD = "a long enough secret"


def html(response) -> str:
    return response.get_data(as_text=True)


def sign_up_form(**overrides) -> dict:
    return {"name": "Zoë's Dental Care", "slug": "", "owner_name": "Zoë Park", "owner_email": "Zoe@Example.org",
            "password": PASSWORD, "timezone": "Pacific/Auckland", "website": "", **overrides}


def tenant_named(slug: str) -> Tenant | None:
    db.session.expire_all()
    with all_tenants():
        return db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))


def test_the_platform_host_shows_the_sign_up_form(app, visitor):
    assert visitor(BASE_DOMAIN).get("/").headers["Location"].endswith("/signup")
    response = visitor(WWW).get("/signup")
    # Its form ends on the new practice's host, which the page's form-action must allow.
    assert f"form-action 'self' https://*.{BASE_DOMAIN}" in response.headers["Content-Security-Policy"]
    page = html(response)
    assert '<optgroup label="Pacific">' in page and 'name="website"' in page and 'class="honeypot"' in page
    assert "data-guess-zone" in page and "js/signup.js" in page
    assert visitor(WWW).get("/dashboard/").status_code == 404  # no practice lives on the platform's host


@pytest.mark.usefixtures("messages_stay_in_the_outbox")
def test_signing_up_makes_the_practice_its_trial_and_a_confirmation_email(app, visitor, clock):
    response = visitor(WWW).post("/signup", sign_up_form())
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert target.netloc == f"zoes-dental-care.{BASE_DOMAIN}" and target.path.startswith("/welcome/")

    tenant = tenant_named("zoes-dental-care")
    assert (tenant.name, tenant.timezone, tenant.status) == ("Zoë's Dental Care", "Pacific/Auckland", "trialing")
    (owner,) = rows(tenant, User)
    assert (owner.email, owner.name, owner.role, owner.email_confirmed_at) == ("zoe@example.org", "Zoë Park", "owner", None)
    (trial,) = rows(tenant, Subscription)
    assert trial.status == "trialing" and trial.plan.code == "starter"
    assert (trial.current_period_end - trial.current_period_start).days == 14
    assert len(rows(tenant, BookingPolicy)) == 1
    (email,) = rows(tenant, Notification)
    assert (email.kind, email.recipient) == ("email_confirmation", "zoe@example.org")
    assert email.payload["link"].startswith(f"https://zoes-dental-care.{BASE_DOMAIN}/confirm-email/")
    assert [e.action for e in rows(tenant, AuditEvent)] == [
        "tenant.created", "user.email_confirmation_sent", "tenant.signed_up"]

    # The welcome pass signs the owner in on the practice's own host, once.
    practice = visitor(target.netloc)
    landed = practice.get(target.path)
    assert landed.headers["Location"].endswith("/dashboard/getting-started")
    page = html(practice.get("/dashboard/getting-started"))
    assert "Please confirm your email" in page and "Add a location" in page and "Add a service" in page
    assert visitor(target.netloc).get(target.path).status_code == 410

    # Asking for the link again retires the first.
    assert practice.post("/dashboard/getting-started/confirmation", {}).status_code == 303
    first, email = email, rows(tenant, Notification)[-1]
    assert email.id != first.id and email.payload["link"] != first.payload["link"]
    assert visitor(target.netloc).get(urlsplit(first.payload["link"]).path).status_code == 410

    # The booking site says, kindly, that it is not open yet.
    assert "Online booking opens soon" in html(visitor(target.netloc).get("/"))

    # The emailed link confirms the address, once.
    # Opening it (as a mail scanner would) spends nothing; its button confirms, once.
    link = urlsplit(email.payload["link"]).path
    stranger = visitor(target.netloc)
    assert "Confirm my email" in html(stranger.get(link)) and "Confirm my email" in html(stranger.get(link))
    assert rows(tenant, User)[0].email_confirmed_at is None
    assert stranger.post(link).headers["Location"].endswith("/dashboard/getting-started")
    assert "Please confirm your email" not in html(stranger.get("/dashboard/getting-started"))
    assert rows(tenant, User)[0].email_confirmed_at is not None
    assert visitor(target.netloc).get(link).status_code == 410
    assert visitor(target.netloc).post(link).status_code == 410


def test_a_taken_or_reserved_address_is_a_422_with_the_values_kept(app, visitor, clinic):
    for slug, words in ((clinic.tenant.slug, "already taken"), ("admin", "is reserved")):
        response = visitor(WWW).post("/signup", sign_up_form(slug=slug))
        assert response.status_code == 422
        page = html(response)
        assert words in page and 'value="Zoë Park"' in page and 'value="zoe@example.org"' in page.lower()
        assert 'aria-invalid="true"' in page.split('name="slug"')[0].rsplit("<input", 1)[1] + page.split('name="slug"')[1].split(">")[0]
    assert tenant_named("admin") is None


def test_two_sign_ups_racing_for_one_address_give_the_loser_a_422(app, visitor, clinic, monkeypatch):
    # The loser's check ran before the winner committed: only the unique index can tell it.
    monkeypatch.setattr(practices, "check_slug", lambda session, slug: slug)
    response = visitor(WWW).post("/signup", sign_up_form(slug=clinic.tenant.slug, owner_email="late@example.org"))
    assert response.status_code == 422 and "was just taken" in html(response)
    with all_tenants():
        assert db.session.scalar(sa.select(User).where(User.email == "late@example.org")) is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Tenant)) == 1


def test_bad_fields_answer_at_their_field(app, visitor):
    response = visitor(WWW).post("/signup", sign_up_form(name="", owner_email="not-an-email", password="short",
                                                         timezone="Mars/Olympus"))
    assert response.status_code == 422
    page = html(response)
    assert "Enter your practice" in page and "Enter a valid email address." in page and "At least 10" in page
    response = visitor(WWW).post("/signup", sign_up_form(timezone="Mars/Olympus"))
    assert response.status_code == 422 and "is not an IANA time zone" in html(response)
    assert tenant_named("zoes-dental-care") is None


def test_the_honeypot_turns_a_bot_away_without_saying_so(app, visitor):
    response = visitor(WWW).post("/signup", sign_up_form(website="http://spam.example"))
    assert response.status_code == 200 and "Check your email" in html(response)
    assert tenant_named("zoes-dental-care") is None


def test_sign_ups_are_rate_limited_per_address(app, visitor):
    bot = visitor(WWW)
    answers = [bot.post("/signup", sign_up_form(name="")).status_code for _ in range(6)]
    assert answers == [422] * 5 + [429]


def test_the_address_is_checked_and_suggested_as_the_owner_types(app, visitor, clinic):
    www = visitor(WWW)
    suggested = html(www.get("/signup/address?name=Zo%C3%AB%27s+Dental&slug=", htmx=True))
    assert f"zoes-dental.{BASE_DOMAIN} is free." in suggested and "<html" not in suggested
    assert "already taken" in html(www.get(f"/signup/address?slug={clinic.tenant.slug}", htmx=True))
    assert "Use lowercase letters" in html(www.get("/signup/address?slug=Bad_Slug!", htmx=True))


def test_a_practice_ready_to_book_shows_its_services(app, visitor, clinic):
    page = html(visitor(host_of(clinic.tenant)).get("/"))
    assert "Online booking opens soon" not in page and clinic.dental.name in page
