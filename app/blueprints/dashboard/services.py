"""The practice's services, their categories, and who offers them."""
from app.blueprints.dashboard import bp  # noqa: F401
