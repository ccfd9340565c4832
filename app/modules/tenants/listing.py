"""The operator's list of practices: searched by name, slug or custom domain, filtered by status and
plan, a page at a time, with each one's user count and plan."""
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.modules.accounts.models import User
from app.modules.billing.models import Plan, Subscription
from app.modules.tenants.models import Tenant

PER_PAGE = 25


@dataclass(frozen=True)
class Row:
    tenant: Tenant
    users: int
    plan: str | None


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int
    number: int
    pages: int


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find(session: Session, *, query: str = "", status: str = "", plan_id: int | None = None, page: int = 1,
         per_page: int = PER_PAGE) -> Page:
    latest = (sa.select(Subscription.tenant_id, sa.func.max(Subscription.id).label("id"))
              .group_by(Subscription.tenant_id).subquery())
    users = (sa.select(User.tenant_id, sa.func.count(User.id).label("users"))
             .where(User.tenant_id.is_not(None)).group_by(User.tenant_id).subquery())
    statement = (sa.select(Tenant, sa.func.coalesce(users.c.users, 0), Plan.name)
                 .outerjoin(users, users.c.tenant_id == Tenant.id)
                 .outerjoin(latest, latest.c.tenant_id == Tenant.id)
                 .outerjoin(Subscription, Subscription.id == latest.c.id)
                 .outerjoin(Plan, Plan.id == Subscription.plan_id))
    if query := (query or "").strip().lower():
        pattern = f"%{_escaped(query)}%"
        statement = statement.where(sa.or_(sa.func.lower(Tenant.name).like(pattern, escape="\\"),
                                           Tenant.slug.like(pattern, escape="\\"),
                                           Tenant.custom_domain.like(pattern, escape="\\")))
    if status:
        statement = statement.where(Tenant.status == status)
    if plan_id is not None:
        statement = statement.where(Plan.id == plan_id)
    total = session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))
    pages = max(1, -(-total // per_page))
    number = min(max(page, 1), pages)
    found = session.execute(statement.order_by(Tenant.name, Tenant.id).limit(per_page).offset((number - 1) * per_page))
    return Page([Row(tenant, count, plan) for tenant, count, plan in found], total, number, pages)
