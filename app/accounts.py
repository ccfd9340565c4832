"""Staff and superadmin accounts: argon2id passwords, creation and sign-in checks."""
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from app.extensions import db
from app.models import Tenant, User, utcnow
from app.models.user import TENANT_ROLES

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """An account cannot be created as asked."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    return _hasher.hash(password)


@cache
def _decoy_hash() -> str:
    return _hasher.hash("decoy password for unknown accounts")


def _find(email: str, *, superadmin: bool) -> User | None:
    query = select(User).where(User.email == normalise_email(email))
    if superadmin:
        query = query.where(User.tenant_id.is_(None), User.role == "superadmin")
    # On a tenant host the tenant scope already limits this to the tenant's own users.
    return db.session.scalar(query)


def authenticate(email: str, password: str, *, superadmin: bool) -> User | None:
    """The active account with these credentials, or None. Unknown accounts cost the same time."""
    user = _find(email, superadmin=superadmin)
    if user is None:
        _verify(_decoy_hash(), password)
        return None
    if not _verify(user.password_hash, password) or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(tenant: Tenant, *, email: str, name: str, password: str, role: str) -> User:
    if role not in TENANT_ROLES:
        raise AccountError(f"Unknown role {role!r}.")
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.tenant_id == tenant.id, User.email == email)):
        raise AccountError(f"{email} already has an account at {tenant.name}.")
    user = User(tenant_id=tenant.id, email=email, name=name, password_hash=hash_password(password), role=role)
    db.session.add(user)
    db.session.flush()
    return user


def create_superadmin(*, email: str, name: str, password: str) -> User:
    email = normalise_email(email)
    if _find(email, superadmin=True):
        raise AccountError(f"A superadmin {email} already exists.")
    user = User(tenant_id=None, email=email, name=name, password_hash=hash_password(password), role="superadmin")
    db.session.add(user)
    db.session.flush()
    return user


def end_all_sessions(user: User) -> None:
    """Sign the user out everywhere: sessions carry the version they were issued with."""
    user.session_version += 1
