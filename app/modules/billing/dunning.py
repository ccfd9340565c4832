"""Dunning: a practice past due for longer than the platform's grace period (its settings, in days)
is suspended. Run by the worker's sweep and by ``flask sloty dunning`` (cron), with the app's clock."""
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.modules.platform import settings
from app.modules.tenants import status
from app.modules.tenants.models import Tenant


def suspend_overdue(session: Session, *, now: datetime, actor=None) -> list[Tenant]:
    """Suspend every practice that became past due at least the grace period before ``now``; audited.
    Idempotent: a suspended practice is no longer past due, so running it twice suspends once."""
    grace = settings.current(session).dunning_grace_days
    cutoff = now - timedelta(days=grace)
    overdue = session.scalars(sa.select(Tenant).where(
        Tenant.status == "past_due", Tenant.deactivated_at.is_(None), Tenant.status_changed_at <= cutoff,
    ).order_by(Tenant.id).with_for_update()).all()
    for tenant in overdue:
        status.suspend(session, tenant, now=now, actor=actor,
                       reason=f"Payment was still past due after the {grace}-day grace period.")
    return overdue
