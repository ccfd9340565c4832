"""The tenant dashboard, where a practice's staff run their calendars."""
from flask import Blueprint

from app.blueprints.auth.guards import require_roles

bp = Blueprint("dashboard", __name__)
bp.before_request(require_roles("owner", "admin", "staff", "provider"))

from app.blueprints.dashboard import (  # noqa: E402,F401
    agenda,
    appointments,
    blocked_time,
    calendar,
    calendar_feeds,
    customer_merge,
    customer_privacy,
    customer_record,
    customers,
    getting_started,
    hours,
    intake,
    locations,
    new_appointment,
    providers,
    reports,
    services,
    settings,
    team,
)
