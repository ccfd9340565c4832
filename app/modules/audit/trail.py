"""Writing the audit trail, in the caller's transaction."""
from sqlalchemy.orm import Session

from app.modules.audit.models import AuditEvent


def record(session: Session, action: str, entity, *, actor, tenant_id: int | None = None, ip: str | None = None, **details) -> AuditEvent:
    """Record that ``actor`` did ``action`` to ``entity`` (a model instance)."""
    if tenant_id is None:
        tenant_id = getattr(entity, "tenant_id", None)
    event = AuditEvent(
        tenant_id=tenant_id,
        actor_user_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None),
        action=action,
        entity_type=type(entity).__name__,
        entity_id=entity.id,
        details=details,
        ip_address=ip,
    )
    session.add(event)
    return event
