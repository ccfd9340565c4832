"""The audit trail: who did what to which record, and when."""
from app.modules.audit.trail import record

__all__ = ["record"]
