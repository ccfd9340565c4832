"""Setting up a practice's resources: created, edited, deactivated (never deleted), each change audited."""
import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from app.core.errors import DomainError
from app.modules import audit
from app.modules.catalogue.models import Location
from app.modules.resources.models import Resource

MAX_CAPACITY = 100


def _text(value: str, field: str, what: str, longest: int) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise DomainError(f"Give the {what}.", field=field)
    if len(value) > longest:
        raise DomainError(f"At most {longest} characters.", field=field)
    return value


def _checked(session: Session, *, location: Location | None, name: str, kind: str, capacity: int | None,
             resource: Resource | None = None) -> dict:
    if location is None:
        raise DomainError("Choose the location.", field="location_id")
    values = {
        "location_id": location.id,
        "name": _text(name, "name", "resource a name", 200),
        "kind": _text(kind, "kind", "kind, such as “treatment room”", 60).lower(),
        "capacity": capacity,
    }
    if capacity is None or not 1 <= capacity <= MAX_CAPACITY:
        raise DomainError(f"From 1 to {MAX_CAPACITY} at once.", field="capacity")
    clash = session.scalar(sa.select(Resource.id).where(
        Resource.location_id == location.id, sa.func.lower(Resource.name) == values["name"].lower(),
        Resource.id != (resource.id if resource else 0),
    ))
    if clash is not None:
        raise DomainError(f"{location.name} already has a resource called “{values['name']}”.", field="name")
    return values


def create_resource(session: Session, tenant, *, location: Location | None, name: str, kind: str,
                    capacity: int | None, actor) -> Resource:
    values = _checked(session, location=location, name=name, kind=kind, capacity=capacity)
    resource = Resource(tenant_id=tenant.id, **values)
    session.add(resource)
    session.flush()
    audit.record(session, "resource.create", resource, actor=actor, after=values)
    return resource


def update_resource(session: Session, resource: Resource, *, location: Location | None, name: str, kind: str,
                    capacity: int | None, actor) -> Resource:
    """Change a resource. Appointments already using it keep it: a lower capacity applies to new bookings."""
    values = _checked(session, location=location, name=name, kind=kind, capacity=capacity, resource=resource)
    before = {key: getattr(resource, key) for key in values}
    for key, value in values.items():
        setattr(resource, key, value)
    session.flush()
    audit.record(session, "resource.update", resource, actor=actor, before=before, after=values)
    return resource


def set_resource_active(session: Session, resource: Resource, active: bool, *, actor) -> Resource:
    """A deactivated resource is not given to new bookings; appointments already in it keep it."""
    before = resource.active
    resource.active = active
    session.flush()
    audit.record(session, "resource.activate" if active else "resource.deactivate", resource, actor=actor,
                 before={"active": before}, after={"active": active})
    return resource


def kinds(session: Session) -> list[str]:
    """The kinds of the practice's resources, for a service to ask for one of."""
    return list(session.scalars(sa.select(Resource.kind).distinct().order_by(Resource.kind)))


def listing(session: Session) -> list[Resource]:
    return list(session.scalars(
        sa.select(Resource).options(joinedload(Resource.location))
        .order_by(Resource.active.desc(), Resource.location_id, Resource.kind, Resource.name)
    ))
