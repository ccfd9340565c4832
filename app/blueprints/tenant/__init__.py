"""The tenant dashboard, where a practice's staff run their calendars."""
from flask import Blueprint

from app.blueprints.auth.guards import require_roles

bp = Blueprint("tenant", __name__)
bp.before_request(require_roles("owner", "admin", "staff", "provider"))

from app.blueprints.tenant import routes  # noqa: E402,F401
