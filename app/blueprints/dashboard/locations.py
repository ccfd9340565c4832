"""The practice's locations and their closures."""
from app.blueprints.dashboard import bp  # noqa: F401
