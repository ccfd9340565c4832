"""The tenant's public booking site."""
from flask import Blueprint

bp = Blueprint("booking", __name__)

from app.blueprints.booking import account, branding, feeds, flow, manage, waitlist  # noqa: E402,F401
