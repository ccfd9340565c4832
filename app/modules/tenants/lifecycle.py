"""The tenant lifecycle as pure rules: which status may follow which, and what each status lets a
practice do. The services that move a tenant, audited, are in ``status.py``.

trialing → active → past_due → suspended → cancelled. Past due and suspended practices are
reactivated; a cancelled one too, while its data can still be exported (30 days): after that it is
deactivated — status stays cancelled, its rows are kept, its sites answer 404 — and nothing moves it.
"""
from datetime import datetime, timedelta

from app.core.errors import DomainError

STATUSES = ("trialing", "active", "past_due", "suspended", "cancelled")
TRANSITIONS = {
    "trialing": frozenset({"active", "past_due", "suspended", "cancelled"}),
    "active": frozenset({"past_due", "suspended", "cancelled"}),
    "past_due": frozenset({"active", "suspended", "cancelled"}),
    "suspended": frozenset({"active", "cancelled"}),
    "cancelled": frozenset({"active"}),
}
EXPORT_WINDOW = timedelta(days=30)
LABELS = {"trialing": "Trialing", "active": "Active", "past_due": "Past due", "suspended": "Suspended",
          "cancelled": "Cancelled"}


class LifecycleError(DomainError):
    """A status change the lifecycle does not allow."""


def check_transition(current: str, wanted: str, *, deactivated: bool = False) -> None:
    """Raise LifecycleError unless a tenant in ``current`` may move to ``wanted``."""
    if wanted not in TRANSITIONS:
        raise LifecycleError(f"“{wanted}” is not a practice status.", field="status")
    if deactivated:
        raise LifecycleError("This practice was cancelled and deactivated after its export window; "
                             "its status can no longer change.", field="status")
    if wanted not in TRANSITIONS[current]:
        raise LifecycleError(f"A {LABELS[current].lower()} practice cannot become {LABELS[wanted].lower()}.",
                             field="status")


def next_statuses(current: str, *, deactivated: bool = False) -> list[str]:
    """The statuses ``current`` may move to, in lifecycle order (for the operator's form)."""
    if deactivated:
        return []
    return [status for status in STATUSES if status in TRANSITIONS[current]]


def takes_bookings(status: str) -> bool:
    """The booking site is open while trialing, active or past due (an unpaid invoice is only a warning)."""
    return status in ("trialing", "active", "past_due")


def dashboard_writable(status: str) -> bool:
    """Suspended and cancelled practices' dashboards are read-only."""
    return status in ("trialing", "active", "past_due")


def export_ends(status: str, changed_at: datetime | None) -> datetime | None:
    """When a cancelled practice's export window closes (None unless cancelled)."""
    if status != "cancelled" or changed_at is None:
        return None
    return changed_at + EXPORT_WINDOW


def export_expired(status: str, changed_at: datetime | None, now: datetime) -> bool:
    ends = export_ends(status, changed_at)
    return ends is not None and ends <= now
