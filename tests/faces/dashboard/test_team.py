"""The team in the dashboard: owners and admins invite people by emailed link, change their roles and
(de)activate them; a practice always keeps an active owner."""
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from app.core import clock
from app.core.database import db
from app.core.errors import DomainError
from app.core.tenancy import tenant_context
from app.modules.accounts import team, tokens
from app.modules.accounts.models import Invitation, User
from app.modules.audit.models import AuditEvent
from app.modules.catalogue.models import Provider
from app.modules.notifications.models import Notification
from tests.support import factories
from tests.support.database import rows
from tests.support.pages import form_fields, html, redirect_path, text

PASSWORD = factories.PASSWORD
NEW_PASSWORD = "a long new password"
# Messages stay queued in the outbox, where these tests read the links they carry.
pytestmark = pytest.mark.usefixtures("messages_stay_in_the_outbox")


def signed_in(visitor, clinic, role="owner", **fields):
    user = factories.user(clinic.tenant, role, **fields)
    guest = visitor(clinic.host)
    assert guest.sign_in(user.email, PASSWORD).status_code == 303
    return guest, user


def invitation_links(clinic) -> list[str]:
    """The paths of the invitation links emailed (queued) so far, oldest first."""
    return [urlsplit(n.payload["link"]).path for n in rows(clinic.tenant, Notification, Notification.kind == "invitation")]


def actions(clinic, entity_type: str) -> list[str]:
    return [e.action for e in rows(clinic.tenant, AuditEvent, AuditEvent.entity_type == entity_type)]


def invite(owner, email="nina@example.com", name="Nina Patel", role="staff", provider=""):
    return owner.post("/dashboard/team/invitations", {"email": email, "name": name, "role": role, "provider": provider})


def member(clinic, email) -> User | None:
    found = rows(clinic.tenant, User, User.email == email)
    return found[0] if found else None


