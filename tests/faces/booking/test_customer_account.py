"""Customers' own accounts on a practice's booking site: passwordless sign-in by emailed link,
their appointments, and their profile."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments.models import AppointmentParticipant
from app.modules.customers.models import Customer, CustomerSignInToken
from app.modules.notifications.models import Notification
from tests.support import factories
from tests.support.booking import magic_link, sign_in_customer
from tests.support.clients import Visitor
from tests.support.database import changed_tables, rows, snapshot
from tests.support.pages import assert_page, assert_redirected, form_fields, html, links, redirect_path, text

# Messages a booking queues stay in the outbox, where these tests read them.
pytestmark = pytest.mark.usefixtures("messages_stay_in_the_outbox")
HTMX = pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
EXPIRED = "That sign-in link has expired or was already used. Ask for a new one below."


@pytest.fixture
def grace(clinic, booked):
    """Grace, who booked online three days ahead and came once, ten days ago."""
    customer = rows(clinic.tenant, Customer)[0]
    past = factories.appointment(
        clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.physio, customer=customer,
        days=-10, status="completed",
    )
    return customer, past


def grace_now(clinic) -> Customer:
    return rows(clinic.tenant, Customer, Customer.email == "grace@example.com")[0]


# Signing in by emailed link


@HTMX
def test_sign_in_link_is_queued_for_a_known_email_and_works_once(clinic, grace, visitor, htmx):
    browser = visitor(clinic.host)
    response = browser.post("/account/sign-in", {"email": " GRACE@example.com "}, htmx=htmx)

    page = assert_page(response, 200, htmx, block='<section class="narrow" id="link-form">')
    assert "Check your email If grace@example.com has booked with Riverside Clinic, a sign-in link is on its way." in text(page)
    sent = rows(clinic.tenant, Notification, Notification.kind == "magic_link")
    assert [(n.recipient, n.channel) for n in sent] == [("grace@example.com", "email")]
    # From the configured site (https outside debug), like every emailed link, not from the request.
    assert sent[0].payload["link"].startswith("https://riverside.sloty.test/account/sign-in/")
    token_row = rows(clinic.tenant, CustomerSignInToken)[0]
    assert timedelta(minutes=14) < token_row.expires_at - clock.now() <= timedelta(minutes=15)
    assert magic_link(clinic.tenant).rsplit("/", 1)[1] not in token_row.token_hash  # only a hash is kept

    # Opening the link (as a mail scanner would) only shows a button: it spends nothing.
    for _ in range(2):
        opened = browser.get(magic_link(clinic.tenant))
        assert opened.status_code == 200 and "Continue to your appointments" in text(html(opened))
    first = browser.post(magic_link(clinic.tenant))
    assert redirect_path(first) == "/account" and first.status_code == 303
    assert "Hello, Grace Thompson" in text(html(browser.get("/account")))

    again = visitor(clinic.host).post(magic_link(clinic.tenant))
    assert again.status_code == 404
    assert EXPIRED in text(html(again))


def test_an_expired_link_is_refused(clinic, grace, visitor):
    browser = visitor(clinic.host)
    browser.post("/account/sign-in", {"email": "grace@example.com"})
    with tenant_context(clinic.tenant):
        db.session.execute(sa.update(CustomerSignInToken).values(expires_at=clock.now() - timedelta(seconds=1)))
        db.session.commit()

    response = browser.get(magic_link(clinic.tenant))

    assert response.status_code == 404
    assert EXPIRED in text(html(response))
    assert browser.get("/account").status_code == 303  # still signed out


@pytest.mark.parametrize("token", ["not-a-token", "x" * 200])
def test_a_made_up_link_is_refused(clinic, visitor, token):
    response = visitor(clinic.host).get(f"/account/sign-in/{token}")
    assert response.status_code == 404 and EXPIRED in text(html(response))


def test_an_unknown_email_gets_the_same_answer_and_nothing_is_written(clinic, grace, visitor):
    known = text(html(visitor(clinic.host).post("/account/sign-in", {"email": "grace@example.com"})))
    before = snapshot()

    response = visitor(clinic.host).post("/account/sign-in", {"email": "nobody@example.com"})

    assert response.status_code == 200
    assert text(html(response)) == known.replace("grace@example.com", "nobody@example.com")
    assert changed_tables(before) == []


@HTMX
def test_an_email_that_is_not_one_gets_422_with_the_error(clinic, visitor, htmx):
    before = snapshot()
    response = visitor(clinic.host).post("/account/sign-in", {"email": "grace@"}, htmx=htmx)
    page = assert_page(response, 422, htmx, block='<form id="link-form"')
    assert "There must be something after the @-sign." in text(page)
    assert form_fields(page, "link-form")["email"] == "grace@"
    assert changed_tables(before) == []


def test_a_link_from_one_practice_does_not_sign_in_at_another(clinic, elsewhere, grace, visitor):
    factories.customer(elsewhere["tenant"], name="Grace Elsewhere", email="grace@example.com")
    visitor(clinic.host).post("/account/sign-in", {"email": "grace@example.com"})
    link = magic_link(clinic.tenant)

    stranger = visitor("elsewhere.sloty.test")
    assert stranger.get(link).status_code == 404
    refused = stranger.post(link)
    assert refused.status_code == 404 and EXPIRED in text(html(refused))
    assert redirect_path(stranger.get("/account")) == "/account/sign-in"  # nobody signed in there

    owner = visitor(clinic.host)
    assert redirect_path(owner.post(link)) == "/account"  # not spent by the attempts
    assert "Hello, Grace Thompson" in text(html(owner.get("/account")))


def test_a_session_from_one_practice_means_nothing_at_another(app, clinic, elsewhere, grace, visitor):
    browser = visitor(clinic.host)
    sign_in_customer(browser, clinic, "grace@example.com")
    replayed = Visitor(app, "elsewhere.sloty.test")
    replayed.client.set_cookie("session", browser.client.get_cookie("session", domain=clinic.host).value,
                               domain="elsewhere.sloty.test")

    assert redirect_path(replayed.get("/account")) == "/account/sign-in"


# My appointments


def test_account_lists_upcoming_and_past_appointments_with_manage_links(clinic, grace, booked, visitor):
    customer, past = grace
    past_token = rows(clinic.tenant, AppointmentParticipant, AppointmentParticipant.appointment_id == past.id)[0].manage_token
    browser = visitor(clinic.host)
    sign_in_customer(browser, clinic, "grace@example.com")

    page = html(browser.get("/account"))
    seen = text(page)
    upcoming, past_part = seen.split("Upcoming")[1].split("Past and cancelled")
    day = clinic.day(3)

    assert f"Dental check-up — {day.strftime('%a')} {day.day} {day.strftime('%b %Y')}, 10:00 with Chloe Martin" in upcoming
    assert "Physiotherapy session" in past_part and "Dental check-up" not in past_part
    assert (f"/bookings/{booked.token}", "Dental check-up") in links(page)
    assert (f"/bookings/{past_token}", "Physiotherapy session") in links(page)
    assert browser.get(f"/bookings/{booked.token}").status_code == 200

    browser.post(f"/bookings/{booked.token}/cancel", {"reason": ""})
    after = text(html(browser.get("/account")))
    assert "Dental check-up" in after.split("Past and cancelled")[1] and "(cancelled)" in after


@pytest.mark.parametrize("path", ["/account", "/account/profile"])
@HTMX
def test_account_pages_without_a_session_send_to_sign_in(clinic, visitor, path, htmx):
    response = visitor(clinic.host).get(path, htmx=htmx)
    assert assert_redirected(response, htmx) == "/account/sign-in"


def test_signing_out_ends_the_session(clinic, grace, visitor):
    browser = visitor(clinic.host)
    sign_in_customer(browser, clinic, "grace@example.com")
    assert redirect_path(browser.post("/account/sign-out")) == "/"
    assert redirect_path(browser.get("/account")) == "/account/sign-in"


# Profile


@pytest.fixture
def signed_in(clinic, grace, visitor):
    browser = visitor(clinic.host)
    sign_in_customer(browser, clinic, "grace@example.com")
    return browser


def test_profile_shows_the_customers_details(clinic, signed_in):
    page = html(signed_in.get("/account/profile"))
    fields = form_fields(page, "profile-form")
    assert "Signed in as grace@example.com" in text(page)
    assert fields["name"] == "Grace Thompson"
    assert fields["email_consent"] == "y" and "sms_consent" not in fields  # the defaults


@HTMX
def test_profile_edit_saves_name_phone_in_e164_and_consents(clinic, signed_in, htmx):
    response = signed_in.post("/account/profile", {
        "name": "  Grace T. Thompson ", "phone": "020 7946 0018", "sms_consent": "y",
    }, htmx=htmx)

    assert assert_redirected(response, htmx) == "/account/profile"
    grace = grace_now(clinic)
    assert (grace.name, grace.phone, grace.email_consent, grace.sms_consent) == (
        "Grace T. Thompson", "+442079460018", False, True)
    page = html(signed_in.get("/account/profile"))
    assert "Your details are saved." in text(page)
    assert form_fields(page, "profile-form")["phone"] == "+442079460018"


INVALID_PROFILE = {
    "a phone number that is not valid": ({"phone": "12345"},
                                         "That phone number is not valid. Include the country code, e.g. +44."),
    "a phone that is not a number": ({"phone": "call me maybe"}, "That does not look like a phone number."),
    "no name": ({"name": ""}, "This field is required."),
    "a 10,000-character name": ({"name": "G" * 10_000}, "Field cannot be longer than 200 characters."),
}


@pytest.mark.parametrize("case", list(INVALID_PROFILE))
@HTMX
def test_invalid_profile_values_get_422_with_the_error_and_values_kept(clinic, signed_in, case, htmx):
    changes, message = INVALID_PROFILE[case]
    values = {"name": "Grace T.", "phone": "+442079460018", "sms_consent": "y"} | changes
    before = snapshot()

    page = assert_page(signed_in.post("/account/profile", values, htmx=htmx), 422, htmx, block='<form id="profile-form"')

    assert message in text(page)
    kept = form_fields(page, "profile-form")
    kept.pop("csrf_token")
    assert kept == values
    assert changed_tables(before) == []
