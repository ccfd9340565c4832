"""The customer directory: the practice's active customers a page at a time, by name or newest first,
optionally narrowed by a search. Keyset pages (the next page starts after the last key), never OFFSET,
so page 200 costs what page 1 does, and one statement a page."""
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.modules.customers.models import Customer
from app.modules.customers.search import matching, seen_by

PAGE_SIZE = 25
SORTS = ("name", "newest")


@dataclass(frozen=True)
class After:
    """The last key of the page before: the (name, id) it ended on by name, the id by newest."""

    id: int
    name: str | None = None


@dataclass(frozen=True)
class Page:
    customers: list[Customer]
    next: After | None  # None on the last page


def page(
    session: Session, *, q: str = "", sort: str = "name", after: After | None = None, phone_region: str | None = None,
    provider_user_id: int | None = None, size: int = PAGE_SIZE,
) -> Page:
    """One page of active customers matching ``q`` (all of them when it is blank or too short), in ``sort``
    order, starting after ``after``. With ``provider_user_id``, only the customers that provider has seen."""
    query = sa.select(Customer).where(Customer.active)
    condition = matching(q, phone_region=phone_region)
    if condition is not None:
        query = query.where(condition)
    if provider_user_id is not None:
        query = query.where(seen_by(provider_user_id))
    if sort == "newest":
        # Ids grow with creation: newest first is id descending, served by (tenant_id, id).
        if after is not None:
            query = query.where(Customer.id < after.id)
        query = query.order_by(Customer.id.desc())
    else:
        if after is not None:
            query = query.where(sa.tuple_(Customer.name, Customer.id) > sa.tuple_(sa.literal(after.name or ""), after.id))
        query = query.order_by(Customer.name, Customer.id)
    # One more than a page tells whether there is a next one, without counting.
    found = list(session.scalars(query.limit(size + 1)))
    shown = found[:size]
    last = shown[-1] if len(found) > size else None
    return Page(shown, After(last.id, last.name if sort != "newest" else None) if last else None)
