"""Creating practices on the platform, and suspending or reactivating them."""
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from app import accounts, audit
from app.extensions import db
from app.models import BookingPolicy, Tenant
from app.sites import RESERVED_SLUGS
from app.tenancy import tenant_context

SLUG_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class TenantError(ValueError):
    """A tenant cannot be created or changed as asked. ``field`` names the culprit."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def check_slug(slug: str) -> str:
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise TenantError("slug", "Use lowercase letters, digits and dashes, starting and ending with a letter or digit.")
    if slug in RESERVED_SLUGS:
        raise TenantError("slug", f"“{slug}” is reserved; choose another.")
    if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        raise TenantError("slug", f"“{slug}” is already taken.")
    return slug


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TenantError("timezone", f"“{name}” is not an IANA time zone, such as Europe/London.") from None
    return name


def create_tenant(
    *, slug: str, name: str, timezone: str = "UTC", currency: str = "EUR",
    owner_email: str | None = None, owner_name: str | None = None, owner_password: str | None = None,
    actor=None,
) -> Tenant:
    """A new active tenant with a default booking policy and, when given, its owner."""
    tenant = Tenant(
        slug=check_slug(slug), name=name.strip(), timezone=check_timezone(timezone),
        currency=currency.upper(), status="active", branding={},
    )
    db.session.add(tenant)
    db.session.flush()
    with tenant_context(tenant):
        db.session.add(BookingPolicy(tenant_id=tenant.id))
        if owner_email:
            accounts.create_user(
                tenant, email=owner_email, name=owner_name or owner_email, password=owner_password or "", role="owner"
            )
        audit.record("tenant.created", tenant, actor=actor, tenant_id=tenant.id)
        db.session.flush()
    return tenant


def set_status(tenant: Tenant, status: str, *, actor=None) -> Tenant:
    """Suspend or reactivate a tenant; a suspended tenant's sites show an unavailable page."""
    if status not in ("active", "suspended"):
        raise TenantError("status", f"Unknown status {status!r}.")
    if tenant.status != status:
        tenant.status = status
        audit.record(f"tenant.{'suspended' if status == 'suspended' else 'reactivated'}", tenant, actor=actor, tenant_id=tenant.id)
    return tenant


def set_reminder_offsets(tenant: Tenant, offsets: list[int], *, actor=None) -> Tenant:
    """When reminders go out, in minutes before each appointment; applies to bookings made or moved from now on."""
    tenant.reminder_offsets = sorted(set(offsets), reverse=True)
    audit.record("tenant.reminders_changed", tenant, actor=actor, tenant_id=tenant.id, offsets=tenant.reminder_offsets)
    return tenant
