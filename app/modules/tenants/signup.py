"""A practice signing itself up: the tenant, its owner, its trial and the email to confirm."""
import re
import unicodedata
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.tenancy import tenant_context
from app.modules import audit, notifications
from app.modules.accounts import tokens
from app.modules.accounts.models import AccountToken, User
from app.modules.billing.trials import start_trial
from app.modules.tenants.models import Tenant
from app.modules.tenants.practices import RESERVED_SLUGS, TenantError, check_slug, create_tenant, site_url


def suggest_slug(name: str) -> str:
    """ "Zoë's Dental Care" → "zoes-dental-care": an address to offer, not a promise it is free."""
    ascii_name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower().replace("'", "")).strip("-")[:63].strip("-")
    return slug if slug not in RESERVED_SLUGS else f"{slug}-practice"


def slug_problem(session: Session, slug: str) -> str | None:
    """Why ``slug`` cannot be had, or None when it is free (the live check as the owner types)."""
    try:
        check_slug(session, slug)
    except TenantError as error:
        return str(error)
    return None


def sign_up(session: Session, *, name: str, slug: str, owner_name: str, owner_email: str, password: str,
            timezone: str, now: datetime) -> tuple[Tenant, User]:
    """Create the practice on the default plan's trial with its owner, and email the owner a link
    to confirm the address. A slug taken meanwhile, even by a sign-up racing this one, is a
    TenantError at the slug."""
    name = (name or "").strip()
    if not name:
        raise TenantError("Enter your practice's name.", field="name")
    if len(name) > 200:
        raise TenantError("At most 200 characters.", field="name")
    if not (owner_name or "").strip():
        raise TenantError("Enter your name.", field="owner_name")
    slug = (slug or "").strip().lower() or suggest_slug(name)
    try:
        with session.begin_nested():
            tenant = create_tenant(session, slug=slug, name=name, timezone=timezone, owner_email=owner_email,
                                   owner_name=owner_name.strip(), owner_password=password, status="trialing",
                                   actor=None)
    except IntegrityError:  # the unique index settles a race that check_slug could not see
        raise TenantError(f"“{slug}” was just taken; choose another.", field="slug") from None
    with tenant_context(tenant):
        owner = session.scalar(sa.select(User).where(User.tenant_id == tenant.id, User.role == "owner"))
        start_trial(session, tenant, now=now)
        send_confirmation(session, tenant, owner, now=now)
        audit.record(session, "tenant.signed_up", tenant, actor=owner, tenant_id=tenant.id, slug=tenant.slug)
    return tenant, owner


def confirmation_for(session: Session, token: str, *, now: datetime) -> User | None:
    """The owner a confirmation link is for, while it can still be spent (opening it spends nothing)."""
    return tokens.peek(session, token, "email_confirmation", now=now)


def confirm_email(session: Session, token: str, *, now: datetime) -> User | None:
    """Spend a confirmation link; the owner it confirms, or None for a used, expired or unknown link."""
    user = tokens.spend(session, token, "email_confirmation", now=now)
    if user is not None and user.email_confirmed_at is None:
        user.email_confirmed_at = now
        audit.record(session, "user.email_confirmed", user, actor=user)
    return user


def awaits_confirmation(session: Session, user: User) -> bool:
    """Whether ``user`` signed a practice up and has not yet confirmed their email."""
    if user.email_confirmed_at is not None:
        return False
    return session.scalar(sa.select(sa.exists().where(
        AccountToken.user_id == user.id, AccountToken.purpose == "email_confirmation")))


def send_confirmation(session: Session, tenant: Tenant, user: User, *, now: datetime) -> None:
    """Email ``user`` a link to confirm their address; the earlier links stop working."""
    token = tokens.issue(session, user, "email_confirmation", now=now)
    notifications.queue(session, now=now, tenant_id=tenant.id, kind="email_confirmation", recipient=user.email,
                        link=site_url(tenant, f"/confirm-email/{token}"))
    audit.record(session, "user.email_confirmation_sent", user, actor=user, email=user.email)
