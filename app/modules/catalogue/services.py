"""Services and their categories: created, edited, ordered, deactivated (never deleted); a service's
own booking policy; and who offers it, at which length and price."""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules import audit
from app.modules.catalogue.models import Provider, ProviderService, Service, ServiceCategory
from app.modules.catalogue.money import amount_text, parse_amount
from app.modules.resources import setup as resource_setup
from app.modules.schedules.models import BookingPolicy

DAY_MINUTES = 24 * 60  # the availability engine assumes buffers (and so lengths) within a day
MAX_CAPACITY = 1000
POLICY_FIELDS = ("min_notice_minutes", "max_horizon_days", "slot_interval_minutes",
                 "cancel_cutoff_minutes", "reschedule_cutoff_minutes")


def _name(name: str, what: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(f"Give the {what} a name.", field="name")
    if len(name) > 200:
        raise DomainError("At most 200 characters.", field="name")
    return name


def _minutes(value, field: str, *, low: int, high: int, what: str = "minutes") -> int:
    if value is None:
        raise DomainError(f"Enter a number of {what}.", field=field)
    if not low <= value <= high:
        raise DomainError(f"Between {low} and {high} {what}.", field=field)
    return value


# Categories


def categories(session: Session) -> list[ServiceCategory]:
    """Every category, in the order the booking site lists them."""
    return list(session.scalars(select(ServiceCategory).order_by(ServiceCategory.position, ServiceCategory.name,
                                                                 ServiceCategory.id)))


def create_category(session: Session, tenant, *, name: str, actor) -> ServiceCategory:
    last = session.scalar(select(func.max(ServiceCategory.position)))
    category = ServiceCategory(tenant_id=tenant.id, name=_name(name, "category"),
                               position=0 if last is None else last + 1)
    session.add(category)
    session.flush()
    audit.record(session, "category.create", category, actor=actor, name=category.name, position=category.position)
    return category


def rename_category(session: Session, category: ServiceCategory, *, name: str, actor) -> ServiceCategory:
    before, category.name = category.name, _name(name, "category")
    session.flush()
    audit.record(session, "category.rename", category, actor=actor, before={"name": before}, after={"name": category.name})
    return category


def move_category(session: Session, category: ServiceCategory, direction: str, *, actor) -> ServiceCategory:
    """Swap ``category`` with its neighbour ``direction`` ("up" or "down"); positions are renumbered
    0, 1, 2… on the way, so ties left by older data cannot make a move do nothing."""
    if direction not in ("up", "down"):
        raise DomainError("Move a category up or down.", field="direction")
    ordered = categories(session)
    index = ordered.index(category)
    before = index
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, row in enumerate(ordered):
        row.position = position
    session.flush()
    audit.record(session, "category.move", category, actor=actor, direction=direction, before={"position": before},
                 after={"position": category.position})
    return category


def set_category_active(session: Session, category: ServiceCategory, active: bool, *, actor) -> ServiceCategory:
    """A deactivated category is hidden from the service form's choices; its services stay as they are."""
    before, category.active = category.active, active
    session.flush()
    audit.record(session, "category.activate" if active else "category.deactivate", category, actor=actor,
                 before={"active": before}, after={"active": active})
    return category


def category_choices(session: Session, current_id: int | None = None) -> list[ServiceCategory]:
    """The categories a service may be put in: the active ones, and the one it is in already."""
    return [c for c in categories(session) if c.active or c.id == current_id]


# Services


def listing(session: Session) -> list[tuple[ServiceCategory | None, list[Service]]]:
    """Every service, active or not, grouped by category in the categories' order, then by name; the
    uncategorised last."""
    services = session.scalars(select(Service).order_by(Service.name, Service.id)).all()
    groups = [(category, [s for s in services if s.category_id == category.id]) for category in categories(session)]
    loose = [s for s in services if s.category_id is None]
    return groups + ([(None, loose)] if loose else [])


@dataclass(frozen=True)
class ServiceFields:
    """What the service form sets. ``price`` is typed in the practice's currency, e.g. "45.50"."""

    name: str
    description: str
    category_id: int | None
    duration_minutes: int | None
    buffer_before_minutes: int | None
    buffer_after_minutes: int | None
    price: str
    capacity: int | None
    requires_approval: bool
    resource_kind: str = ""  # "": needs no resource


def _checked(session: Session, tenant, fields: ServiceFields, current_category_id: int | None) -> dict:
    category_id = fields.category_id or None
    if category_id is not None and category_id not in {c.id for c in category_choices(session, current_category_id)}:
        raise DomainError("Choose one of the practice's categories.", field="category_id")
    capacity = fields.capacity
    if capacity is None or not 1 <= capacity <= MAX_CAPACITY:
        raise DomainError(f"At least 1 place, at most {MAX_CAPACITY}.", field="capacity")
    return {
        "name": _name(fields.name, "service"),
        "description": (fields.description or "").strip(),
        "category_id": category_id,
        "duration_minutes": _minutes(fields.duration_minutes, "duration_minutes", low=1, high=DAY_MINUTES),
        "buffer_before_minutes": _minutes(fields.buffer_before_minutes or 0, "buffer_before_minutes", low=0, high=DAY_MINUTES),
        "buffer_after_minutes": _minutes(fields.buffer_after_minutes or 0, "buffer_after_minutes", low=0, high=DAY_MINUTES),
        "price": parse_amount(fields.price, tenant.currency, field="price"),
        "capacity": capacity,
        "requires_approval": bool(fields.requires_approval),
        "resource_kind": _resource_kind(session, fields.resource_kind),
    }


def _resource_kind(session: Session, kind: str) -> str | None:
    kind = (kind or "").strip().lower()
    if not kind:
        return None
    if kind not in resource_setup.kinds(session):
        raise DomainError("Choose one of the kinds of the practice's resources.", field="resource_kind")
    return kind


def save_service(session: Session, tenant, service: Service | None, fields: ServiceFields, *, actor) -> Service:
    """Create (``service`` None) or update a service."""
    values = _checked(session, tenant, fields, service.category_id if service else None)
    if service is None:
        service = Service(tenant_id=tenant.id, **values)
        session.add(service)
        session.flush()
        audit.record(session, "service.create", service, actor=actor, **values)
        return service
    changes = {key: value for key, value in values.items() if getattr(service, key) != value}
    before = audit.snapshot(service, changes)
    for key, value in changes.items():
        setattr(service, key, value)
    session.flush()
    audit.record(session, "service.update", service, actor=actor, before=before, after=changes)
    return service


def set_service_active(session: Session, service: Service, active: bool, *, actor) -> Service:
    """A deactivated service is no longer offered on the booking site; its appointments stay."""
    before, service.active = service.active, active
    session.flush()
    audit.record(session, "service.activate" if active else "service.deactivate", service, actor=actor,
                 before={"active": before}, after={"active": active})
    return service


def price_text(service: Service, tenant) -> str:
    return amount_text(service.price, tenant.currency)


# A service's own booking policy


def policy_override(session: Session, service: Service) -> BookingPolicy | None:
    return session.scalar(select(BookingPolicy).where(BookingPolicy.service_id == service.id))


def policies(session: Session, service: Service) -> tuple[BookingPolicy | None, dict]:
    """The service's own rules (None when it follows the practice's), and the practice's defaults,
    minute by minute, in one statement."""
    rows = session.scalars(select(BookingPolicy).where(
        (BookingPolicy.service_id == service.id) | BookingPolicy.service_id.is_(None))).all()
    own = next((row for row in rows if row.service_id == service.id), None)
    default = next((row for row in rows if row.service_id is None), None)
    columns = BookingPolicy.__table__.c
    return own, {name: getattr(default, name) if default else columns[name].default.arg for name in POLICY_FIELDS}


def save_policy(session: Session, tenant, service: Service, *, own: bool, actor, **values) -> BookingPolicy | None:
    """Give ``service`` its own booking rules (``own``), or make it follow the practice's again by
    removing its override row. ``values`` are the POLICY_FIELDS, in minutes (the horizon in days)."""
    row = policy_override(session, service)
    if not own:
        if row is not None:
            before = audit.snapshot(row, POLICY_FIELDS)
            session.delete(row)
            session.flush()
            audit.record(session, "service.policy.remove", service, actor=actor, before=before, after={})
        return None
    checked = {
        "min_notice_minutes": _minutes(values.get("min_notice_minutes"), "min_notice_minutes", low=0, high=365 * DAY_MINUTES),
        "max_horizon_days": _minutes(values.get("max_horizon_days"), "max_horizon_days", low=1, high=5 * 365, what="days"),
        "slot_interval_minutes": _minutes(values.get("slot_interval_minutes"), "slot_interval_minutes", low=5, high=DAY_MINUTES),
        "cancel_cutoff_minutes": _minutes(values.get("cancel_cutoff_minutes"), "cancel_cutoff_minutes", low=0, high=365 * DAY_MINUTES),
        "reschedule_cutoff_minutes": _minutes(values.get("reschedule_cutoff_minutes"), "reschedule_cutoff_minutes",
                                              low=0, high=365 * DAY_MINUTES),
    }
    before = {} if row is None else audit.snapshot(row, POLICY_FIELDS)
    if row is None:
        row = BookingPolicy(tenant_id=tenant.id, service_id=service.id)
        session.add(row)
    for key, value in checked.items():
        setattr(row, key, value)
    session.flush()
    before, after = audit.changes(before, checked)
    audit.record(session, "service.policy.set", service, actor=actor, before=before, after=after)
    return row


# Who offers a service


@dataclass(frozen=True)
class Offer:
    """A provider offering the service, optionally at their own length (minutes) and price (typed)."""

    provider_id: int
    duration_minutes: int | None = None
    price: str = ""


def offering_choices(session: Session) -> list[Provider]:
    """The active providers, who may be given a service."""
    return list(session.scalars(select(Provider).where(Provider.active).order_by(Provider.name, Provider.id)))


def links(session: Session, service: Service) -> dict[int, ProviderService]:
    """The service's provider links, by provider id."""
    rows = session.scalars(select(ProviderService).where(ProviderService.service_id == service.id))
    return {row.provider_id: row for row in rows}


def save_offering(session: Session, tenant, service: Service, offers: list[Offer], *, actor) -> None:
    """Set which active providers offer ``service``, with their overrides. Errors name the fields
    ``duration_<provider id>`` and ``price_<provider id>``. Links of inactive providers, whom the form
    does not show, are kept as they are."""
    offered = {provider.id for provider in offering_choices(session)}
    wanted = {}
    for offer in offers:
        if offer.provider_id not in offered:
            raise DomainError("Choose among the practice's active providers.", field="providers")
        duration = offer.duration_minutes
        if duration is not None:
            _minutes(duration, f"duration_{offer.provider_id}", low=1, high=DAY_MINUTES)
        text = (offer.price or "").strip()
        price = parse_amount(text, tenant.currency, field=f"price_{offer.provider_id}") if text else None
        wanted[offer.provider_id] = (duration, price)
    existing = links(session, service)
    before = {str(provider_id): {"duration_minutes": row.duration_minutes, "price": row.price}
              for provider_id, row in sorted(existing.items()) if provider_id in offered}
    for provider_id, row in existing.items():
        if provider_id in offered and provider_id not in wanted:
            session.delete(row)
    for provider_id, (duration, price) in wanted.items():
        row = existing.get(provider_id)
        if row is None:
            row = ProviderService(tenant_id=tenant.id, provider_id=provider_id, service_id=service.id)
            session.add(row)
        row.duration_minutes, row.price = duration, price
    session.flush()
    after = {str(provider_id): {"duration_minutes": duration, "price": price}
             for provider_id, (duration, price) in sorted(wanted.items())}
    audit.record(session, "service.providers", service, actor=actor, before=before, after=after)
