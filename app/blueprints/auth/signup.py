"""A practice signs itself up on the platform's own host, and confirms its owner's email."""
from app.blueprints.auth import bp  # noqa: F401
