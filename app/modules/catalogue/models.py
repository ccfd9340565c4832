"""What a practice offers: its locations (and their closures), services by category, and the providers
who offer them."""
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.database import db
from app.core.records import TenantOwned, tenant_table_args


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


class ServiceCategory(TenantOwned, db.Model):
    __tablename__ = "service_categories"
    __table_args__ = tenant_table_args("service_categories")

    name: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class Service(TenantOwned, db.Model):
    """A bookable service. Prices are integer minor units; capacity above 1 is a group session."""

    __tablename__ = "services"
    __table_args__ = tenant_table_args(
        "services",
        ("category_id", "service_categories"),
        extra=(
            sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
            sa.CheckConstraint(
                "buffer_before_minutes >= 0 AND buffer_after_minutes >= 0", name="buffers_not_negative"
            ),
            sa.CheckConstraint("price >= 0", name="price_not_negative"),
            sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
        ),
    )

    category_id: Mapped[int | None]
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    duration_minutes: Mapped[int]
    buffer_before_minutes: Mapped[int] = mapped_column(default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(default=0)
    price: Mapped[int] = mapped_column(default=0)
    capacity: Mapped[int] = mapped_column(default=1)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # The kind of resource (a room, a chair…) each appointment needs one of at its location; None: none.
    resource_kind: Mapped[str | None] = mapped_column(sa.String(60), default=None)

    category = relationship(ServiceCategory, primaryjoin="ServiceCategory.id == foreign(Service.category_id)")
    providers = relationship(
        "Provider",
        secondary="provider_services",
        primaryjoin="Service.id == ProviderService.service_id",
        secondaryjoin="Provider.id == ProviderService.provider_id",
        viewonly=True,
    )

    @property
    def is_group(self) -> bool:
        return self.capacity > 1


class Provider(TenantOwned, db.Model):
    __tablename__ = "providers"
    __table_args__ = tenant_table_args("providers", ("user_id", "users"))

    user_id: Mapped[int | None]
    name: Mapped[str] = mapped_column(sa.String(200))
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    # The hash of the secret in the provider's private calendar feed URL; None: no feed.
    feed_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    user = relationship("User", primaryjoin="User.id == foreign(Provider.user_id)")
    locations = relationship(
        "Location",
        secondary="provider_locations",
        primaryjoin="Provider.id == ProviderLocation.provider_id",
        secondaryjoin="Location.id == ProviderLocation.location_id",
        viewonly=True,
    )
    services = relationship(
        "Service",
        secondary="provider_services",
        primaryjoin="Provider.id == ProviderService.provider_id",
        secondaryjoin="Service.id == ProviderService.service_id",
        viewonly=True,
    )


class ProviderLocation(TenantOwned, db.Model):
    __tablename__ = "provider_locations"
    __table_args__ = tenant_table_args(
        "provider_locations",
        ("provider_id", "providers"),
        ("location_id", "locations"),
        extra=(sa.UniqueConstraint("tenant_id", "provider_id", "location_id"),),
    )

    provider_id: Mapped[int]
    location_id: Mapped[int]


class ProviderService(TenantOwned, db.Model):
    """A provider offers a service, optionally with its own duration and price."""

    __tablename__ = "provider_services"
    __table_args__ = tenant_table_args(
        "provider_services",
        ("provider_id", "providers"),
        ("service_id", "services"),
        extra=(
            sa.UniqueConstraint("tenant_id", "provider_id", "service_id"),
            sa.CheckConstraint("duration_minutes IS NULL OR duration_minutes > 0", name="duration_positive"),
            sa.CheckConstraint("price IS NULL OR price >= 0", name="price_not_negative"),
        ),
    )

    provider_id: Mapped[int]
    service_id: Mapped[int]
    duration_minutes: Mapped[int | None]
    price: Mapped[int | None]
