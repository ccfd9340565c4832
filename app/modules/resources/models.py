"""Resources (a room, a chair, a piece of equipment at a location) and the appointments using them."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.database import db
from app.core.records import TenantOwned, UTCDateTime, tenant_table_args

# A resource of capacity 1 is used by one appointment at a time: the database refuses an overlap.
# Above 1, bookings lock the resources' rows and count (usage.claim): a constraint cannot count.
NO_OVERLAPPING_USE = postgresql.ExcludeConstraint(
    ("tenant_id", "="),
    ("resource_id", "="),
    (sa.func.tstzrange(sa.column("blocked_from"), sa.column("blocked_until"), "[)"), "&&"),
    name="ex_appointment_resources_no_overlap",
    using="gist",
    where=sa.text("active AND exclusive"),
).ddl_if(dialect="postgresql")


class Resource(TenantOwned, db.Model):
    """Something at a location that an appointment may need, of a ``kind`` services ask for, used by up to
    ``capacity`` appointments at once. Deactivated, never deleted."""

    __tablename__ = "resources"
    __table_args__ = tenant_table_args(
        "resources",
        ("location_id", "locations"),
        extra=(
            sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
            sa.UniqueConstraint("tenant_id", "location_id", "name", name="uq_resources_tenant_id_location_id_name"),
        ),
    )

    location_id: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(60))
    capacity: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)

    location = relationship("Location", primaryjoin="Location.id == foreign(Resource.location_id)")


class AppointmentResource(TenantOwned, db.Model):
    """An appointment's use of a resource over its blocked time (buffers included). ``active`` follows the
    appointment's status; ``exclusive`` is the resource's capacity being 1, copied so the exclusion
    constraint can see it."""

    __tablename__ = "appointment_resources"
    __table_args__ = tenant_table_args(
        "appointment_resources",
        ("appointment_id", "appointments"),
        ("resource_id", "resources"),
        extra=(
            sa.UniqueConstraint("tenant_id", "appointment_id", name="uq_appointment_resources_tenant_id_appointment_id"),
            sa.Index("ix_appointment_resources_tenant_id_resource_id_blocked_from",
                     "tenant_id", "resource_id", "blocked_from"),
            sa.CheckConstraint("blocked_until > blocked_from", name="ends_after_start"),
            NO_OVERLAPPING_USE,
        ),
    )

    appointment_id: Mapped[int]
    resource_id: Mapped[int]
    blocked_from: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)
    exclusive: Mapped[bool] = mapped_column(default=True)

    resource = relationship(Resource, primaryjoin="Resource.id == foreign(AppointmentResource.resource_id)")
