"""Moving a tenant through its lifecycle, audited: the operator's changes and, later, billing's events
(``mark_past_due`` on a failed payment, ``reactivate`` on a paid invoice) call the same functions."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.tenancy import tenant_context
from app.modules import audit
from app.modules.tenants import lifecycle
from app.modules.tenants.lifecycle import LifecycleError
from app.modules.tenants.models import Tenant

MAX_REASON = 500


def change_status(session: Session, tenant: Tenant, status: str, *, now: datetime, actor, reason: str) -> Tenant:
    """Move ``tenant`` to ``status`` for ``reason``, or raise LifecycleError; audited with before and after."""
    reason = (reason or "").strip()
    if not reason:
        raise LifecycleError("Say why: the practice's staff see the reason.", field="reason")
    if len(reason) > MAX_REASON:
        raise LifecycleError(f"At most {MAX_REASON} characters.", field="reason")
    lifecycle.check_transition(tenant.status, status, deactivated=tenant.deactivated_at is not None)
    before = tenant.status
    if before == "cancelled" and lifecycle.export_expired(before, tenant.status_changed_at, now):
        raise LifecycleError("The export window of this cancelled practice has passed; it cannot be reactivated.",
                             field="status")
    tenant.status, tenant.status_reason, tenant.status_changed_at = status, reason, now
    session.flush()
    with tenant_context(tenant):
        audit.record(session, "tenant.status_changed", tenant, actor=actor, tenant_id=tenant.id,
                     before=before, after=status, reason=reason)
    return tenant


def activate(session: Session, tenant: Tenant, *, now: datetime, actor, reason: str = "The trial became a paid plan.") -> Tenant:
    return change_status(session, tenant, "active", now=now, actor=actor, reason=reason)


def mark_past_due(session: Session, tenant: Tenant, *, now: datetime, actor, reason: str = "An invoice is unpaid.") -> Tenant:
    return change_status(session, tenant, "past_due", now=now, actor=actor, reason=reason)


def suspend(session: Session, tenant: Tenant, *, now: datetime, actor, reason: str) -> Tenant:
    return change_status(session, tenant, "suspended", now=now, actor=actor, reason=reason)


def reactivate(session: Session, tenant: Tenant, *, now: datetime, actor, reason: str = "The account is settled.") -> Tenant:
    return change_status(session, tenant, "active", now=now, actor=actor, reason=reason)


def cancel(session: Session, tenant: Tenant, *, now: datetime, actor, reason: str) -> Tenant:
    return change_status(session, tenant, "cancelled", now=now, actor=actor, reason=reason)


def deactivate_expired(session: Session, *, now: datetime, actor=None) -> list[Tenant]:
    """Close every cancelled practice whose export window has passed: its status stays cancelled, its rows
    are kept, and its sites answer 404 from now on. Run by ``flask sloty deactivate-cancelled`` (cron, daily)."""
    cutoff = now - lifecycle.EXPORT_WINDOW
    expired = session.scalars(sa.select(Tenant).where(
        Tenant.status == "cancelled", Tenant.deactivated_at.is_(None), Tenant.status_changed_at <= cutoff,
    ).order_by(Tenant.id).with_for_update()).all()
    for tenant in expired:
        tenant.deactivated_at = now
        with tenant_context(tenant):
            audit.record(session, "tenant.deactivated", tenant, actor=actor, tenant_id=tenant.id,
                         before={"deactivated_at": None}, after={"deactivated_at": now.isoformat()},
                         reason="The 30-day export window after cancellation has passed.")
    session.flush()
    return expired
