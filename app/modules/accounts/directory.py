"""Every account on the platform, for the backoffice: found by email or name across practices, a page
at a time, with the practice each belongs to (superadmins belong to none: the platform's own)."""
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.modules.accounts.models import User
from app.modules.tenants.models import Tenant

PAGE_SIZE = 50
MAX_QUERY = 100


@dataclass(frozen=True)
class Found:
    """One page of accounts, and whether there is another after it."""

    accounts: list[tuple[User, Tenant | None]]
    page: int
    has_next: bool


def search(session: Session, query: str = "", *, page: int = 1, page_size: int = PAGE_SIZE) -> Found:
    """Accounts whose email or name contains ``query`` (any case; every account when it is empty),
    ordered by email, then practice. Only the backoffice, acting across tenants, may call this."""
    query = (query or "").strip()[:MAX_QUERY].lower()
    page = max(1, page)
    statement = (
        sa.select(User, Tenant)
        .outerjoin(Tenant, Tenant.id == User.tenant_id)
        .order_by(User.email, User.tenant_id.is_not(None), Tenant.name, User.id)
        .offset((page - 1) * page_size)
        .limit(page_size + 1)  # one more tells whether a next page exists
    )
    if query:
        statement = statement.where(sa.or_(
            sa.func.lower(User.email).contains(query, autoescape=True),
            sa.func.lower(User.name).contains(query, autoescape=True),
        ))
    rows = [tuple(row) for row in session.execute(statement)]
    return Found(accounts=rows[:page_size], page=page, has_next=len(rows) > page_size)
