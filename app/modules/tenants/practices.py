"""Creating practices on the platform, and their addresses (their status moves in ``status.py``)."""
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.core.tenancy import tenant_context
from app.modules import accounts, audit
from app.modules.schedules.models import BookingPolicy
from app.modules.tenants.models import Tenant

# Words that can never be a tenant's subdomain.
RESERVED_SLUGS = frozenset(
    """admin www api app apps static assets cdn media mail email smtp imap pop ftp ns ns1 ns2
    webmail dashboard backoffice help support status blog docs billing auth login signup
    account accounts test dev staging internal sloty""".split()
)

SLUG_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class TenantError(DomainError):
    """A tenant cannot be created or changed as asked."""


def check_slug(session: Session, slug: str) -> str:
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise TenantError("Use lowercase letters, digits and dashes, starting and ending with a letter or digit.", field="slug")
    if slug in RESERVED_SLUGS:
        raise TenantError(f"“{slug}” is reserved; choose another.", field="slug")
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        raise TenantError(f"“{slug}” is already taken.", field="slug")
    return slug


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TenantError(f"“{name}” is not an IANA time zone, such as Europe/London.", field="timezone") from None
    return name


def create_tenant(
    session: Session, *, slug: str, name: str, timezone: str = "UTC", currency: str = "EUR",
    owner_email: str | None = None, owner_name: str | None = None, owner_password: str | None = None,
    status: str = "active", actor,
) -> Tenant:
    """A new tenant (active, or trialing when it signed itself up) with a default booking policy and, when
    given, its owner."""
    tenant = Tenant(
        slug=check_slug(session, slug), name=name.strip(), timezone=check_timezone(timezone),
        currency=currency.upper(), status=status, branding={},
    )
    session.add(tenant)
    session.flush()
    with tenant_context(tenant):
        session.add(BookingPolicy(tenant_id=tenant.id))
        if owner_email:
            try:
                accounts.create_user(
                    session, tenant, email=owner_email, name=owner_name or owner_email, password=owner_password or "",
                    role="owner",
                )
            except accounts.AccountError as error:  # on this form, the account's fields are the owner's
                raise TenantError(str(error), field=error.field and f"owner_{error.field}") from None
        audit.record(session, "tenant.created", tenant, actor=actor, tenant_id=tenant.id)
        session.flush()
    return tenant


def set_reminder_offsets(session: Session, tenant: Tenant, offsets: list[int], *, actor) -> Tenant:
    """When reminders go out, in minutes before each appointment; applies to bookings made or moved from now on."""
    before, tenant.reminder_offsets = list(tenant.reminder_offsets or []), sorted(set(offsets), reverse=True)
    audit.record(session, "tenant.reminders_changed", tenant, actor=actor, tenant_id=tenant.id,
                 before={"offsets": before}, after={"offsets": tenant.reminder_offsets})
    return tenant


def site_url(tenant: Tenant, path: str) -> str:
    """An absolute link into the tenant's booking site, for messages sent outside a request."""
    host = tenant.custom_domain or f"{tenant.slug}.{current_app.config['BASE_DOMAIN']}"
    return f"{current_app.config['PREFERRED_URL_SCHEME']}://{host}{path}"
