"""The trail is append-only: no code path may change or remove an event. The ORM refuses it here
(a loaded event flushed as changed or deleted, or a bulk UPDATE/DELETE of the table); PostgreSQL's
trigger (migration 0013) refuses it whatever the client."""
from sqlalchemy import event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session

from app.modules.audit.models import AuditEvent

TABLE = AuditEvent.__table__


class AppendOnlyError(RuntimeError):
    """A change to the audit trail was attempted: a bug, never an answer for a user."""


def _refuse(mapper: Mapper, connection, target) -> None:
    raise AppendOnlyError(f"audit event {target.id} cannot be changed or deleted: the trail is append-only")


event.listen(AuditEvent, "before_update", _refuse)
event.listen(AuditEvent, "before_delete", _refuse)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    # Selects (every statement of the hot paths) leave after one attribute test.
    if not (state.is_update or state.is_delete):
        return
    if getattr(getattr(state.statement, "table", None), "name", None) == TABLE.name:
        raise AppendOnlyError("audit events cannot be updated or deleted in bulk: the trail is append-only")
