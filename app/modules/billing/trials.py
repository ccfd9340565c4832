"""A new practice's trial: every practice starts on the default plan, free for its first days."""
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.modules.billing.models import Plan, Subscription

DEFAULT_PLAN = {"code": "starter", "name": "Starter", "monthly_price": 2900, "currency": "EUR", "max_providers": None}
TRIAL_LENGTH = timedelta(days=14)


def default_plan(session: Session) -> Plan:
    """The plan new practices start on; the platform's first sign-up puts it on the price list."""
    plan = session.scalar(sa.select(Plan).where(Plan.code == DEFAULT_PLAN["code"]))
    if plan is not None:
        return plan
    try:
        with session.begin_nested():  # two first sign-ups at once: one inserts, the other reads it
            plan = Plan(**DEFAULT_PLAN)
            session.add(plan)
    except IntegrityError:
        plan = session.scalar(sa.select(Plan).where(Plan.code == DEFAULT_PLAN["code"]))
    return plan


def start_trial(session: Session, tenant, *, now: datetime) -> Subscription:
    subscription = Subscription(tenant_id=tenant.id, plan_id=default_plan(session).id, status="trialing",
                                current_period_start=now, current_period_end=now + TRIAL_LENGTH)
    session.add(subscription)
    session.flush()
    return subscription
