"""Sign-in and sign-out, on every host."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.blueprints.auth import routes  # noqa: E402,F401
from app.blueprints.auth.guards import init_app  # noqa: E402,F401
