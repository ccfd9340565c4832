"""How billing moves a practice's standing: paid makes it active, unpaid makes it past due, through the
audited moves of ``tenants.status``; and the local records of what the provider invoiced and collected."""
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.modules.billing.models import Invoice, Payment, Plan, Subscription
from app.modules.tenants import status
from app.modules.tenants.models import Tenant

# Invoice statuses only move forward: a late "open" never reopens a paid invoice.
INVOICE_ORDER = {"draft": 0, "open": 1, "paid": 2, "void": 2}


def paid(session: Session, tenant: Tenant, *, now: datetime, reason: str) -> bool:
    """The practice has paid: a trial becomes active, a past due or suspended practice active again.
    A cancelled practice is the operator's to reopen. Whether its status changed."""
    if tenant.status == "trialing":
        status.activate(session, tenant, now=now, actor=None, reason=reason)
    elif tenant.status in ("past_due", "suspended"):
        status.reactivate(session, tenant, now=now, actor=None, reason=reason)
    else:
        return False
    return True


def unpaid(session: Session, tenant: Tenant, *, now: datetime, reason: str) -> bool:
    """A payment failed: the practice is past due (its grace period starts now, ``dunning.py``)."""
    if tenant.status in ("trialing", "active"):
        status.mark_past_due(session, tenant, now=now, actor=None, reason=reason)
        return True
    return False


def subscribe_locally(session: Session, tenant: Tenant, plan: Plan, *, now: datetime) -> Subscription:
    """The practice's subscription moved to ``plan`` and active for one period from ``now`` (its latest row
    is reused: the plan's limits follow the latest subscription)."""
    subscription = session.scalar(sa.select(Subscription).where(Subscription.tenant_id == tenant.id)
                                  .order_by(Subscription.id.desc()).limit(1))
    end = now + (timedelta(days=365) if plan.interval == "year" else timedelta(days=30))
    if subscription is None:
        subscription = Subscription(tenant_id=tenant.id, plan_id=plan.id, status="active",
                                    current_period_start=now, current_period_end=end)
        session.add(subscription)
    else:
        subscription.plan_id, subscription.status = plan.id, "active"
        subscription.current_period_start, subscription.current_period_end = now, end
        subscription.cancelled_at = None
    session.flush()
    return subscription


def record_invoice(session: Session, subscription: Subscription, *, reference: str, number: str, amount: int,
                   currency: str, invoice_status: str, issued_at: datetime | None, due_at: datetime | None,
                   period_start: datetime | None, period_end: datetime | None, hosted_invoice_url: str | None,
                   paid_at: datetime | None) -> Invoice:
    """Insert or update the invoice known by the provider's ``reference``; its status never moves back."""
    invoice = session.scalar(sa.select(Invoice).where(Invoice.provider_reference == reference))
    if invoice is None:
        invoice = Invoice(tenant_id=subscription.tenant_id, subscription_id=subscription.id, provider_reference=reference,
                          status=invoice_status)
        session.add(invoice)
    elif INVOICE_ORDER[invoice_status] < INVOICE_ORDER[invoice.status]:
        invoice_status = invoice.status
    invoice.number, invoice.amount, invoice.currency, invoice.status = number, amount, currency.upper(), invoice_status
    invoice.issued_at, invoice.due_at = issued_at or invoice.issued_at, due_at or invoice.due_at
    invoice.period_start, invoice.period_end = period_start or invoice.period_start, period_end or invoice.period_end
    invoice.hosted_invoice_url = hosted_invoice_url or invoice.hosted_invoice_url
    invoice.paid_at = paid_at or invoice.paid_at
    session.flush()
    return invoice


def record_payment(session: Session, invoice: Invoice, *, amount: int, payment_status: str, reference: str | None,
                   now: datetime) -> Payment | None:
    """One attempt to collect ``invoice`` (none for a free invoice: a payment is never of 0)."""
    if amount <= 0:
        return None
    payment = Payment(tenant_id=invoice.tenant_id, invoice_id=invoice.id, amount=amount, status=payment_status,
                      provider_reference=reference, paid_at=now if payment_status == "succeeded" else None)
    session.add(payment)
    session.flush()
    return payment


def next_local_number(session: Session, tenant: Tenant) -> str:
    count = session.scalar(sa.select(sa.func.count()).select_from(Invoice).where(Invoice.tenant_id == tenant.id))
    return f"LOCAL-{tenant.id}-{count + 1:04d}"
