"""Finding likely duplicate customers: active customers sharing an email (whatever its case), a phone,
or a name and a phone, worked out in SQL in two statements however many customers there are."""
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.modules.appointments.models import AppointmentParticipant
from app.modules.customers.models import Customer

# Strongest first: the order groups are listed in, and the label each reason is shown with.
REASONS = {
    "email": "Same email (ignoring capitals)",
    "name_phone": "Same name and phone",
    "phone": "Same phone",
}
MAX_ROWS = 1000  # a practice with more matches than this works through them a page at a time


@dataclass(frozen=True)
class DuplicateGroup:
    """Customers that look like one person, oldest record first, and why they do."""

    customers: tuple[Customer, ...]
    reasons: tuple[str, ...]  # keys of REASONS

    @property
    def labels(self) -> list[str]:
        return [REASONS[reason] for reason in self.reasons]

    @property
    def kept(self) -> Customer:
        """The record offered as the one to keep: the oldest."""
        return self.customers[0]


def mergeable(customer: Customer) -> bool:
    """A customer still in use: neither merged into another, nor erased, nor deactivated."""
    return customer.active and customer.merged_into_id is None and customer.erased_at is None


def _in_use():
    return sa.and_(Customer.active, Customer.merged_into_id.is_(None), Customer.erased_at.is_(None))


def _normalised_name():
    # Lower case, without spaces: "Anna  Smith" and "anna smith" are one name.
    return sa.func.replace(sa.func.lower(sa.func.trim(Customer.name)), " ", "")


def _keyed():
    """(customer_id, reason, key) for each way a customer can match another."""
    has_phone = sa.and_(Customer.phone.is_not(None), Customer.phone != "")
    return sa.union_all(
        sa.select(Customer.id.label("customer_id"), sa.literal("email").label("reason"),
                  sa.func.lower(Customer.email).label("key")).where(_in_use()),
        sa.select(Customer.id, sa.literal("phone"), Customer.phone).where(_in_use(), has_phone),
        sa.select(Customer.id, sa.literal("name_phone"), _normalised_name() + "|" + Customer.phone)
        .where(_in_use(), has_phone),
    ).subquery("keyed")


def likely_duplicates(session: Session, *, only_for: Customer | None = None) -> list[DuplicateGroup]:
    """The groups of active customers that share a key, strongest reason first; ``only_for``: the
    groups that customer is in."""
    keyed = _keyed()
    counted = sa.select(
        keyed.c.customer_id, keyed.c.reason, keyed.c.key,
        sa.func.count().over(partition_by=(keyed.c.reason, keyed.c.key)).label("matches"),
    ).subquery("counted")
    query = (
        sa.select(counted.c.reason, counted.c.key, Customer)
        .join(Customer, Customer.id == counted.c.customer_id)
        .where(counted.c.matches > 1)
        .order_by(counted.c.reason, counted.c.key, Customer.created_at, Customer.id)
        .limit(MAX_ROWS)
    )
    if only_for is not None:
        mine = sa.select(keyed.c.reason, keyed.c.key).where(keyed.c.customer_id == only_for.id)
        query = query.where(sa.tuple_(counted.c.reason, counted.c.key).in_(mine))
    return _grouped(session.execute(query).all())


def _grouped(rows) -> list[DuplicateGroup]:
    by_key: dict[tuple[str, str], list[Customer]] = {}
    for reason, key, customer in rows:
        by_key.setdefault((reason, key), []).append(customer)
    # One group per set of customers, with every reason they match for; "same name and phone" says
    # more than "same phone", so a group that has both shows only the first.
    by_members: dict[tuple[int, ...], tuple[list[Customer], set[str]]] = {}
    for (reason, _), customers in by_key.items():
        members = tuple(c.id for c in customers)
        by_members.setdefault(members, (customers, set()))[1].add(reason)
    groups = []
    for customers, reasons in by_members.values():
        if "name_phone" in reasons:
            reasons.discard("phone")
        groups.append(DuplicateGroup(tuple(customers), tuple(r for r in REASONS if r in reasons)))
    order = list(REASONS)
    return sorted(groups, key=lambda g: (order.index(g.reasons[0]), g.kept.name.lower(), g.kept.id))


def booking_counts(session: Session, customers) -> dict[int, int]:
    """How many bookings each of ``customers`` has, in one statement."""
    ids = [c.id for c in customers]
    if not ids:
        return {}
    rows = session.execute(
        sa.select(AppointmentParticipant.customer_id, sa.func.count())
        .where(AppointmentParticipant.customer_id.in_(ids))
        .group_by(AppointmentParticipant.customer_id)
    ).all()
    return dict(rows)
