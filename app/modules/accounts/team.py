"""A practice's team: inviting people by emailed link, their roles, and (de)activating members.
A practice always keeps at least one active owner."""
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules import audit, notifications
from app.modules.accounts import tokens
from app.modules.accounts.models import INVITATION_ROLES, Invitation, User
from app.modules.accounts.users import create_user, end_all_sessions, hash_password, normalise_email
from app.modules.catalogue.models import Provider
from app.modules.tenants.models import Tenant

INVITATION_LIFETIME = timedelta(days=7)
LAST_OWNER = "{} is the practice's last active owner: make someone else an owner first."


def _check_role(role: str, *, actor) -> str:
    if role not in INVITATION_ROLES:
        raise DomainError("Choose a role.", field="role")
    if role == "owner" and not actor.has_role("owner", "superadmin"):
        raise DomainError("Only an owner can make someone an owner.", field="role")
    return role


def _check_provider(provider: Provider | None) -> None:
    if provider is not None and provider.user_id is not None:
        raise DomainError(f"{provider.name} is already linked to a team member's account.", field="provider")


def _pending(invitation: Invitation, now: datetime) -> bool:
    return invitation.accepted_at is None and invitation.revoked_at is None and invitation.expires_at > now


def _send(session: Session, invitation: Invitation, *, now: datetime, link_for: Callable[[str], str]) -> None:
    token, invitation.token_hash = tokens.new_token()
    invitation.expires_at = now + INVITATION_LIFETIME
    session.flush()
    notifications.queue(session, now=now, tenant_id=invitation.tenant_id, kind="invitation",
                        recipient=invitation.email, link=link_for(token))


def pending_invitations(session: Session, *, now: datetime) -> list[Invitation]:
    return list(session.scalars(
        sa.select(Invitation)
        .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > now)
        .order_by(Invitation.created_at, Invitation.id)
    ))


def invite(session: Session, tenant: Tenant, *, email: str, name: str, role: str, provider: Provider | None = None,
           actor: User, now: datetime, link_for: Callable[[str], str]) -> Invitation:
    """Email ``email`` a single-use link (``link_for(token)``) to join the team as ``role``, valid for 7 days."""
    email = normalise_email(email or "")
    if not email:
        raise DomainError("Give their email address.", field="email")
    name = (name or "").strip()
    if len(name) > 200:
        raise DomainError("At most 200 characters.", field="name")
    _check_role(role, actor=actor)
    if session.scalar(sa.select(User.id).where(User.tenant_id == tenant.id, User.email == email)):
        raise DomainError(f"{email} is already a member of the team.", field="email")
    if any(invitation.email == email for invitation in pending_invitations(session, now=now)):
        raise DomainError(f"{email} is already invited: resend their invitation from the list below.", field="email")
    _check_provider(provider)
    invitation = Invitation(tenant_id=tenant.id, email=email, name=name, role=role,
                            provider_id=provider.id if provider else None, invited_by_id=actor.id,
                            token_hash="", expires_at=now)
    session.add(invitation)
    _send(session, invitation, now=now, link_for=link_for)
    audit.record(session, "invitation.create", invitation, actor=actor, email=email, role=role,
                 provider_id=invitation.provider_id)
    return invitation


def _still_pending(invitation: Invitation) -> None:
    if invitation.accepted_at is not None:
        raise DomainError(f"{invitation.email} has already accepted this invitation.")
    if invitation.revoked_at is not None:
        raise DomainError(f"The invitation of {invitation.email} was withdrawn.")


def resend(session: Session, invitation: Invitation, *, actor: User, now: datetime,
           link_for: Callable[[str], str]) -> Invitation:
    """A fresh link, valid for 7 more days; the link sent before stops working."""
    _still_pending(invitation)
    _send(session, invitation, now=now, link_for=link_for)
    audit.record(session, "invitation.resend", invitation, actor=actor, email=invitation.email)
    return invitation


def revoke(session: Session, invitation: Invitation, *, actor: User, now: datetime) -> Invitation:
    _still_pending(invitation)
    invitation.revoked_at = now
    session.flush()
    audit.record(session, "invitation.revoke", invitation, actor=actor, email=invitation.email,
                 before={"revoked_at": None}, after={"revoked_at": now})
    return invitation


def invitation_for(session: Session, token: str, *, now: datetime) -> Invitation | None:
    """The pending invitation a link's token opens, or None when unknown, used, withdrawn or expired."""
    if not token or len(token) > 100:
        return None
    invitation = session.scalar(sa.select(Invitation).where(Invitation.token_hash == tokens.digest(token)))
    return invitation if invitation is not None and _pending(invitation, now) else None


def accept(session: Session, tenant: Tenant, token: str, *, name: str, password: str, now: datetime) -> User | None:
    """The account the invitation becomes, with its role and provider link; None when the link is
    no longer valid. Of two requests accepting one link at once, exactly one gets the account."""
    name = (name or "").strip()
    if not name:
        raise DomainError("Give your name.", field="name")
    if len(name) > 200:
        raise DomainError("At most 200 characters.", field="name")
    hash_password(password)  # refuse a weak password before the link is spent
    invitation = invitation_for(session, token, now=now)
    if invitation is None:
        return None
    spent = session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.token_hash == invitation.token_hash,
               Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .values(accepted_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not spent:
        return None
    session.refresh(invitation)
    user = create_user(session, tenant, email=invitation.email, name=name, password=password, role=invitation.role)
    user.email_confirmed_at = now  # the link reached them at this address
    invitation.user_id = user.id
    if invitation.provider_id is not None:
        provider = session.get(Provider, invitation.provider_id)
        if provider is not None and provider.user_id is None:
            provider.user_id = user.id
    session.flush()
    audit.record(session, "invitation.accept", invitation, actor=user, user_id=user.id, role=user.role,
                 provider_id=invitation.provider_id)
    return user


def _other_active_owners(session: Session, user: User) -> int:
    # Locked, so that two owners demoting each other at once cannot both succeed (on PostgreSQL).
    owners = session.scalars(
        sa.select(User.id).where(User.tenant_id == user.tenant_id, User.role == "owner", User.active)
        .order_by(User.id).with_for_update()
    ).all()
    return len([owner for owner in owners if owner != user.id])


def _may_manage(user: User, *, actor: User) -> None:
    if user.role == "owner" and not actor.has_role("owner", "superadmin"):
        raise DomainError(f"Only an owner can change {user.name}'s account: they are an owner.")


def change_role(session: Session, user: User, role: str, *, actor: User) -> User:
    _check_role(role, actor=actor)
    _may_manage(user, actor=actor)
    if role == user.role:
        return user
    if user.role == "owner" and user.active and not _other_active_owners(session, user):
        raise DomainError(LAST_OWNER.format(user.name), field="role")
    before, user.role = user.role, role
    session.flush()
    audit.record(session, "user.role_change", user, actor=actor, before=before, after=role)
    return user


def set_active(session: Session, user: User, active: bool, *, actor: User) -> User:
    """Deactivating signs the member out everywhere at once; they cannot sign in until reactivated."""
    if active == user.active:
        return user
    if not active and user.id == actor.id:
        raise DomainError("You cannot deactivate your own account.")
    _may_manage(user, actor=actor)
    if not active:
        if user.role == "owner" and not _other_active_owners(session, user):
            raise DomainError(LAST_OWNER.format(user.name))
        end_all_sessions(user)
    user.active = active
    session.flush()
    audit.record(session, "user.activate" if active else "user.deactivate", user, actor=actor,
                 before={"active": not active}, after={"active": active})
    return user
