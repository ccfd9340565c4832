"""Sign-in protection that holds: per site however the host is spelt, per account across addresses and
processes, sign-in links limited per email and per address, and customer sign-out ended on the server."""
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.blueprints.auth.routes import SIGN_IN_FAILED
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.accounts import users
from app.modules.accounts.models import User
from app.modules.customers.sign_in_links import LINKS_PER_LIFETIME
from app.modules.notifications.models import Notification
from tests.support import factories
from tests.support.booking import sign_in_customer
from tests.support.clients import Visitor, host_of
from tests.support.database import rows
from tests.support.pages import html, text
from tests.support.practice import build_practice

PASSWORD = factories.PASSWORD
# Sign-in links stay in the outbox, where the tests read them; delivery would blank them once sent.
pytestmark = pytest.mark.usefixtures("messages_stay_in_the_outbox")


@pytest.fixture
def acme(app):
    return build_practice("acme", name="Acme Dental")


@pytest.fixture
def patient(clinic):
    return factories.customer(clinic.tenant, name="Pat Patient", email="pat@example.com")


def from_address(app, host: str, address: str) -> Visitor:
    visitor = Visitor(app, host)
    visitor.client.environ_base["REMOTE_ADDR"] = address
    return visitor


def signed_in(visitor: Visitor) -> bool:
    return visitor.get("/dashboard/").status_code == 200


def stored(user: User) -> User:
    db.session.expire_all()
    with tenant_context(user.tenant_id):
        return db.session.scalar(select(User).where(User.id == user.id))


@pytest.mark.parametrize("spelling", ["ACME.sloty.test", "acme.sloty.test.", "Acme.Sloty.Test"])
def test_the_address_limit_holds_however_the_host_is_spelt(app, acme, spelling):
    guesser = Visitor(app, "acme.sloty.test")
    for attempt in range(10):
        assert guesser.sign_in(acme["owner"].email, f"guess {attempt}").status_code == 422
    assert guesser.sign_in(acme["owner"].email, PASSWORD).status_code == 429

    respelt = Visitor(app, spelling)
    response = respelt.sign_in(acme["owner"].email, PASSWORD, headers={"Host": spelling})  # sent as typed
    assert response.status_code == 429
    assert "Too many attempts" in text(html(response))
    assert not signed_in(respelt)


def test_ten_wrong_passwords_from_ten_addresses_lock_the_account_for_the_eleventh(app, acme, clock):
    owner = acme["owner"]
    for n in range(users.LOCK_AFTER):
        assert from_address(app, host_of(acme["tenant"]), f"198.51.100.{n + 1}").sign_in(owner.email, f"guess {n}").status_code == 422

    eleventh = from_address(app, host_of(acme["tenant"]), "203.0.113.50")
    refused = eleventh.sign_in(owner.email, PASSWORD)
    assert refused.status_code == 422
    assert SIGN_IN_FAILED in text(html(refused))  # the same words as any wrong password: nothing to learn
    assert not signed_in(eleventh)
    assert stored(owner).locked_until is not None

    clock.shift(users.LOCKOUT + timedelta(seconds=1))
    later = from_address(app, host_of(acme["tenant"]), "203.0.113.51")
    assert later.sign_in(owner.email, PASSWORD).status_code == 303
    assert signed_in(later)
    assert (stored(owner).failed_sign_ins, stored(owner).locked_until) == (0, None)


def test_a_success_resets_the_count_of_wrong_passwords(app, acme):
    owner = acme["owner"]
    for n in range(users.LOCK_AFTER - 1):
        from_address(app, host_of(acme["tenant"]), f"198.51.100.{n + 1}").sign_in(owner.email, "wrong password")
    assert from_address(app, host_of(acme["tenant"]), "203.0.113.9").sign_in(owner.email, PASSWORD).status_code == 303
    assert stored(owner).failed_sign_ins == 0
    assert from_address(app, host_of(acme["tenant"]), "203.0.113.10").sign_in(owner.email, "wrong again").status_code == 422
    assert from_address(app, host_of(acme["tenant"]), "203.0.113.11").sign_in(owner.email, PASSWORD).status_code == 303


def test_unknown_locked_and_wrong_all_answer_alike_and_cost_one_password_check(app, acme, monkeypatch):
    owner = acme["owner"]
    for n in range(users.LOCK_AFTER):
        from_address(app, host_of(acme["tenant"]), f"198.51.100.{n + 1}").sign_in(owner.email, "wrong password")
    checks = []
    real_verify = users._verify
    monkeypatch.setattr(users, "_verify", lambda hashed, password: checks.append(1) or real_verify(hashed, password))

    answers = {}
    for case, email, password in [("unknown", "nobody@example.com", PASSWORD), ("locked", owner.email, PASSWORD)]:
        checks.clear()
        response = from_address(app, host_of(acme["tenant"]), "203.0.113.77").sign_in(email, password)
        answers[case] = (response.status_code, text(html(response)).replace(email, "EMAIL"))
        assert len(checks) == 1, f"{case}: one argon2 verification, as for any account"
    assert answers["unknown"] == answers["locked"]


def test_sign_in_links_are_limited_per_email_and_the_answer_never_tells(app, visitor, clinic, patient):
    answers = set()
    for n in range(LINKS_PER_LIFETIME + 3):  # from a new address each time: past any per-address limit
        for email in (patient.email, "stranger@example.com"):
            asking = from_address(app, clinic.host, f"198.51.100.{n + 1}")
            answers.add(text(html(asking.post("/account/sign-in", {"email": email}))).replace(email, "EMAIL"))
    assert len(answers) == 1, "known or unknown, asked once or often: the same answer"
    sent = rows(clinic.tenant, Notification, Notification.kind == "magic_link")
    assert [n.recipient for n in sent] == [patient.email] * LINKS_PER_LIFETIME


def test_sign_in_link_requests_are_limited_per_address(app, visitor, clinic):
    flooder = visitor(clinic.host)
    statuses = [flooder.post("/account/sign-in", {"email": f"person{n}@example.com"}).status_code for n in range(11)]
    assert statuses == [200] * 10 + [429]
    assert visitor(clinic.host).post("/account/sign-in", {"email": "someone@example.com"}).status_code == 429, \
        "per address, not per browser"
    elsewhere = visitor(clinic.host)
    elsewhere.client.environ_base["REMOTE_ADDR"] = "203.0.113.200"
    assert elsewhere.post("/account/sign-in", {"email": "someone@example.com"}).status_code == 200


def test_sign_in_links_point_at_the_configured_site_whatever_the_request_said(app, visitor, clinic, patient):
    app.config["PREFERRED_URL_SCHEME"] = "https"
    odd = visitor(clinic.host + ".")  # a trailing-dot host, over plain http
    assert odd.post("/account/sign-in", {"email": patient.email}).status_code == 200
    [sent] = rows(clinic.tenant, Notification, Notification.kind == "magic_link")
    link = urlsplit(sent.payload["link"])
    assert (link.scheme, link.netloc) == ("https", clinic.host)
    assert link.path.startswith("/account/sign-in/")


def test_a_signed_out_customers_old_cookie_opens_nothing(app, visitor, clinic, patient):
    customer = visitor(clinic.host)
    sign_in_customer(customer, clinic, patient.email)
    assert customer.get("/account").status_code == 200
    cookie = customer.client.get_cookie("session", domain=clinic.host).value

    assert customer.post("/account/sign-out").status_code == 303
    replayed = visitor(clinic.host)
    replayed.client.set_cookie("session", cookie, domain=clinic.host)
    response = replayed.get("/account")
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/account/sign-in"
