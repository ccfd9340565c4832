"""A practice's own settings: its identity (name, colour, logo, zone, currency, domain) and its
default booking policy. Every change is audited."""
import hashlib
import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules import audit
from app.modules.billing import limits
from app.modules.catalogue.models import Service
from app.modules.catalogue.money import decimals
from app.modules.schedules.models import BookingPolicy
from app.modules.tenants.models import Tenant
from app.modules.tenants.practices import check_timezone

CURRENCIES = ("EUR", "GBP", "USD", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "JPY", "SGD", "ZAR")
COLOUR = re.compile(r"#[0-9a-f]{6}")
# Sloty's own accent (sloty.css): what a practice without a colour of its own looks like. A colour
# picker always sends some colour, so this one means "none of our own".
DEFAULT_COLOUR = "#2563eb"
HOSTNAME = re.compile(r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")

LOGO_MAX_BYTES = 512 * 1024
# What a logo's first bytes say it is: its content decides, never its name.
LOGO_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def update_identity(session: Session, tenant: Tenant, *, name: str, colour: str, timezone: str, currency: str,
                    custom_domain: str, base_domain: str, providers_manage_own_hours: bool = False, actor) -> Tenant:
    name = (name or "").strip()
    if not name:
        raise DomainError("Enter the practice's name.", field="name")
    colour = (colour or "").strip().lower()
    if colour and not COLOUR.fullmatch(colour):
        raise DomainError("A colour such as #1a73e8.", field="colour")
    if colour == DEFAULT_COLOUR:
        colour = ""
    currency = (currency or "").upper()
    if currency not in CURRENCIES:
        raise DomainError("Choose one of the listed currencies.", field="currency")
    if currency != tenant.currency and decimals(currency) != decimals(tenant.currency) and _has_prices(session, tenant):
        raise DomainError(f"Your prices are in {tenant.currency}, which counts decimals differently from {currency}:"
                          " set them to free first, or keep the currency.", field="currency")
    changes, before = {}, {}
    for key, value in (("name", name), ("timezone", check_timezone(timezone)), ("currency", currency),
                       ("custom_domain", _custom_domain(session, tenant, custom_domain, base_domain)),
                       ("providers_manage_own_hours", bool(providers_manage_own_hours))):
        if getattr(tenant, key) != value:
            before[key], changes[key] = getattr(tenant, key), value
            setattr(tenant, key, value)
    if (tenant.branding or {}).get("color", "") != colour:
        before["colour"], changes["colour"] = (tenant.branding or {}).get("color", ""), colour
        tenant.branding = {**(tenant.branding or {}), "color": colour} if colour else {
            k: v for k, v in (tenant.branding or {}).items() if k != "color"}
    session.flush()
    audit.record(session, "tenant.settings_changed", tenant, actor=actor, tenant_id=tenant.id, before=before, after=changes)
    return tenant


def _has_prices(session: Session, tenant: Tenant) -> bool:
    return session.scalar(sa.select(sa.exists().where(Service.tenant_id == tenant.id, Service.price > 0)))


def _custom_domain(session: Session, tenant: Tenant, domain: str, base_domain: str) -> str | None:
    domain = (domain or "").strip().lower().rstrip(".")
    if not domain:
        return None
    domain = domain.removeprefix("https://").removeprefix("http://").rstrip("/")
    if not HOSTNAME.fullmatch(domain):
        raise DomainError("A host name such as booking.example.com, without http:// or a path.", field="custom_domain")
    base = base_domain.split(":", 1)[0].lower()
    if domain == base or domain.endswith(f".{base}"):
        raise DomainError(f"Your address on {base} is already yours; a custom domain is one you own.", field="custom_domain")
    taken = session.scalar(sa.select(Tenant.id).where(Tenant.custom_domain == domain, Tenant.id != tenant.id))
    if taken is not None:
        raise DomainError("Another practice uses this domain.", field="custom_domain")
    if domain != tenant.custom_domain:  # a domain set before a downgrade is kept, not re-checked
        limits.check_custom_domain(session, tenant.id)
    return domain


def logo_type_of(data: bytes) -> str | None:
    """The image type the bytes are, if PNG, JPEG or WebP; None for anything else."""
    for signature, mimetype in LOGO_SIGNATURES:
        if data.startswith(signature):
            return mimetype
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def set_logo(session: Session, tenant: Tenant, data: bytes, *, actor) -> Tenant:
    if not data:
        raise DomainError("Choose an image file.", field="logo")
    if len(data) > LOGO_MAX_BYTES:
        raise DomainError(f"At most {LOGO_MAX_BYTES // 1024} KB; this file is {len(data) // 1024} KB.", field="logo")
    mimetype = logo_type_of(data)
    if mimetype is None:
        raise DomainError("A PNG, JPEG or WebP image, please: this file is none of them.", field="logo")
    before = {"logo_type": tenant.logo_type, "logo_size": len(tenant.logo) if tenant.logo else None}
    tenant.logo, tenant.logo_type = data, mimetype
    tenant.branding = {**(tenant.branding or {}), "logo_version": hashlib.sha256(data).hexdigest()[:16]}
    session.flush()
    audit.record(session, "tenant.logo_changed", tenant, actor=actor, tenant_id=tenant.id, before=before,
                 after={"logo_type": mimetype, "logo_size": len(data)})
    return tenant


def remove_logo(session: Session, tenant: Tenant, *, actor) -> Tenant:
    before = {"logo_type": tenant.logo_type, "logo_size": len(tenant.logo) if tenant.logo else None}
    tenant.logo = tenant.logo_type = None
    tenant.branding = {k: v for k, v in (tenant.branding or {}).items() if k != "logo_version"}
    session.flush()
    audit.record(session, "tenant.logo_removed", tenant, actor=actor, tenant_id=tenant.id, before=before,
                 after={"logo_type": None, "logo_size": None})
    return tenant


POLICY_FIELDS = {
    # field: (smallest, largest, what it is)
    "min_notice_minutes": (0, 60 * 24 * 90, "The minimum notice"),
    "max_horizon_days": (1, 730, "The horizon"),
    "slot_interval_minutes": (5, 24 * 60, "The slot interval"),
    "cancel_cutoff_minutes": (0, 60 * 24 * 90, "The cancellation cutoff"),
    "reschedule_cutoff_minutes": (0, 60 * 24 * 90, "The rescheduling cutoff"),
}


def default_policy(session: Session, tenant: Tenant) -> BookingPolicy:
    policy = session.scalar(sa.select(BookingPolicy).where(BookingPolicy.tenant_id == tenant.id,
                                                           BookingPolicy.service_id.is_(None)))
    if policy is None:
        policy = BookingPolicy(tenant_id=tenant.id)
        session.add(policy)
        session.flush()
    return policy


def check_policy_values(values: dict) -> dict:
    """The policy's values, each checked against its bounds (DomainError at the field)."""
    checked = {}
    for field, (smallest, largest, what) in POLICY_FIELDS.items():
        value = values.get(field)
        if value is None:
            raise DomainError(f"{what} is needed.", field=field)
        if not smallest <= value <= largest:
            raise DomainError(f"{what} must be between {smallest} and {largest}.", field=field)
        checked[field] = value
    return checked


def update_default_policy(session: Session, tenant: Tenant, *, actor, **values) -> BookingPolicy:
    """The practice's default booking rules; services with their own override keep theirs."""
    checked = check_policy_values(values)
    policy = default_policy(session, tenant)
    changes = {k: v for k, v in checked.items() if getattr(policy, k) != v}
    before = audit.snapshot(policy, changes)
    for key, value in changes.items():
        setattr(policy, key, value)
    session.flush()
    audit.record(session, "booking_policy.default_changed", policy, actor=actor, before=before, after=changes)
    return policy
