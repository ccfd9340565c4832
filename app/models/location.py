"""Where a practice works, and the days each place is closed."""
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TenantOwned, tenant_table_args


class Location(TenantOwned, db.Model):
    __tablename__ = "locations"
    __table_args__ = tenant_table_args("locations")

    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.Text, default="")
    timezone: Mapped[str] = mapped_column(sa.String(64))
    active: Mapped[bool] = mapped_column(default=True)

    closures: Mapped[list["LocationClosure"]] = relationship(
        primaryjoin="Location.id == foreign(LocationClosure.location_id)",
        order_by="LocationClosure.starts_on",
        back_populates="location",
    )


class LocationClosure(TenantOwned, db.Model):
    """A holiday: the location is closed on every local date from starts_on to ends_on, inclusive."""

    __tablename__ = "location_closures"
    __table_args__ = tenant_table_args(
        "location_closures",
        ("location_id", "locations"),
        extra=(sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),),
    )

    location_id: Mapped[int]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.String(200), default="")

    location: Mapped[Location] = relationship(
        primaryjoin="Location.id == foreign(LocationClosure.location_id)", back_populates="closures"
    )
