"""The backoffice's users across tenants: found by email or name in every practice (superadmins as the
platform's), then deactivated (signed out everywhere), reactivated or sent a password reset link by
email, each action audited with the superadmin as its actor."""
import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app.core import clock
from app.core.database import db
from app.core.tenancy import all_tenants, tenant_context
from app.modules.accounts.models import User
from app.modules.audit.models import AuditEvent
from app.modules.notifications.models import Notification
from tests.support import factories
from tests.support.clients import host_of
from tests.support.mail import SMTPServer
from tests.support.pages import html, redirect_path, text


@pytest.fixture
def acme(app):
    return factories.tenant("acme", name="Acme Dental")


@pytest.fixture
def bolt(app):
    return factories.tenant("bolt", name="Bolt Physio")


@pytest.fixture
def smtp(app):
    with SMTPServer() as server:
        app.config.update(server.config())
        yield server


def account_rows(page: str) -> list[str]:
    """The text of each row of the accounts table."""
    body = page.split('<table id="accounts">', 1)[1].split("</table>", 1)[0]
    return [text(row) for row in body.split('<tr id="account-')[1:]]


def audit_events(action: str, user_id: int) -> list[AuditEvent]:
    db.session.expire_all()
    with all_tenants():
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.entity_type == "User", AuditEvent.entity_id == user_id,
        ).order_by(AuditEvent.id)).all()
        db.session.commit()
    return events


def stored(user: User) -> User:
    db.session.expire_all()
    with all_tenants():
        found = db.session.get(User, user.id)
        db.session.commit()
    return found


