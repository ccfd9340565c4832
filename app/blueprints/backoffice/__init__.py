"""The platform backoffice, for superadmins on the admin host."""
from flask import Blueprint

from app.blueprints.auth.guards import require_roles

bp = Blueprint("backoffice", __name__)
bp.before_request(require_roles("superadmin"))

from app.blueprints.backoffice import audit, health, plans, settings, tenants, users  # noqa: E402,F401
