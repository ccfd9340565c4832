"""What a practice sells: services, grouped into categories."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TenantOwned, tenant_table_args


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

    category = relationship(ServiceCategory, primaryjoin="ServiceCategory.id == foreign(Service.category_id)")

    @property
    def is_group(self) -> bool:
        return self.capacity > 1
