"""The platform's price list: plans created and edited by the operator, deactivated rather than deleted."""
import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules import audit
from app.modules.billing.models import PLAN_INTERVALS, Plan

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
FIELDS = ("code", "name", "price", "currency", "interval", "max_providers", "max_locations", "max_sms_per_month",
          "custom_domain_allowed", "active", "stripe_price_id")
STRIPE_PRICE = re.compile(r"^price_[A-Za-z0-9]{1,94}$")


def _cleaned(session: Session, plan: Plan | None, values: dict) -> dict:
    values = {key: values.get(key) for key in FIELDS}
    values["code"] = (values["code"] or "").strip().lower()
    values["name"] = (values["name"] or "").strip()
    values["currency"] = (values["currency"] or "").upper()
    if not CODE.match(values["code"]):
        raise DomainError("Lowercase letters, digits, dashes and underscores, at most 32.", field="code")
    taken = session.scalar(sa.select(Plan.id).where(Plan.code == values["code"],
                                                    Plan.id != (plan.id if plan is not None else -1)))
    if taken is not None:
        raise DomainError(f"Another plan has the code “{values['code']}”.", field="code")
    if not values["name"]:
        raise DomainError("Give the plan a name.", field="name")
    if values["price"] is None or values["price"] < 0:
        raise DomainError("A price of 0 or more, in minor units (cents).", field="price")
    if not re.fullmatch(r"[A-Z]{3}", values["currency"]):
        raise DomainError("A three-letter currency code such as EUR.", field="currency")
    if values["interval"] not in PLAN_INTERVALS:
        raise DomainError("Month or year.", field="interval")
    for limit in ("max_providers", "max_locations", "max_sms_per_month"):
        if values[limit] is not None and values[limit] < 0:
            raise DomainError("0 or more, or empty for unlimited.", field=limit)
    values["custom_domain_allowed"], values["active"] = bool(values["custom_domain_allowed"]), bool(values["active"])
    values["stripe_price_id"] = (values["stripe_price_id"] or "").strip() or None
    if values["stripe_price_id"] is not None and not STRIPE_PRICE.match(values["stripe_price_id"]):
        raise DomainError("A Stripe price id such as price_1MoBy5LkdIwHu7ixZhnattbh, or empty.", field="stripe_price_id")
    return values


def create_plan(session: Session, values: dict, *, actor) -> Plan:
    plan = Plan(**_cleaned(session, None, values))
    session.add(plan)
    session.flush()
    audit.record(session, "plan.created", plan, actor=actor, before={}, after={key: getattr(plan, key) for key in FIELDS})
    return plan


def update_plan(session: Session, plan: Plan, values: dict, *, actor) -> Plan:
    """Change a plan; every change is audited with the values before and after. A plan in use keeps
    its subscriptions when deactivated: it only leaves the list new practices choose from."""
    wanted = _cleaned(session, plan, values)
    before = {key: getattr(plan, key) for key in FIELDS if getattr(plan, key) != wanted[key]}
    for key in before:
        setattr(plan, key, wanted[key])
    session.flush()
    if before:
        audit.record(session, "plan.changed", plan, actor=actor, before=before,
                     after={key: wanted[key] for key in before})
    return plan
