"""The notification outbox: every message is a row here before it is a job."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import db
from app.core.records import TenantOwned, UTCDateTime, enum, tenant_table_args

CHANNELS = ("email", "sms")
KINDS = (
    "booking_confirmed",
    "booking_pending",
    "booking_approved",
    "cancelled",
    "rescheduled",
    "reminder",
    "magic_link",
    "password_reset",
    "invitation",
    "email_confirmation",
    "waitlist_joined",
    "waitlist_offer",
)
STATUSES = ("queued", "sending", "sent", "failed", "cancelled")
PENDING_REMINDER = "kind = 'reminder' AND status IN ('queued', 'sending')"


class Notification(TenantOwned, db.Model):
    __tablename__ = "notifications"
    __table_args__ = tenant_table_args(
        "notifications",
        ("appointment_id", "appointments"),
        ("participant_id", "appointment_participants"),
        extra=(
            sa.Index("ix_notifications_status_scheduled_for", "status", "scheduled_for"),
            # A customer's record lists the sign-in links sent to their address.
            sa.Index("ix_notifications_tenant_id_recipient", "tenant_id", "recipient"),
            # One pending reminder per booking (its appointment and participant), offset and channel.
            sa.Index(
                "uq_notifications_one_reminder",
                "tenant_id",
                "appointment_id",
                "participant_id",
                "offset_minutes",
                "channel",
                unique=True,
                postgresql_where=sa.text(PENDING_REMINDER),
                sqlite_where=sa.text(PENDING_REMINDER),
            ),
        ),
    )

    appointment_id: Mapped[int | None]
    participant_id: Mapped[int | None]
    channel: Mapped[str] = mapped_column(enum(*CHANNELS, name="notification_channel"))
    kind: Mapped[str] = mapped_column(enum(*KINDS, name="notification_kind"))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    status: Mapped[str] = mapped_column(enum(*STATUSES, name="notification_status"), default="queued")
    offset_minutes: Mapped[int | None]
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_message_id: Mapped[str | None] = mapped_column(sa.String(200))
