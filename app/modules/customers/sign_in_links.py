"""Customers signing in by emailed link: single-use, valid for 15 minutes, stored only as a hash."""
import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.modules import notifications
from app.modules.customers.directory import customer_by_email
from app.modules.customers.models import Customer, CustomerSignInToken

LINK_LIFETIME = timedelta(minutes=15)
LINKS_PER_LIFETIME = 3  # a customer asking again and again gets no more mail than this


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_link(session: Session, email: str, *, now: datetime, link_for: Callable[[str], str]) -> None:
    """Email the active customer with ``email`` a fresh sign-in link (``link_for(token)``), through
    the outbox, at most LINKS_PER_LIFETIME in LINK_LIFETIME. An unknown address gets nothing, and
    the caller cannot tell the difference."""
    customer = customer_by_email(session, email, active_only=True)
    if customer is None or _recent_links(session, customer, now=now) >= LINKS_PER_LIFETIME:
        return
    token = secrets.token_urlsafe(32)
    session.add(CustomerSignInToken(
        tenant_id=customer.tenant_id, customer_id=customer.id, token_hash=_digest(token), expires_at=now + LINK_LIFETIME,
    ))
    notifications.queue(
        session, now=now, tenant_id=customer.tenant_id, kind="magic_link", recipient=customer.email, link=link_for(token)
    )


def _recent_links(session: Session, customer: Customer, *, now: datetime) -> int:
    return session.scalar(
        sa.select(sa.func.count()).select_from(CustomerSignInToken).where(
            CustomerSignInToken.customer_id == customer.id, CustomerSignInToken.created_at > now - LINK_LIFETIME,
        )
    )


def _usable(token: str, now: datetime):
    return sa.and_(
        CustomerSignInToken.token_hash == _digest(token),
        CustomerSignInToken.used_at.is_(None),
        CustomerSignInToken.expires_at > now,
    )


def is_valid(session: Session, token: str, *, now: datetime) -> bool:
    """Whether the token could still sign someone in (without spending it)."""
    if not token or len(token) > 100:
        return False
    return session.scalar(sa.select(CustomerSignInToken.id).where(_usable(token, now))) is not None


def redeem(session: Session, token: str, *, now: datetime) -> Customer | None:
    """The customer a valid, unused token belongs to; the token is spent atomically."""
    if not token or len(token) > 100:
        return None
    customer_id = session.execute(
        sa.update(CustomerSignInToken)
        .where(_usable(token, now))
        .values(used_at=now)
        .returning(CustomerSignInToken.customer_id)
    ).scalar()
    if customer_id is None:
        return None
    return session.scalar(sa.select(Customer).where(Customer.id == customer_id, Customer.active))
