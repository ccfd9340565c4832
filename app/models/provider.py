"""Bookable people, the places they work and the services they offer."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TenantOwned, tenant_table_args


class Provider(TenantOwned, db.Model):
    __tablename__ = "providers"
    __table_args__ = tenant_table_args("providers", ("user_id", "users"))

    user_id: Mapped[int | None]
    name: Mapped[str] = mapped_column(sa.String(200))
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)

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
