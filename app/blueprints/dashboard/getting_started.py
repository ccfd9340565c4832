"""The getting-started checklist, until the practice can take its first online booking."""
from app.blueprints.dashboard import bp  # noqa: F401
