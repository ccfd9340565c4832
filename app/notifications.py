"""The notification outbox: messages are rows first. Delivery reads them from here."""
import logging
from datetime import datetime

from app.extensions import db
from app.models import Notification, utcnow

log = logging.getLogger(__name__)


def queue(*, tenant_id: int, kind: str, recipient: str, appointment_id: int | None = None,
          channel: str = "email", scheduled_for: datetime | None = None, **payload) -> Notification:
    """Add a queued message to the outbox, in the caller's transaction."""
    notification = Notification(
        tenant_id=tenant_id, kind=kind, recipient=recipient, appointment_id=appointment_id, channel=channel,
        status="queued", scheduled_for=scheduled_for or utcnow(), payload=payload,
    )
    db.session.add(notification)
    return notification
