"""Availability: the pure slot engine (``engine``) and what it loads from the database (``loading``)."""
from app.modules.availability.engine import (
    Calendar,
    Policy,
    Slot,
    days_with_slots,
    local_day_bounds,
    resolve,
    week_of,
)
from app.modules.availability.loading import load, load_policy

__all__ = ["Calendar", "Policy", "Slot", "days_with_slots", "load", "load_policy", "local_day_bounds", "resolve", "week_of"]
