"""The practice's providers, their working hours, date overrides and time off."""
from app.blueprints.dashboard import bp  # noqa: F401
