"""Choosing a password from an emailed link: a password reset, or accepting a team invitation."""
from app.blueprints.auth import bp  # noqa: F401
