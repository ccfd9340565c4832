"""A new practice's trial: every practice starts on the platform's default plan, free for its first days."""
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.modules.billing.models import Plan, Subscription
from app.modules.platform import settings

# The plan the first sign-up puts on the price list when the operator has not chosen a default.
STARTER_PLAN = {"code": "starter", "name": "Starter", "price": 2900, "currency": "EUR", "interval": "month",
                "max_providers": None, "max_locations": None, "max_sms_per_month": None,
                "custom_domain_allowed": True}


def starter_plan(session: Session) -> Plan:
    plan = session.scalar(sa.select(Plan).where(Plan.code == STARTER_PLAN["code"]))
    if plan is not None:
        return plan
    try:
        with session.begin_nested():  # two first sign-ups at once: one inserts, the other reads it
            plan = Plan(**STARTER_PLAN)
            session.add(plan)
    except IntegrityError:
        plan = session.scalar(sa.select(Plan).where(Plan.code == STARTER_PLAN["code"]))
    return plan


def default_plan(session: Session) -> Plan:
    """The plan new practices start on: the one chosen in the platform's settings, else Starter."""
    chosen = settings.current(session).default_plan_id
    plan = session.get(Plan, chosen) if chosen is not None else None
    return plan if plan is not None and plan.active else starter_plan(session)


def start_trial(session: Session, tenant, *, now: datetime) -> Subscription:
    """The tenant's first subscription: trialing on the default plan for the platform's trial length."""
    days = settings.current(session).trial_days
    subscription = Subscription(tenant_id=tenant.id, plan_id=default_plan(session).id, status="trialing",
                                current_period_start=now, current_period_end=now + timedelta(days=days))
    session.add(subscription)
    session.flush()
    return subscription
