"""The platform's settings: one row, edited in the backoffice."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import db
from app.core.records import Record

SETTINGS_ID = 1


class PlatformSettings(Record, db.Model):
    """Not owned by any tenant; the check keeps it to one row."""

    __tablename__ = "platform_settings"
    __table_args__ = (
        sa.CheckConstraint(f"id = {SETTINGS_ID}", name="one_row"),
        sa.CheckConstraint("trial_days >= 0 AND dunning_grace_days >= 0", name="days_not_negative"),
    )

    platform_name: Mapped[str] = mapped_column(sa.String(100))
    support_email: Mapped[str] = mapped_column(sa.String(254))
    # None: the Starter plan, put on the price list by the first sign-up (app/modules/billing/trials.py).
    default_plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plans.id"))
    trial_days: Mapped[int]
    # How long an unpaid practice stays past due before it is suspended (for the billing work).
    dunning_grace_days: Mapped[int]
