"""Uptime monitors' view of the platform, on the admin host without sign-in: component states only."""
from flask import Blueprint

bp = Blueprint("monitoring", __name__)

from app.blueprints.monitoring import status  # noqa: E402,F401
