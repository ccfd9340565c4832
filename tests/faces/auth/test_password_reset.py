"""Staff who forgot their password choose a new one by emailed link: an hour, once; the answer to the
request never tells whether the address has an account."""
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.accounts import password_reset, tokens
from app.modules.accounts.models import AccountToken, User
from app.modules.audit.models import AuditEvent
from app.modules.notifications.models import Notification
from tests.support import factories
from tests.support.clients import ADMIN_HOST, host_of
from tests.support.database import rows
from tests.support.pages import html, redirect_path, text

PASSWORD = factories.PASSWORD
NEW_PASSWORD = "a brand new passphrase"
DEAD = "That link to choose a new password has expired or was already used. Ask for a new one below."
pytestmark = pytest.mark.usefixtures("messages_stay_in_the_outbox")


def reset_links(tenant) -> list[str]:
    return [urlsplit(n.payload["link"]).path for n in rows(tenant, Notification, Notification.kind == "password_reset")]


def ask(visitor, host, email):
    return visitor(host).post("/password-reset", {"email": email})


def is_signed_in(guest) -> bool:
    response = guest.get("/dashboard/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    return False


def stored(clinic, user) -> User:
    return rows(clinic.tenant, User, User.id == user.id)[0]


def test_the_sign_in_page_offers_a_reset_and_the_answer_is_the_same_for_unknown_addresses(clinic, visitor):
    user = factories.user(clinic.tenant, "staff")
    login = html(visitor(clinic.host).get("/login"))
    assert '<a href="/password-reset">Forgot your password?</a>' in login
    assert "Forgot your password?" not in html(visitor(ADMIN_HOST).get("/login"))

    known = ask(visitor, clinic.host, user.email.upper())
    unknown = ask(visitor, clinic.host, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert text(html(known)).replace(user.email.upper(), "X") == text(html(unknown)).replace("nobody@example.com", "X")
    assert "If an account exists for nobody@example.com, we've emailed a link" in text(html(unknown))

    (sent,) = rows(clinic.tenant, Notification, Notification.kind == "password_reset")
    assert sent.recipient == user.email
    assert sent.payload["link"].startswith("https://riverside.sloty.test/password-reset/")
    (row,) = rows(clinic.tenant, AccountToken)
    token = reset_links(clinic.tenant)[0].rsplit("/", 1)[1]
    assert row.token_hash == tokens.digest(token) and row.user_id == user.id
    assert timedelta(minutes=59) < row.expires_at - clock.now() <= timedelta(hours=1)
    requested = rows(clinic.tenant, AuditEvent, AuditEvent.action == "user.password_reset_requested")
    assert [e.entity_id for e in requested] == [user.id]


def test_a_deactivated_member_gets_no_link(clinic, visitor):
    user = factories.user(clinic.tenant, "staff")
    with tenant_context(clinic.tenant):
        user.active = False
    assert ask(visitor, clinic.host, user.email).status_code == 200
    assert reset_links(clinic.tenant) == []


def test_a_reset_sets_the_password_ends_other_sessions_and_lifts_a_lockout(clinic, visitor):
    user = factories.user(clinic.tenant, "admin")
    elsewhere_signed_in = visitor(clinic.host)
    assert elsewhere_signed_in.sign_in(user.email, PASSWORD).status_code == 303
    with tenant_context(clinic.tenant):
        user.failed_sign_ins, user.locked_until = 10, clock.now() + timedelta(minutes=10)
    version = user.session_version

    browser = visitor(clinic.host)
    browser.post("/password-reset", {"email": user.email})
    [link] = reset_links(clinic.tenant)
    for _ in range(2):  # opening the link, as a mail scanner would, spends nothing
        opened = browser.get(link)
        assert opened.status_code == 200 and "Choose a new password" in text(html(opened))

    short = browser.post(link, {"password": "short"})
    assert short.status_code == 422
    assert '<small class="error">Passwords need at least 10 characters.</small>' in html(short)

    done = browser.post(link, {"password": NEW_PASSWORD})
    assert done.status_code == 303 and redirect_path(done) == "/dashboard/"
    assert is_signed_in(browser)
    assert not is_signed_in(elsewhere_signed_in), "the reset ends every other session"
    after = stored(clinic, user)
    assert (after.failed_sign_ins, after.locked_until, after.session_version) == (0, None, version + 1)
    assert visitor(clinic.host).sign_in(user.email, PASSWORD).status_code == 422
    assert visitor(clinic.host).sign_in(user.email, NEW_PASSWORD).status_code == 303
    actions = [e.action for e in rows(clinic.tenant, AuditEvent, AuditEvent.entity_id == user.id,
                                      AuditEvent.entity_type == "User")]
    assert "user.password_reset_requested" in actions and actions.count("user.password_reset") == 1


def test_a_reset_link_works_once(clinic, visitor):
    user = factories.user(clinic.tenant, "staff")
    ask(visitor, clinic.host, user.email)
    [link] = reset_links(clinic.tenant)
    assert visitor(clinic.host).post(link, {"password": NEW_PASSWORD}).status_code == 303
    for response in (visitor(clinic.host).get(link), visitor(clinic.host).post(link, {"password": "another long one"})):
        assert response.status_code == 404 and DEAD in text(html(response))
    assert visitor(clinic.host).sign_in(user.email, NEW_PASSWORD).status_code == 303


def test_a_reset_link_expires_after_an_hour_and_a_new_one_retires_the_old(clinic, visitor, clock):
    user = factories.user(clinic.tenant, "staff")
    ask(visitor, clinic.host, user.email)
    ask(visitor, clinic.host, user.email)
    first, second = reset_links(clinic.tenant)
    assert visitor(clinic.host).get(first).status_code == 404
    clock.shift(timedelta(minutes=61))
    late = visitor(clinic.host).post(second, {"password": NEW_PASSWORD})
    assert late.status_code == 404 and DEAD in text(html(late))
    assert visitor(clinic.host).sign_in(user.email, PASSWORD).status_code == 303


def test_requests_are_limited_per_address(clinic, visitor, app):
    user = factories.user(clinic.tenant, "staff")
    limit = int(app.config["PASSWORD_RESET_RATE_LIMIT"].split()[0])
    for n in range(limit):
        guest = visitor(clinic.host)
        guest.client.environ_base["REMOTE_ADDR"] = f"203.0.113.{n + 1}"  # from many clients
        assert guest.post("/password-reset", {"email": user.email}).status_code == 200
    guest = visitor(clinic.host)
    guest.client.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    refused = guest.post("/password-reset", {"email": user.email})
    assert refused.status_code == 429 and "<h1>Too many attempts</h1>" in html(refused)
    assert len(reset_links(clinic.tenant)) == limit
    other = factories.user(clinic.tenant, "staff")
    assert guest.post("/password-reset", {"email": other.email}).status_code == 200, "another address is not held up"


def test_another_tenants_link_means_nothing_here_and_the_backoffice_has_no_resets(clinic, elsewhere, visitor):
    theirs = elsewhere["owner"]
    with tenant_context(elsewhere["tenant"]):
        password_reset.request_reset(db.session, theirs.email, now=clock.now(), link_for=lambda token: f"/password-reset/{token}")
    [link] = reset_links(elsewhere["tenant"])
    response = visitor(clinic.host).post(link, {"password": NEW_PASSWORD})
    assert response.status_code == 404 and DEAD in text(html(response))
    assert ask(visitor, clinic.host, theirs.email).status_code == 200 and reset_links(clinic.tenant) == []
    assert visitor(ADMIN_HOST).get("/password-reset").status_code == 404
    assert visitor(ADMIN_HOST).get(link).status_code == 404
    assert visitor(host_of(elsewhere["tenant"])).post(link, {"password": NEW_PASSWORD}).status_code == 303
