"""The intake form builder: questions, their options, the services they are asked for, and rules."""
from app.blueprints.dashboard import bp  # noqa: F401
