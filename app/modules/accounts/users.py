"""Staff and superadmin accounts: argon2id passwords, creation and sign-in checks."""
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules.accounts.models import TENANT_ROLES, User
from app.modules.tenants.models import Tenant

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

MIN_PASSWORD_LENGTH = 10
LOCK_AFTER = 10  # wrong passwords in a row
LOCKOUT = timedelta(minutes=15)


class AccountError(DomainError):
    """An account cannot be created as asked."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.", field="password")
    return _hasher.hash(password)


@cache
def _decoy_hash() -> str:
    return _hasher.hash("decoy password for unknown accounts")


def _find(session: Session, email: str, *, superadmin: bool) -> User | None:
    query = select(User).where(User.email == normalise_email(email))
    if superadmin:
        query = query.where(User.tenant_id.is_(None), User.role == "superadmin")
    # On a tenant host the tenant scope already limits this to the tenant's own users.
    return session.scalar(query)


def authenticate(session: Session, email: str, password: str, *, superadmin: bool, now: datetime) -> User | None:
    """The active account with these credentials, or None. Unknown accounts cost the same time.

    After LOCK_AFTER wrong passwords in a row an account refuses every password, the right one
    too, for LOCKOUT; the count is in the database, so it holds across web processes and against
    attempts from many addresses. The caller keeps the count even though the sign-in failed."""
    user = _find(session, email, superadmin=superadmin)
    if user is None:
        _verify(_decoy_hash(), password)
        return None
    matches = _verify(user.password_hash, password)  # always, so a locked account answers as fast
    if user.locked_until is not None and user.locked_until > now:
        return None
    if not matches or not user.active:
        _count_failure(session, user, now=now)
        return None
    user.failed_sign_ins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now
    return user


def _count_failure(session: Session, user: User, *, now: datetime) -> None:
    # One atomic statement: concurrent failures from several processes all count.
    failures = User.failed_sign_ins + 1
    session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .values(
            failed_sign_ins=failures,
            locked_until=sa.case((failures >= LOCK_AFTER, now + LOCKOUT), else_=User.locked_until),
        )
        .execution_options(synchronize_session=False)
    )
    session.expire(user, ["failed_sign_ins", "locked_until"])


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(session: Session, tenant: Tenant, *, email: str, name: str, password: str, role: str) -> User:
    if role not in TENANT_ROLES:
        raise AccountError(f"Unknown role {role!r}.", field="role")
    email = normalise_email(email)
    if session.scalar(select(User.id).where(User.tenant_id == tenant.id, User.email == email)):
        raise AccountError(f"{email} already has an account at {tenant.name}.", field="email")
    user = User(tenant_id=tenant.id, email=email, name=name, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    return user


def create_superadmin(session: Session, *, email: str, name: str, password: str) -> User:
    email = normalise_email(email)
    if _find(session, email, superadmin=True):
        raise AccountError(f"A superadmin {email} already exists.", field="email")
    user = User(tenant_id=None, email=email, name=name, password_hash=hash_password(password), role="superadmin")
    session.add(user)
    session.flush()
    return user


def end_all_sessions(user: User) -> None:
    """Sign the user out everywhere: sessions carry the version they were issued with."""
    user.session_version += 1
