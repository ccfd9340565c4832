"""Single-use emailed links for staff accounts (password resets, email confirmations): only the
token's hash is stored, each expires, and spending one is an atomic update."""
import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.modules.accounts.models import AccountToken, User

LIFETIMES = {"password_reset": timedelta(hours=1), "email_confirmation": timedelta(hours=48)}


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh random token and the hash to store in its place."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def issue(session: Session, user: User, purpose: str, *, now: datetime) -> str:
    """A new link token for ``user``; the earlier unused ones for the same purpose stop working."""
    session.execute(
        sa.update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    token, hashed = new_token()
    session.add(AccountToken(tenant_id=user.tenant_id, user_id=user.id, purpose=purpose, token_hash=hashed,
                             expires_at=now + LIFETIMES[purpose]))
    session.flush()
    return token


def _usable(token: str, purpose: str, now: datetime):
    return sa.and_(AccountToken.token_hash == digest(token), AccountToken.purpose == purpose,
                   AccountToken.used_at.is_(None), AccountToken.expires_at > now)


def peek(session: Session, token: str, purpose: str, *, now: datetime) -> User | None:
    """The user the token is for, if it could still be spent (without spending it)."""
    if not token or len(token) > 100:
        return None
    user_id = session.scalar(sa.select(AccountToken.user_id).where(_usable(token, purpose, now)))
    return session.get(User, user_id) if user_id is not None else None


def spend(session: Session, token: str, purpose: str, *, now: datetime) -> User | None:
    """Use the token up and return its user; None when it is unknown, used or expired. Of two
    requests spending one token at once, exactly one gets the user."""
    if not token or len(token) > 100:
        return None
    user_id = session.scalar(
        sa.update(AccountToken).where(_usable(token, purpose, now)).values(used_at=now).returning(AccountToken.user_id)
    )
    return session.get(User, user_id) if user_id is not None else None
