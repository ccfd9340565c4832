"""The practices the platform serves."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import db
from app.core.records import Record, UTCDateTime, enum

# The practice's standing with the platform; app/modules/tenants/lifecycle.py says how it may move.
TENANT_STATUSES = ("trialing", "active", "past_due", "suspended", "cancelled")


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
    # Why it is in that status (shown on a suspended practice's dashboard), and since when.
    status_reason: Mapped[str | None] = mapped_column(sa.String(500))
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the export window of a cancelled practice has passed: its sites are closed, its rows kept.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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
    # How long a waitlist offer's link keeps the freed time for the customers offered it.
    waitlist_hold_minutes: Mapped[int] = mapped_column(default=15, server_default=sa.text("15"))

    @property
    def is_active(self) -> bool:
        """Whether its booking site takes bookings (a trial or an unpaid invoice does not stop it)."""
        return self.status in ("trialing", "active", "past_due")

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"