def is_signed_in(member) -> bool:
    response = member.get("/dashboard/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    return False


def member_signed_in(visitor, tenant, user):
    member = visitor(host_of(tenant))
    assert member.sign_in(user.email, factories.PASSWORD).status_code == 303
    return member


# Finding them


def test_search_finds_accounts_by_email_across_practices_with_their_practice_role_status_and_last_sign_in(
        acme, bolt, superadmin, visitor):
    at_acme = factories.user(acme, "staff", email="sam@example.com")
    at_bolt = factories.user(bolt, "provider", email="sam@example.com")
    factories.user(bolt, "owner", email="olivia@example.com")
    with tenant_context(bolt):
        at_bolt.active = False
    member_signed_in(visitor, acme, at_acme)

    page = html(superadmin.get("/backoffice/users?q=SAM@"))

    found = account_rows(page)
    assert len(found) == 2
    signed_in_at = clock.now().strftime("%Y-%m-%d")
    assert found[0].startswith(f'{at_acme.id}"> sam@example.com Staff Person Acme Dental staff active {signed_in_at}')
    assert found[1] == f'{at_bolt.id}"> sam@example.com Provider Person Bolt Physio provider deactivated never'
    assert f'href="/backoffice/users/{at_acme.id}"' in page and f'href="/backoffice/tenants/{bolt.id}"' in page
    assert "olivia@example.com" not in page
    assert 'value="SAM@"' in page, "the search box keeps what was typed"


def test_search_finds_by_name_and_lists_superadmins_as_the_platforms(acme, superadmin):
    factories.user(acme, "admin", email="adam@example.com")

    by_name = account_rows(html(superadmin.get("/backoffice/users?q=admin+person")))
    assert [row.split('"> ', 1)[1] for row in by_name] == [
        "adam@example.com Admin Person Acme Dental admin active never"]

    platform = account_rows(html(superadmin.get("/backoffice/users?q=root@")))
    with all_tenants():
        signed_in_at = db.session.scalar(sa.select(User.last_login_at).where(User.email == "root@sloty.test"))
        db.session.commit()
    assert [row.split('"> ', 1)[1] for row in platform] == [
        f"root@sloty.test Super Admin platform superadmin active {signed_in_at:%Y-%m-%d %H:%M}"]


def test_a_search_for_a_wildcard_is_a_search_for_that_character(acme, superadmin):
    factories.user(acme, "staff", email="plain@example.com")
    page = html(superadmin.get("/backoffice/users?q=%25"))
    assert account_rows(page) == []
    assert "No account matches." in text(page)


def test_accounts_come_fifty_a_page_by_email(acme, superadmin):
    for n in range(51):
        factories.user(acme, "staff", email=f"user{n:02d}@example.com")

    first = html(superadmin.get("/backoffice/users?q=user"))
    assert len(account_rows(first)) == 50
    assert 'href="/backoffice/users?q=user&amp;page=2">Next page</a>' in first and "Previous page" not in first

    second = html(superadmin.get("/backoffice/users?q=user&page=2"))
    assert [row.split('"> ', 1)[1].split(" ", 1)[0] for row in account_rows(second)] == ["user50@example.com"]
    assert 'href="/backoffice/users?q=user">Previous page</a>' in second and "Next page" not in second
    assert account_rows(html(superadmin.get("/backoffice/users?q=user&page=-3"))) == account_rows(first)


def test_an_htmx_search_gets_only_the_results(acme, superadmin):
    factories.user(acme, "staff", email="sam@example.com")
    response = superadmin.get("/backoffice/users?q=sam", htmx=True)
    fragment = html(response).strip()
    assert fragment.startswith('<section id="results"') and fragment.endswith("</section>")
    assert "sam@example.com" in fragment and "<h1>" not in fragment
    assert "HX-Request" in response.headers["Vary"]


def test_the_account_page_shows_its_practice_and_history(acme, superadmin):
    user = factories.user(acme, "staff", email="sam@example.com")
    page = html(superadmin.get(f"/backoffice/users/{user.id}"))
    assert "Staff Person sam@example.com" in text(page)
    assert "Practice Acme Dental (acme) Role staff Status active Last sign-in never" in text(page)
    assert "Nothing recorded yet." in text(page)
    assert superadmin.get("/backoffice/users/999999").status_code == 404


# Deactivating and reactivating


def test_deactivating_an_account_signs_it_out_everywhere_and_is_audited(acme, superadmin, visitor):
    factories.user(acme, "owner")
    staff = factories.user(acme, "staff", email="sam@example.com")
    member = member_signed_in(visitor, acme, staff)
    assert is_signed_in(member)
    version = stored(staff).session_version

    response = superadmin.post(f"/backoffice/users/{staff.id}/deactivate")

    assert response.status_code == 303 and redirect_path(response) == f"/backoffice/users/{staff.id}"
    page = html(superadmin.get(f"/backoffice/users/{staff.id}"))
    assert "sam@example.com is deactivated and signed out everywhere." in text(page)
    assert '<dd id="account-status">deactivated</dd>' in page
    assert not is_signed_in(member), "the session it had is refused"
    assert visitor(host_of(acme)).sign_in(staff.email, factories.PASSWORD).status_code == 422
    after = stored(staff)
    assert (after.active, after.session_version) == (False, version + 1)
    [event] = audit_events("user.deactivate", staff.id)
    assert (event.actor_email, event.tenant_id) == ("root@sloty.test", acme.id)
    assert event.details == {"before": {"active": True}, "after": {"active": False}}
    assert "root@sloty.test user.deactivate" in text(page)


def test_reactivating_lets_them_sign_in_again_and_is_audited(acme, superadmin, visitor):
    staff = factories.user(acme, "staff")
    with tenant_context(acme):
        staff.active = False

    response = superadmin.post(f"/backoffice/users/{staff.id}/reactivate")

    assert response.status_code == 303
    assert f"{staff.email} can sign in again." in text(html(superadmin.get(f"/backoffice/users/{staff.id}")))
    assert stored(staff).active is True
    assert visitor(host_of(acme)).sign_in(staff.email, factories.PASSWORD).status_code == 303
    [event] = audit_events("user.activate", staff.id)
    assert event.actor_email == "root@sloty.test"
    assert event.details == {"before": {"active": False}, "after": {"active": True}}


def test_a_practices_last_active_owner_is_not_deactivated(acme, superadmin, visitor):
    owner = factories.user(acme, "owner")
    member = member_signed_in(visitor, acme, owner)

    refused = superadmin.post(f"/backoffice/users/{owner.id}/deactivate")

    assert refused.status_code == 422
    assert "Owner Person is the practice's last active owner: make someone else an owner first." in text(html(refused))
    assert stored(owner).active is True and is_signed_in(member)
    assert audit_events("user.deactivate", owner.id) == []

    factories.user(acme, "owner")  # with a second owner, the first may go
    assert superadmin.post(f"/backoffice/users/{owner.id}/deactivate").status_code == 303
    assert stored(owner).active is False and not is_signed_in(member)


def test_a_superadmin_cannot_deactivate_their_own_account_but_can_another_superadmins(superadmin, visitor):
    with all_tenants():
        me = db.session.scalar(sa.select(User).where(User.email == "root@sloty.test"))
        db.session.commit()
    page = html(superadmin.get(f"/backoffice/users/{me.id}"))
    assert "This is your own account" in text(page) and "Deactivate" not in text(page)

    refused = superadmin.post(f"/backoffice/users/{me.id}/deactivate")
    assert refused.status_code == 422 and "You cannot deactivate your own account." in text(html(refused))
    assert stored(me).active is True

    other = factories.user(None, "superadmin", email="ops@sloty.test")
    assert superadmin.post(f"/backoffice/users/{other.id}/deactivate").status_code == 303
    assert stored(other).active is False
    assert audit_events("user.deactivate", other.id)[0].tenant_id is None


def test_unknown_accounts_are_404_for_every_action(superadmin):
    for action in ("deactivate", "reactivate", "password-reset"):
        response = superadmin.post(f"/backoffice/users/999999/{action}")
        assert response.status_code == 404 and "Not found" in html(response)


# A password reset link


def test_a_password_reset_link_is_emailed_through_the_outbox_and_works(acme, superadmin, visitor, smtp):
    staff = factories.user(acme, "staff", email="sam@example.com")

    response = superadmin.post(f"/backoffice/users/{staff.id}/password-reset")

    assert response.status_code == 303
    page = text(html(superadmin.get(f"/backoffice/users/{staff.id}")))
    assert "A link to choose a new password is on its way to sam@example.com; it works for an hour." in page
    with tenant_context(acme):
        [sent] = db.session.scalars(sa.select(Notification).where(Notification.kind == "password_reset")).all()
        db.session.commit()
    assert (sent.status, sent.recipient, sent.tenant_id) == ("sent", "sam@example.com", acme.id)
    [message] = smtp.inbox.to("sam@example.com")
    assert message["Subject"].startswith("Reset your password")
    [link] = re.findall(r"https://acme\.sloty\.test/password-reset/[\w-]+", message.get_body(("plain",)).get_content())
    assert sent.payload["link"] is None, "the link is not kept once sent"
    link = urlsplit(link)
    opened = visitor(host_of(acme)).get(link.path)
    assert opened.status_code == 200 and "Choose a new password" in text(html(opened))
    [event] = audit_events("user.password_reset_requested", staff.id)
    assert (event.actor_email, event.tenant_id) == ("root@sloty.test", acme.id)


def test_no_reset_link_for_a_superadmin_or_a_deactivated_account(acme, superadmin, smtp):
    other = factories.user(None, "superadmin", email="ops@sloty.test")
    staff = factories.user(acme, "staff")
    with tenant_context(acme):
        staff.active = False
    assert "Email a password reset link" not in html(superadmin.get(f"/backoffice/users/{other.id}"))

    reasons = ((other, "a superadmin's password is not reset by email."), (staff, "the account is deactivated."))
    for user, why in reasons:
        refused = superadmin.post(f"/backoffice/users/{user.id}/password-reset")
        assert refused.status_code == 422
        assert f"{user.email} cannot be sent a reset link: {why}" in text(html(refused))
    assert smtp.inbox.messages == []
    with all_tenants():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
        db.session.commit()
