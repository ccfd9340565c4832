"""Notifications: the outbox (rows first), their content, delivery by email and SMS, and RQ jobs."""
from app.modules.notifications.outbox import about_booking, cancel_reminders, queue, schedule_reminders

__all__ = ["about_booking", "cancel_reminders", "queue", "schedule_reminders"]
