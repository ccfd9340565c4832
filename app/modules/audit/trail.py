"""Writing the audit trail, in the caller's transaction: the actor, the target, the values before and
after, and where the request came from (``origin``)."""
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy.orm import Session

from app.modules.audit import origin
from app.modules.audit.models import AuditEvent


def record(session: Session, action: str, entity, *, actor, tenant_id: int | None = None, ip: str | None = None,
           **details) -> AuditEvent:
    """Record that ``actor`` did ``action`` to ``entity`` (a model instance). A change passes
    ``before=`` and ``after=`` (see ``snapshot`` and ``changes``)."""
    if tenant_id is None:
        tenant_id = getattr(entity, "tenant_id", None)
    where = origin.current()
    event = AuditEvent(
        tenant_id=tenant_id,
        actor_user_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None),
        action=action,
        entity_type=type(entity).__name__,
        entity_id=entity.id,
        details={key: plain(value) for key, value in details.items()},
        ip_address=ip or where.ip_address,
        user_agent=where.user_agent,
    )
    session.add(event)
    return event


def snapshot(entity, fields: Iterable[str]) -> dict:
    """``entity``'s ``fields`` as JSON values: what it was before a change, or is after it."""
    return {field: plain(getattr(entity, field)) for field in fields}


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed, as (before, after)."""
    changed = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in changed}, {key: after[key] for key in changed}


def plain(value):
    """A value the JSON column stores and the log shows readably."""
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return [plain(item) for item in sorted(value, key=str)]
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return value
