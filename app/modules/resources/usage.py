"""Which resource an appointment uses: claimed inside the booking's lock, kept right by moves and
cancellations.

The discipline is the providers': lock the rows (here the resources of the kind at the location, in id
order, always after the providers'), count the overlapping use inside the lock, then write. A resource of
capacity 1 has the database's exclusion constraint as the final word; above 1, the lock is what counts.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules.appointments.models import ACTIVE_STATUSES, Appointment
from app.modules.availability.engine import PooledResource, ResourcePool, ResourceUse
from app.modules.resources.models import AppointmentResource, Resource


class NoResourceFree(DomainError):
    """Every resource of the kind the service needs is in use at that time (a 409: the time is taken)."""


def lock(session: Session, *, location_id: int, kind: str | None) -> None:
    """SELECT … FOR UPDATE the resources of ``kind`` at the location, in id order: a competing claim waits."""
    if kind is None:
        return
    session.execute(
        sa.select(Resource.id).where(Resource.location_id == location_id, Resource.kind == kind)
        .order_by(Resource.id).with_for_update()
    ).all()


def claim(session: Session, appointment: Appointment, *, kind: str | None) -> AppointmentResource | None:
    """Record that ``appointment`` uses a resource of ``kind`` with room over its blocked time (its current
    one if it still has room, as after a move); NoResourceFree when none has. Call after ``lock``."""
    current = use_of(session, appointment.id)
    if kind is None:
        if current is not None:
            current.active = False
        return None
    pool = _pool(session, appointment.location_id, kind, appointment.blocked_from, appointment.blocked_until)
    resource_id = pool.free_resource(appointment.blocked_from, appointment.blocked_until, ignoring=appointment.id,
                                     preferring=current.resource_id if current else None)
    if resource_id is None:
        raise NoResourceFree("No room is free at that time: every one that this service needs is in use.")
    capacity = next(r.capacity for r in pool.resources if r.resource_id == resource_id)
    if current is None:
        current = AppointmentResource(tenant_id=appointment.tenant_id, appointment_id=appointment.id)
        session.add(current)
    current.resource_id, current.exclusive, current.active = resource_id, capacity == 1, True
    current.blocked_from, current.blocked_until = appointment.blocked_from, appointment.blocked_until
    session.flush()
    return current


def follow_status(session: Session, appointment: Appointment) -> None:
    """A cancelled, declined, completed or no-show appointment frees its resource (as it frees its provider)."""
    current = use_of(session, appointment.id)
    if current is not None:
        current.active = appointment.status in ACTIVE_STATUSES


def use_of(session: Session, appointment_id: int) -> AppointmentResource | None:
    return session.scalar(sa.select(AppointmentResource).where(AppointmentResource.appointment_id == appointment_id))


def resource_of(session: Session, appointment_id: int) -> Resource | None:
    """The resource the appointment uses (or used, once cancelled), in one statement."""
    return session.scalar(sa.select(Resource).join(AppointmentResource, AppointmentResource.resource_id == Resource.id)
                          .where(AppointmentResource.appointment_id == appointment_id))


def _pool(session, location_id: int, kind: str, start: datetime, end: datetime) -> ResourcePool:
    rows = session.execute(
        sa.select(Resource.id, Resource.capacity, AppointmentResource.appointment_id,
                  AppointmentResource.blocked_from, AppointmentResource.blocked_until)
        .outerjoin(AppointmentResource, sa.and_(
            AppointmentResource.resource_id == Resource.id, AppointmentResource.active,
            AppointmentResource.blocked_from < end, AppointmentResource.blocked_until > start,
        ))
        .where(Resource.location_id == location_id, Resource.kind == kind, Resource.active)
        .order_by(Resource.id)
    )
    pool: dict[int, PooledResource] = {}
    for resource_id, capacity, appointment_id, blocked_from, blocked_until in rows:
        resource = pool.setdefault(resource_id, PooledResource(resource_id, capacity))
        if appointment_id is not None:
            resource.uses.append(ResourceUse(appointment_id, blocked_from, blocked_until))
    return ResourcePool(list(pool.values()))
