"""Staff choosing a new password by emailed link: valid for an hour, single-use; a reset signs the
account out everywhere and lifts a lockout."""
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules import audit, notifications
from app.modules.accounts import tokens
from app.modules.accounts.models import User
from app.modules.accounts.users import end_all_sessions, hash_password, normalise_email

PURPOSE = "password_reset"


def request_reset(session: Session, email: str, *, now: datetime, link_for: Callable[[str], str]) -> None:
    """Email the active staff account with ``email`` a reset link (``link_for(token)``). An unknown
    address gets nothing, and the caller cannot tell the difference. Meant for a tenant's scope."""
    user = session.scalar(sa.select(User).where(User.email == normalise_email(email or ""), User.role != "superadmin",
                                                User.active))
    if user is None:
        return
    send_reset(session, user, now=now, link_for=link_for, actor=None)


def send_reset(session: Session, user: User, *, now: datetime, link_for: Callable[[str], str], actor) -> None:
    """Email ``user`` a fresh reset link (the earlier ones stop working), through the outbox; ``actor``
    is whoever asked for it (None: the account's owner, from the sign-in page). A superadmin's
    password is not reset by emailed link, nor an inactive account's."""
    if user.is_superadmin or not user.active:
        raise DomainError(f"{user.email} cannot be sent a reset link: "
                          + ("a superadmin's password is not reset by email." if user.is_superadmin
                             else "the account is deactivated."))
    token = tokens.issue(session, user, PURPOSE, now=now)
    notifications.queue(session, now=now, tenant_id=user.tenant_id, kind="password_reset", recipient=user.email,
                        link=link_for(token))
    audit.record(session, "user.password_reset_requested", user, actor=actor)


def account_for(session: Session, token: str, *, now: datetime) -> User | None:
    """The active account a reset link is for, while it can still be used (without using it)."""
    user = tokens.peek(session, token, PURPOSE, now=now)
    return user if user is not None and user.active else None


def reset(session: Session, token: str, password: str, *, now: datetime) -> User | None:
    """Set the new password of the link's account, ending its other sessions; None when the link is
    unknown, used or expired. A password too short is refused before the link is spent."""
    password_hash = hash_password(password)
    user = tokens.spend(session, token, PURPOSE, now=now)
    if user is None or not user.active:
        return None
    user.password_hash = password_hash
    user.failed_sign_ins = 0
    user.locked_until = None
    end_all_sessions(user)
    session.flush()
    audit.record(session, "user.password_reset", user, actor=user)
    return user
