"""A practice's locations and their closures: created, edited, deactivated, never deleted."""
from datetime import date
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules import audit
from app.modules.billing import limits
from app.modules.catalogue.models import Location, LocationClosure


@cache
def zones_by_region() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The IANA zones, grouped by their region ("Europe", "America", …), each sorted (read once:
    the zone database does not change while the process runs)."""
    groups: dict[str, list[str]] = {}
    for name in available_timezones():
        if "/" not in name or name.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            continue
        groups.setdefault(name.split("/", 1)[0], []).append(name)
    groups.setdefault("Other", []).append("UTC")
    return tuple((region, tuple(sorted(names))) for region, names in sorted(groups.items()))


def check_timezone(name: str) -> str:
    name = (name or "").strip()
    try:
        if not name:
            raise ValueError
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(f"“{name}” is not an IANA time zone, such as Europe/London.", field="timezone") from None
    return name


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the location a name.", field="name")
    if len(name) > 200:
        raise DomainError("At most 200 characters.", field="name")
    return name


def create_location(session: Session, tenant, *, name: str, address: str = "", timezone: str, actor) -> Location:
    limits.check_room_for(session, tenant.id, "locations")
    location = Location(tenant_id=tenant.id, name=_name(name), address=(address or "").strip(),
                        timezone=check_timezone(timezone))
    session.add(location)
    session.flush()
    audit.record(session, "location.create", location, actor=actor, name=location.name, timezone=location.timezone)
    return location


def update_location(session: Session, location: Location, *, name: str, address: str = "", timezone: str, actor) -> Location:
    changes, before = {}, {}
    for key, value in (("name", _name(name)), ("address", (address or "").strip()), ("timezone", check_timezone(timezone))):
        if getattr(location, key) != value:
            before[key], changes[key] = getattr(location, key), value
            setattr(location, key, value)
    session.flush()
    audit.record(session, "location.update", location, actor=actor, before=before, after=changes)
    return location


def set_location_active(session: Session, location: Location, active: bool, *, actor) -> Location:
    if active and not location.active:
        limits.check_room_for(session, location.tenant_id, "locations")
    before, location.active = location.active, active
    session.flush()
    audit.record(session, "location.activate" if active else "location.deactivate", location, actor=actor,
                 before={"active": before}, after={"active": active})
    return location


def add_closure(session: Session, location: Location, *, starts_on: date | None, ends_on: date | None,
                reason: str = "", actor) -> LocationClosure:
    if starts_on is None:
        raise DomainError("Give the first day closed.", field="starts_on")
    if ends_on is None:
        ends_on = starts_on
    if ends_on < starts_on:
        raise DomainError("The last day cannot be before the first.", field="ends_on")
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise DomainError("At most 200 characters.", field="reason")
    closure = LocationClosure(tenant_id=location.tenant_id, location_id=location.id,
                              starts_on=starts_on, ends_on=ends_on, reason=reason)
    session.add(closure)
    session.flush()
    audit.record(session, "location.closure.add", closure, actor=actor, location_id=location.id,
                 starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat(), reason=reason)
    return closure


def remove_closure(session: Session, closure: LocationClosure, *, actor) -> None:
    audit.record(session, "location.closure.remove", closure, actor=actor, location_id=closure.location_id,
                 starts_on=closure.starts_on.isoformat(), ends_on=closure.ends_on.isoformat())
    session.delete(closure)
    session.flush()


def closed_on(session: Session, day: date) -> list[tuple[Location, LocationClosure]]:
    """The active locations closed on ``day``, each with its closure."""
    return list(session.execute(
        select(Location, LocationClosure)
        .join(LocationClosure, LocationClosure.location_id == Location.id)
        .where(Location.active, LocationClosure.starts_on <= day, LocationClosure.ends_on >= day)
        .order_by(Location.name)
    ).tuples())
