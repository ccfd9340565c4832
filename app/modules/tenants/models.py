"""The practices the platform serves."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import db
from app.core.records import Record, enum

TENANT_STATUSES = ("active", "suspended")


class Tenant(Record, db.Model):
    __tablename__ = "tenants"
    __table_args__ = (
        sa.CheckConstraint("slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'", name="slug_format").ddl_if(
            dialect="postgresql"
        ),
    )

    slug: Mapped[str] = mapped_column(sa.String(63), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    status: Mapped[str] = mapped_column(enum(*TENANT_STATUSES, name="tenant_status"), default="active")
    custom_domain: Mapped[str | None] = mapped_column(sa.String(253), unique=True)
    branding: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # {"colour": "#1a73e8"}
    # The logo is kept in the database: a dyno's disk does not last. Checked from its content (PNG, JPEG, WebP).
    logo: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    logo_type: Mapped[str | None] = mapped_column(sa.String(32))
    # May providers edit their own working hours and time off?
    providers_manage_own_hours: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Minutes before an appointment that reminders go out.
    reminder_offsets: Mapped[list] = mapped_column(
        sa.JSON, default=lambda: [24 * 60, 2 * 60], server_default=sa.text("'[1440, 120]'")
    )

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"
