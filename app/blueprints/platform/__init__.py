"""The platform's own public site (www.<base> and <base>): where practices sign themselves up."""
from flask import Blueprint

bp = Blueprint("platform", __name__)

from app.blueprints.platform import signup, webhooks  # noqa: E402,F401
