"""A practice's plan limits and its usage against them: creating a provider, a location or a custom
domain beyond its plan is refused, and an SMS beyond the month's allowance is not sent.

The plan is the one of the practice's latest subscription. A practice with no subscription (made by
the operator or the CLI, not by sign-up) has no limits. SMS are counted per calendar month in UTC,
by the month they are due to go out; cancelled messages do not count.
"""
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules.billing.models import Plan, Subscription
from app.modules.catalogue.models import Location, Provider
from app.modules.notifications.models import Notification

NOUNS = {"providers": ("provider", "providers"), "locations": ("location", "locations"),
         "sms": ("SMS a month", "SMS a month")}


class LimitReached(DomainError):
    """Something the practice's plan does not allow; the dashboard offers the plan page to upgrade."""

    upgrade = True


@dataclass(frozen=True)
class Usage:
    providers: int
    locations: int
    sms_this_month: int


@dataclass(frozen=True)
class Line:
    """One row of a usage table: what is counted, how much is used, and the plan's limit (None: unlimited)."""

    label: str
    used: int | None
    limit: int | None

    @property
    def full(self) -> bool:
        return self.limit is not None and self.used is not None and self.used >= self.limit


def subscription_of(session: Session, tenant_id: int) -> Subscription | None:
    return session.scalar(sa.select(Subscription).where(Subscription.tenant_id == tenant_id)
                          .order_by(Subscription.id.desc()).limit(1))


def plan_of(session: Session, tenant_id: int) -> Plan | None:
    """The plan of the practice's latest subscription, in one statement (it runs for every SMS queued)."""
    return session.scalar(sa.select(Plan).join(Subscription, Subscription.plan_id == Plan.id)
                          .where(Subscription.tenant_id == tenant_id).order_by(Subscription.id.desc()).limit(1))


def month_of(when: datetime) -> tuple[datetime, datetime]:
    """The UTC calendar month holding ``when``: its first instant, and the next month's."""
    start = when.astimezone(timezone.utc).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end


def sms_in_month(session: Session, tenant_id: int, when: datetime) -> int:
    start, end = month_of(when)
    return session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.tenant_id == tenant_id, Notification.channel == "sms", Notification.status != "cancelled",
        Notification.scheduled_for >= start, Notification.scheduled_for < end,
    ))


def active_count(session: Session, tenant_id: int, what: str) -> int:
    """The practice's active providers or locations: a deactivated one frees its place."""
    model = {"providers": Provider, "locations": Location}[what]
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(model.tenant_id == tenant_id, model.active))


def usage(session: Session, tenant_id: int, *, now: datetime) -> Usage:
    return Usage(providers=active_count(session, tenant_id, "providers"),
                 locations=active_count(session, tenant_id, "locations"),
                 sms_this_month=sms_in_month(session, tenant_id, now))


def lines(plan: Plan | None, used: Usage) -> list[Line]:
    """The usage table shown in the backoffice and on the practice's plan page."""
    def limit(name):
        return getattr(plan, name) if plan is not None else None

    return [Line("Providers", used.providers, limit("max_providers")),
            Line("Locations", used.locations, limit("max_locations")),
            Line("SMS sent this month", used.sms_this_month, limit("max_sms_per_month"))]


def _refuse(plan: Plan, what: str, limit: int) -> LimitReached:
    singular, plural = NOUNS[what]
    return LimitReached(f"Your {plan.name} plan allows {limit} {singular if limit == 1 else plural}, and you "
                        f"have reached it. Upgrade your plan to add more.")


def check_room_for(session: Session, tenant_id: int, what: str) -> None:
    """Raise LimitReached unless the practice's plan has room for one more active ``what`` (providers, locations)."""
    plan = plan_of(session, tenant_id)
    limit = getattr(plan, f"max_{what}", None)
    if limit is not None and active_count(session, tenant_id, what) >= limit:
        raise _refuse(plan, what, limit)


def check_custom_domain(session: Session, tenant_id: int) -> None:
    plan = plan_of(session, tenant_id)
    if plan is not None and not plan.custom_domain_allowed:
        raise LimitReached(f"Your {plan.name} plan does not include a custom domain. Upgrade your plan to use one.",
                           field="custom_domain")


def sms_refusal(session: Session, tenant_id: int, when: datetime) -> str | None:
    """Why an SMS due at ``when`` may not be sent (its month's allowance is used up), or None."""
    plan = plan_of(session, tenant_id)
    if plan is None or plan.max_sms_per_month is None:
        return None
    if sms_in_month(session, tenant_id, when) >= plan.max_sms_per_month:
        return f"SMS limit reached: the {plan.name} plan allows {plan.max_sms_per_month} SMS a month."
    return None
