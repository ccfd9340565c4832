"""Reading the trail for the backoffice: events filtered by practice, actor, action and day, newest
first, in keyset pages (by id, which only grows: the trail is append-only)."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.modules.audit.models import AuditEvent
from app.modules.tenants.models import Tenant

PAGE = 50
PLATFORM = "platform"  # the practice filter's name for the platform's own events (no tenant)


@dataclass(frozen=True)
class Filters:
    practice: str = ""  # a practice's slug, or PLATFORM
    actor: str = ""  # part of the actor's email
    action: str = ""  # an action, or its start ("tenant." finds every tenant action)
    since: date | None = None  # UTC days, both included
    until: date | None = None


@dataclass(frozen=True)
class Page:
    events: list  # (AuditEvent, Tenant | None), newest first
    newer: int | None  # the ``after`` of the page before this one, if there is one
    older: int | None  # the ``before`` of the next page, if there is one


def browse(session: Session, filters: Filters, *, before: int | None = None, after: int | None = None,
           size: int = PAGE) -> Page:
    """One page of the events ``filters`` keep: the newest, those older than id ``before``, or the
    page just newer than id ``after``."""
    statement = sa.select(AuditEvent, Tenant).outerjoin(Tenant, Tenant.id == AuditEvent.tenant_id)
    statement = statement.where(*_conditions(filters))
    if after is not None:
        rows = session.execute(statement.where(AuditEvent.id > after)
                               .order_by(AuditEvent.id.asc()).limit(size + 1)).all()
        more_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        older = rows[-1][0].id if rows else None
        return Page(events=[tuple(row) for row in rows], newer=rows[0][0].id if rows and more_newer else None,
                    older=older if older is not None and _exists(session, statement, AuditEvent.id < older) else None)
    if before is not None:
        statement_page = statement.where(AuditEvent.id < before)
    else:
        statement_page = statement
    rows = session.execute(statement_page.order_by(AuditEvent.id.desc()).limit(size + 1)).all()
    more_older = len(rows) > size
    rows = rows[:size]
    newer = rows[0][0].id if rows and before is not None else None
    return Page(events=[tuple(row) for row in rows], newer=newer,
                older=rows[-1][0].id if rows and more_older else None)


def _exists(session: Session, statement, condition) -> bool:
    return session.execute(statement.where(condition).limit(1)).first() is not None


def _conditions(filters: Filters) -> list:
    conditions = []
    if filters.practice == PLATFORM:
        conditions.append(AuditEvent.tenant_id.is_(None))
    elif filters.practice:
        conditions.append(Tenant.slug == filters.practice.lower())
    if filters.actor:
        conditions.append(sa.func.lower(AuditEvent.actor_email).contains(filters.actor.lower(), autoescape=True))
    if filters.action:
        conditions.append(AuditEvent.action.startswith(filters.action, autoescape=True))
    if filters.since:
        conditions.append(AuditEvent.created_at >= _midnight(filters.since))
    if filters.until:
        conditions.append(AuditEvent.created_at < _midnight(filters.until + timedelta(days=1)))
    return conditions


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


def shown_changes(details: dict) -> list[tuple[str, object, object]]:
    """What a change's ``before`` and ``after`` say, field by field, for the log to show as before → after.
    A scalar pair (a status) is one row without a field name."""
    before, after = details.get("before"), details.get("after")
    if before is None and after is None:
        return []
    if isinstance(before, dict) or isinstance(after, dict):
        before, after = before if isinstance(before, dict) else {}, after if isinstance(after, dict) else {}
        return [(key, before.get(key), after.get(key)) for key in [*before, *(k for k in after if k not in before)]]
    return [("", before, after)]


def other_details(details: dict) -> list[tuple[str, object]]:
    return [(key, value) for key, value in details.items() if key not in ("before", "after")]