def is_signed_in(guest) -> bool:
    response = guest.get("/dashboard/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    return False


def test_an_invitation_is_emailed_and_accepting_it_makes_a_member_with_role_and_calendar(clinic, visitor):
    owner, owner_user = signed_in(visitor, clinic)
    form = html(owner.get("/dashboard/team"))
    assert 'id="invite-form"' in form and '<option value="provider">Provider</option>' in form
    assert '<option selected value="staff">Front desk (staff)</option>' in form, "the least power by default"
    assert '<option value="' + str(clinic.chloe.id) + '">Chloe Martin</option>' in form
    assert str(clinic.former.id) + '">Former Dentist' not in form, "inactive providers are not offered"

    response = invite(owner, email=" Chloe@Example.com ", name="Chloe", role="provider", provider=str(clinic.chloe.id))
    assert response.status_code == 303 and redirect_path(response) == "/dashboard/team"
    (invitation,) = rows(clinic.tenant, Invitation)
    assert (invitation.email, invitation.role, invitation.provider_id) == ("chloe@example.com", "provider", clinic.chloe.id)
    assert timedelta(days=6, hours=23) < invitation.expires_at - clock.now() <= timedelta(days=7)
    (sent,) = rows(clinic.tenant, Notification, Notification.kind == "invitation")
    assert sent.recipient == "chloe@example.com" and sent.status == "queued"
    assert sent.payload["link"].startswith("https://riverside.sloty.test/invitations/")
    [link] = invitation_links(clinic)
    token = link.rsplit("/", 1)[1]
    assert invitation.token_hash == tokens.digest(token) and token not in invitation.token_hash  # only a hash is kept
    listed = text(html(owner.get("/dashboard/team")))
    assert "Link expires chloe@example.com Chloe Provider" in listed

    newcomer = visitor(clinic.host)
    page = newcomer.get(link)
    assert page.status_code == 200
    assert (f"{owner_user.name} ({owner_user.email}) invited chloe@example.com to the team of Riverside Clinic as provider"
            in text(html(page)))
    assert form_fields(html(page), "accept-invitation")["name"] == "Chloe"
    accepted = newcomer.post(link, {"name": "Chloe Martin", "password": NEW_PASSWORD})
    assert accepted.status_code == 303 and redirect_path(accepted) == "/dashboard/"
    assert "Sign out Chloe Martin" in html(newcomer.get("/dashboard/"))

    made = member(clinic, "chloe@example.com")
    assert (made.name, made.role, made.active, made.email_confirmed_at is not None) == ("Chloe Martin", "provider", True, True)
    (chloe,) = rows(clinic.tenant, Provider, Provider.id == clinic.chloe.id)
    assert chloe.user_id == made.id
    (invitation,) = rows(clinic.tenant, Invitation)
    assert invitation.accepted_at is not None and invitation.user_id == made.id
    assert actions(clinic, "Invitation") == ["invitation.create", "invitation.accept"]
    assert "No pending invitations." in html(owner.get("/dashboard/team"))

    again = visitor(clinic.host)
    assert again.sign_in("chloe@example.com", NEW_PASSWORD).status_code == 303
    assert is_signed_in(again)


def test_an_invitation_link_works_once(clinic, visitor):
    owner, _ = signed_in(visitor, clinic)
    invite(owner)
    [link] = invitation_links(clinic)
    assert visitor(clinic.host).post(link, {"name": "Nina", "password": NEW_PASSWORD}).status_code == 303

    for send in (lambda guest: guest.get(link), lambda guest: guest.post(link, {"name": "Mallory", "password": NEW_PASSWORD})):
        response = send(visitor(clinic.host))
        assert response.status_code == 410
        assert "This invitation link is no longer valid: it was already used, has expired" in text(html(response))
    assert [u.name for u in rows(clinic.tenant, User, User.email == "nina@example.com")] == ["Nina"]


def test_an_invitation_link_expires_after_seven_days(clinic, visitor, clock):
    owner, _ = signed_in(visitor, clinic)
    invite(owner)
    [link] = invitation_links(clinic)
    clock.shift(timedelta(days=6, hours=23))
    assert visitor(clinic.host).get(link).status_code == 200
    clock.shift(timedelta(hours=1, seconds=1))
    late = visitor(clinic.host)
    assert late.get(link).status_code == 410
    response = late.post(link, {"name": "Nina", "password": NEW_PASSWORD})
    assert response.status_code == 410 and "has expired (links last 7 days)" in text(html(response))
    assert member(clinic, "nina@example.com") is None
    assert "No pending invitations." in html(owner.get("/dashboard/team"))


def test_a_short_password_is_refused_at_its_field_and_the_link_still_works(clinic, visitor):
    owner, _ = signed_in(visitor, clinic)
    invite(owner)
    [link] = invitation_links(clinic)
    newcomer = visitor(clinic.host)
    response = newcomer.post(link, {"name": "Nina Patel", "password": "short"})
    assert response.status_code == 422
    page = html(response)
    assert '<small class="error">Passwords need at least 10 characters.</small>' in page
    assert 'value="Nina Patel"' in page
    assert member(clinic, "nina@example.com") is None
    assert newcomer.post(link, {"name": "Nina Patel", "password": NEW_PASSWORD}).status_code == 303


def test_resending_an_invitation_kills_the_old_link(clinic, visitor, clock):
    owner, _ = signed_in(visitor, clinic)
    invite(owner)
    (invitation,) = rows(clinic.tenant, Invitation)
    first_expiry = invitation.expires_at
    clock.shift(timedelta(days=3))
    response = owner.post("/dashboard/team/invitations/resend", {"invitation_id": invitation.id})
    assert response.status_code == 303
    assert "A new invitation is on its way to nina@example.com" in html(owner.get("/dashboard/team"))
    old, new = invitation_links(clinic)
    assert old != new
    assert visitor(clinic.host).get(old).status_code == 410
    assert visitor(clinic.host).get(new).status_code == 200
    (invitation,) = rows(clinic.tenant, Invitation)
    assert invitation.expires_at - first_expiry >= timedelta(days=3) - timedelta(minutes=1)
    assert actions(clinic, "Invitation") == ["invitation.create", "invitation.resend"]


def test_a_revoked_invitation_link_no_longer_works(clinic, visitor):
    owner, _ = signed_in(visitor, clinic)
    invite(owner)
    (invitation,) = rows(clinic.tenant, Invitation)
    assert owner.post("/dashboard/team/invitations/revoke", {"invitation_id": invitation.id}).status_code == 303
    page = html(owner.get("/dashboard/team"))
    assert "The invitation of nina@example.com is withdrawn" in page and "No pending invitations." in page
    [link] = invitation_links(clinic)
    response = visitor(clinic.host).post(link, {"name": "Nina", "password": NEW_PASSWORD})
    assert response.status_code == 410 and "or was withdrawn" in text(html(response))
    assert member(clinic, "nina@example.com") is None
    assert rows(clinic.tenant, Invitation)[0].revoked_at is not None
    assert actions(clinic, "Invitation") == ["invitation.create", "invitation.revoke"]
    again = owner.post("/dashboard/team/invitations/resend", {"invitation_id": invitation.id})
    assert again.status_code == 422 and "The invitation of nina@example.com was withdrawn." in html(again)


def test_inviting_a_member_is_refused_at_the_email_field(clinic, visitor):
    owner, owner_user = signed_in(visitor, clinic)
    response = invite(owner, email=owner_user.email.upper(), name="Me Again", role="admin")
    assert response.status_code == 422
    page = html(response)
    assert f'<small class="error">{owner_user.email} is already a member of the team.</small>' in page
    assert 'value="Me Again"' in page
    assert rows(clinic.tenant, Invitation) == [] and invitation_links(clinic) == []

    invite(owner)
    twice = invite(owner)
    assert twice.status_code == 422 and "nina@example.com is already invited" in html(twice)
    assert len(invitation_links(clinic)) == 1


def test_a_refused_invitation_over_htmx_gets_the_form_alone(clinic, visitor):
    owner, _ = signed_in(visitor, clinic)
    response = owner.post("/dashboard/team/invitations", {"email": "not an address", "name": "X", "role": "staff",
                                                          "provider": ""}, htmx=True)
    assert response.status_code == 422
    page = html(response)
    assert page.strip().startswith('<form id="invite-form"') and "<h1>" not in page
    assert 'value="not an address"' in page and '<small class="error">' in page


def test_an_admin_cannot_make_an_owner(clinic, visitor):
    admin, _ = signed_in(visitor, clinic, "admin")
    assert '<option value="owner">' not in html(admin.get("/dashboard/team"))
    response = invite(admin, role="owner")
    assert response.status_code == 422 and rows(clinic.tenant, Invitation) == []
    colleague = factories.user(clinic.tenant, "staff")
    assert admin.post(f"/dashboard/team/{colleague.id}/role", {"role": "owner"}).status_code == 422
    assert member(clinic, colleague.email).role == "staff"


def test_roles_change_but_the_last_owner_stays_an_owner(clinic, visitor):
    owner, owner_user = signed_in(visitor, clinic)
    refused = owner.post(f"/dashboard/team/{owner_user.id}/role", {"role": "admin"})
    assert refused.status_code == 422
    assert f"{owner_user.name} is the practice's last active owner: make someone else an owner first." in text(html(refused))
    assert member(clinic, owner_user.email).role == "owner"

    colleague = factories.user(clinic.tenant, "staff")
    assert owner.post(f"/dashboard/team/{colleague.id}/role", {"role": "owner"}).status_code == 303
    assert owner.post(f"/dashboard/team/{owner_user.id}/role", {"role": "admin"}).status_code == 303
    assert (member(clinic, colleague.email).role, member(clinic, owner_user.email).role) == ("owner", "admin")
    changes = [(e.entity_id, e.details) for e in rows(clinic.tenant, AuditEvent, AuditEvent.action == "user.role_change")]
    assert changes == [(colleague.id, {"before": "staff", "after": "owner"}),
                       (owner_user.id, {"before": "owner", "after": "admin"})]


def test_the_last_active_owner_cannot_be_deactivated(clinic):
    owner = factories.user(clinic.tenant, "owner")
    root = factories.user(None, email="root@sloty.test")
    with tenant_context(clinic.tenant):
        with pytest.raises(DomainError, match="last active owner"):
            team.set_active(db.session, owner, False, actor=root)
        with pytest.raises(DomainError, match="last active owner"):
            team.change_role(db.session, owner, "staff", actor=root)
        second = factories.user(clinic.tenant, "owner")
        team.set_active(db.session, second, False, actor=owner)
        with pytest.raises(DomainError, match="last active owner"):
            team.change_role(db.session, owner, "admin", actor=root)  # a deactivated owner does not count
        assert (owner.active, owner.role, second.active) == (True, "owner", False)


def test_deactivating_a_member_ends_their_session_at_once(clinic, visitor):
    owner, _ = signed_in(visitor, clinic)
    desk, desk_user = signed_in(visitor, clinic, "staff")
    assert is_signed_in(desk)
    version = desk_user.session_version

    assert owner.post(f"/dashboard/team/{desk_user.id}/deactivate", {}).status_code == 303
    assert not is_signed_in(desk), "their next request is sent to sign in"
    assert desk.sign_in(desk_user.email, PASSWORD).status_code == 422
    stored_desk = member(clinic, desk_user.email)
    assert (stored_desk.active, stored_desk.session_version) == (False, version + 1)
    assert "Deactivated" in text(html(owner.get("/dashboard/team")))

    assert owner.post(f"/dashboard/team/{desk_user.id}/reactivate", {}).status_code == 303
    assert desk.sign_in(desk_user.email, PASSWORD).status_code == 303 and is_signed_in(desk)
    assert actions(clinic, "User").count("user.deactivate") == 1
    assert [a for a in actions(clinic, "User") if a.startswith("user.") and "activate" in a] == [
        "user.deactivate", "user.activate"]


def test_a_member_cannot_deactivate_themselves(clinic, visitor):
    admin, admin_user = signed_in(visitor, clinic, "admin")
    response = admin.post(f"/dashboard/team/{admin_user.id}/deactivate", {})
    assert response.status_code == 422 and "You cannot deactivate your own account." in html(response)
    assert member(clinic, admin_user.email).active and is_signed_in(admin)


def test_an_admin_cannot_deactivate_an_owner(clinic, visitor):
    owner = factories.user(clinic.tenant, "owner")
    admin, _ = signed_in(visitor, clinic, "admin")
    response = admin.post(f"/dashboard/team/{owner.id}/deactivate", {})
    assert response.status_code == 422 and "Only an owner can change" in html(response)
    assert member(clinic, owner.email).active


def test_another_tenants_members_and_invitations_are_404(clinic, elsewhere, visitor):
    owner, _ = signed_in(visitor, clinic)
    theirs = elsewhere["owner"]
    with tenant_context(elsewhere["tenant"]):
        invitation = team.invite(db.session, elsewhere["tenant"], email="x@example.com", name="X", role="staff",
                                 actor=theirs, now=clock.now(), link_for=lambda token: f"/invitations/{token}")
    link = urlsplit(rows(elsewhere["tenant"], Notification, Notification.kind == "invitation")[0].payload["link"]).path
    assert owner.post(f"/dashboard/team/{theirs.id}/role", {"role": "staff"}).status_code == 404
    assert owner.post(f"/dashboard/team/{theirs.id}/deactivate", {}).status_code == 404
    for action in ("resend", "revoke"):
        assert owner.post(f"/dashboard/team/invitations/{action}", {"invitation_id": invitation.id}).status_code == 404
    assert visitor(clinic.host).get(link).status_code == 410, "their link means nothing on our host"
    (still,) = rows(elsewhere["tenant"], Invitation)
    assert still.revoked_at is None and still.token_hash == invitation.token_hash
    assert (rows(elsewhere["tenant"], User, User.id == theirs.id)[0].role, len(invitation_links(clinic))) == ("owner", 0)


@pytest.mark.parametrize("role", ["staff", "provider"])
def test_staff_and_providers_are_refused_the_team_pages(clinic, visitor, role):
    guest, _ = signed_in(visitor, clinic, role)
    colleague = factories.user(clinic.tenant, "staff")
    assert guest.get("/dashboard/team").status_code == 403
    assert invite(guest).status_code == 403
    assert guest.post(f"/dashboard/team/{colleague.id}/role", {"role": "admin"}).status_code == 403
    assert guest.post(f"/dashboard/team/{colleague.id}/deactivate", {}).status_code == 403
    assert rows(clinic.tenant, Invitation) == [] and member(clinic, colleague.email).role == "staff"
