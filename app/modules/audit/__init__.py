"""The audit trail: who did what to which record, and when; append-only."""
from app.modules.audit import guard  # noqa: F401  (armed wherever the trail is: nothing may rewrite it)
from app.modules.audit.trail import changes, record, snapshot

__all__ = ["changes", "record", "snapshot"]
