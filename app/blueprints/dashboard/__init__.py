"""The tenant dashboard, where a practice's staff run their calendars."""
from flask import Blueprint, request

from app.blueprints.auth.guards import require_roles
from app.modules.tenants import lifecycle
from app.web.errors import render_error
from app.web.rendering import sent_by_htmx
from app.web.sites import current_tenant

bp = Blueprint("dashboard", __name__)
bp.before_request(require_roles("owner", "admin", "staff", "provider"))
# Paying is the way out of suspension: the billing page's forms stay open while the rest is read-only.
THE_WAY_BACK = frozenset({"dashboard.subscribe", "dashboard.manage_billing"})


@bp.before_request
def read_only_while_closed():
    """A suspended or cancelled practice's dashboard can be read, never changed: one gate for every form."""
    if request.method in ("GET", "HEAD", "OPTIONS") or lifecycle.dashboard_writable(current_tenant.status):
        return None
    if request.endpoint in THE_WAY_BACK and current_tenant.status == "suspended":
        return None
    state = "suspended" if current_tenant.status == "suspended" else "cancelled"
    reason = f" Reason: {current_tenant.status_reason}" if current_tenant.status_reason else ""
    body, status = render_error(403, "The dashboard is read-only",
                                f"{current_tenant.name} is {state}, so nothing can be changed.{reason}")
    # htmx swaps no 4xx answer: it reloads the page instead, whose banner says why nothing changed.
    return body, status, {"HX-Refresh": "true"} if sent_by_htmx() else {}

from app.blueprints.dashboard import (  # noqa: E402,F401
    agenda,
    appointments,
    billing,
    blocked_time,
    calendar,
    calendar_feeds,
    customer_merge,
    customer_privacy,
    customer_record,
    customers,
    exports,
    getting_started,
    hours,
    intake,
    locations,
    new_appointment,
    plan,
    providers,
    reports,
    resources,
    series,
    services,
    settings,
    team,
    waitlist,
)
