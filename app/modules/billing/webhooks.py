"""The payment provider's events: verified by their signature, stored once by id, then handled (by a job)
in any order: each practice's subscription remembers the newest event that moved its standing, and an
older one arriving late is recorded without moving the practice backwards."""
import hashlib
import hmac
import json
import logging
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy import event as orm_event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.core.tenancy import tenant_context
from app.modules import audit
from app.modules.billing import limits, standing
from app.modules.billing.models import Invoice, Plan, Subscription, WebhookEvent
from app.modules.tenants.models import Tenant

log = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300  # Stripe's own default: a signature older than five minutes is refused
PENDING = "sloty_billing_events_pending"
COMMITTED = "sloty_billing_events_committed"
# Stripe's subscription statuses, as ours (None: says nothing we keep, e.g. still incomplete).
SUBSCRIPTION_STATUS = {"trialing": "trialing", "active": "active", "past_due": "past_due", "unpaid": "past_due",
                       "canceled": "cancelled", "incomplete_expired": "cancelled", "paused": "past_due"}
INVOICE_STATUS = {"draft": "draft", "open": "open", "paid": "paid", "void": "void", "uncollectible": "open"}


class BadSignature(Exception):
    """The request is not an event the provider signed with our endpoint secret, or it is too old."""


def verify(payload: bytes, header: str, secret: str, *, now: datetime, tolerance: int = TOLERANCE_SECONDS) -> dict:
    """The event in ``payload``, if ``header`` (``t=<ts>,v1=<hex>[,v1=…]``) signs it with ``secret``:
    HMAC-SHA256 of ``"<ts>.<payload>"``, as Stripe computes it, within ``tolerance`` seconds of ``now``."""
    parts = [item.split("=", 1) for item in (header or "").split(",") if "=" in item]
    timestamps = [value for key, value in parts if key.strip() == "t"]
    signatures = [value.strip() for key, value in parts if key.strip() == "v1"]
    if len(timestamps) != 1 or not timestamps[0].strip().isdigit() or not signatures:
        raise BadSignature("The Stripe-Signature header is missing or malformed.")
    timestamp = int(timestamps[0])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, signature) for signature in signatures):
        raise BadSignature("No signature matches the payload.")
    if timestamp < now.timestamp() - tolerance:
        raise BadSignature("The signature's timestamp is outside the tolerance.")
    try:
        event = json.loads(payload)
    except ValueError as error:
        raise BadSignature("The payload is not JSON.") from error
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        raise BadSignature("The payload is not an event.")
    return event


def store(session: Session, event: dict, *, provider: str, now: datetime) -> WebhookEvent | None:
    """Keep a verified event for handling after the commit; None when its id was stored before (a repeat)."""
    known = sa.select(WebhookEvent.id).where(WebhookEvent.provider == provider, WebhookEvent.event_id == event["id"])
    if session.scalar(known) is not None:
        return None
    row = WebhookEvent(provider=provider, event_id=event["id"][:100], type=event["type"][:100],
                       occurred_at=_time(event.get("created")) or now, received_at=now, payload=event)
    try:
        with session.begin_nested():  # the same event delivered twice at once: one insert wins
            session.add(row)
    except IntegrityError:
        return None
    audit.record(session, "billing.event_received", row, actor=None, after={"event_id": row.event_id, "type": row.type})
    session.info.setdefault(PENDING, []).append(row)
    return row


@orm_event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if pending := session.info.pop(PENDING, None):
        session.info.setdefault(COMMITTED, []).extend(pending)


@orm_event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(PENDING, None)


def take_committed(session: Session) -> list[int]:
    """Ids of the events this session's commits stored, forgetting them."""
    ready = []
    for row in session.info.pop(COMMITTED, []):
        identity = sa.inspect(row).identity
        if identity is not None:
            ready.append(identity[0])
    return ready


def unhandled(session: Session, *, before: datetime) -> list[int]:
    """Events received before ``before`` and never handled (Redis was down, or handling failed): for the sweep."""
    return session.scalars(sa.select(WebhookEvent.id).where(WebhookEvent.processed_at.is_(None),
                                                            WebhookEvent.received_at < before)
                           .order_by(WebhookEvent.occurred_at, WebhookEvent.id)).all()


def handle(session: Session, event_id: int, *, now: datetime) -> str | None:
    """Handle a stored event once (the row is locked; a handled one is left alone). Its outcome."""
    row = session.scalar(sa.select(WebhookEvent).where(WebhookEvent.id == event_id).with_for_update())
    if row is None or row.processed_at is not None:
        return row.outcome if row is not None else None
    handler = HANDLERS.get(row.type)
    obj = (row.payload.get("data") or {}).get("object") or {}
    try:
        with session.begin_nested():
            outcome = handler(session, obj, occurred_at=row.occurred_at, now=now) if handler else "ignored"
    except DomainError as error:  # e.g. the practice was deactivated: recorded, never retried
        outcome, row.error = "refused", str(error)[:500]
    row.processed_at, row.outcome = now, outcome
    session.flush()
    log.info("billing event %s (%s): %s", row.event_id, row.type, outcome)
    return outcome


def last_of_each_type(session: Session) -> list[tuple[str, datetime]]:
    """The last event received of each type, for the health page (one grouped statement)."""
    return [tuple(row) for row in session.execute(
        sa.select(WebhookEvent.type, sa.func.max(WebhookEvent.received_at)).group_by(WebhookEvent.type)
        .order_by(WebhookEvent.type))]


# --- reading Stripe's objects ---------------------------------------------------------------------

def _time(value) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=timezone.utc) if isinstance(value, (int, float)) else None


def _metadata(obj: dict) -> dict:
    """The metadata that names the practice: the object's own, or (an invoice) its subscription's snapshot."""
    details = ((obj.get("parent") or {}).get("subscription_details") or {})
    return {**(details.get("metadata") or {}), **(obj.get("metadata") or {})}


def _tenant_id(obj: dict) -> int | None:
    value = _metadata(obj).get("tenant_id") or obj.get("client_reference_id")
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _subscription_of(session: Session, obj: dict) -> tuple[Tenant, Subscription | None] | None:
    """The practice an object is about, by its metadata or its customer, and its latest subscription."""
    tenant_id = _tenant_id(obj)
    if tenant_id is None and isinstance(obj.get("customer"), str):
        tenant_id = session.scalar(sa.select(Subscription.tenant_id).where(
            Subscription.provider_customer_id == obj["customer"]).order_by(Subscription.id.desc()).limit(1))
    tenant = session.get(Tenant, tenant_id) if tenant_id is not None else None
    if tenant is None:
        return None
    return tenant, limits.subscription_of(session, tenant.id)


def _newer(subscription: Subscription, occurred_at: datetime) -> bool:
    """Whether an event of ``occurred_at`` may move the standing; if so it becomes the newest."""
    if subscription.standing_event_at is not None and occurred_at < subscription.standing_event_at:
        return False
    subscription.standing_event_at = occurred_at
    return True


def _link(subscription: Subscription, obj: dict, *, subscription_id: str | None) -> None:
    if isinstance(obj.get("customer"), str):
        subscription.provider_customer_id = obj["customer"]
    if subscription_id:
        subscription.provider_subscription_id = subscription_id


# --- the handlers: each returns its outcome -------------------------------------------------------

def _checkout_completed(session: Session, obj: dict, *, occurred_at: datetime, now: datetime) -> str:
    found = _subscription_of(session, obj)
    if found is None or obj.get("mode") != "subscription":
        return "ignored"
    tenant, subscription = found
    with tenant_context(tenant):
        plan_id = _metadata(obj).get("plan_id")
        plan = session.get(Plan, int(plan_id)) if isinstance(plan_id, str) and plan_id.isdigit() else None
        if subscription is None and plan is None:
            return "ignored"
        # The plan bought is the plan, whatever order the events come in: a purchase is never stale.
        if subscription is None:
            subscription = standing.subscribe_locally(session, tenant, plan, now=now)
        elif plan is not None:
            subscription.plan_id = plan.id
        _link(subscription, obj, subscription_id=obj.get("subscription") if isinstance(obj.get("subscription"), str) else None)
        if not _newer(subscription, occurred_at):
            session.flush()
            return "stale"
        if obj.get("payment_status") in ("paid", "no_payment_required"):
            subscription.status = "active"
            standing.paid(session, tenant, now=now, reason="Subscribed through Stripe Checkout.")
        session.flush()
    return "applied"


def _subscription_changed(session: Session, obj: dict, *, occurred_at: datetime, now: datetime) -> str:
    found = _subscription_of(session, obj)
    if found is None or found[1] is None:
        return "ignored"
    tenant, subscription = found
    with tenant_context(tenant):
        _link(subscription, obj, subscription_id=obj.get("id"))
        if not _newer(subscription, occurred_at):
            session.flush()
            return "stale"
        items = ((obj.get("items") or {}).get("data") or [{}])
        start = _time(items[0].get("current_period_start")) or _time(obj.get("current_period_start"))
        end = _time(items[0].get("current_period_end")) or _time(obj.get("current_period_end"))
        if start and end:
            subscription.current_period_start, subscription.current_period_end = start, end
        ours = SUBSCRIPTION_STATUS.get(obj.get("status"))
        if ours is not None:
            subscription.status = ours
        # Stripe's own status feeds the practice's standing (the newest event decides).
        if ours == "active":
            standing.paid(session, tenant, now=now, reason="The subscription is active with the payment provider.")
        elif ours == "past_due":
            standing.unpaid(session, tenant, now=now, reason="The subscription is past due with the payment provider.")
        elif ours == "cancelled":
            subscription.cancelled_at = _time(obj.get("ended_at")) or _time(obj.get("canceled_at")) or now
            # No further invoice will come: the practice is past due, and dunning suspends it after the grace.
            standing.unpaid(session, tenant, now=now, reason="The subscription was cancelled with the payment provider.")
        session.flush()
    return "applied"


def _invoice(session: Session, subscription: Subscription, obj: dict) -> Invoice:
    lines = ((obj.get("lines") or {}).get("data") or [])
    period = (lines[0].get("period") or {}) if lines else {}
    transitions = obj.get("status_transitions") or {}
    return standing.record_invoice(
        session, subscription, reference=obj["id"], number=(obj.get("number") or obj["id"])[:32],
        amount=int(obj.get("amount_due") or 0), currency=obj.get("currency") or "eur",
        invoice_status=INVOICE_STATUS.get(obj.get("status"), "open"),
        issued_at=_time(transitions.get("finalized_at")) or _time(obj.get("created")), due_at=_time(obj.get("due_date")),
        period_start=_time(period.get("start")) or _time(obj.get("period_start")),
        period_end=_time(period.get("end")) or _time(obj.get("period_end")),
        hosted_invoice_url=obj.get("hosted_invoice_url"), paid_at=_time(transitions.get("paid_at")),
    )


def _plan_invoiced(session: Session, obj: dict) -> Plan | None:
    """The plan whose Stripe price the invoice's first line bills (``pricing.price_details`` from API
    version 2025-03-31 on, ``price`` before)."""
    lines = ((obj.get("lines") or {}).get("data") or [])
    if not lines:
        return None
    price = ((lines[0].get("pricing") or {}).get("price_details") or {}).get("price") or (lines[0].get("price") or {}).get("id")
    if not isinstance(price, str):
        return None
    return session.scalar(sa.select(Plan).where(Plan.stripe_price_id == price))


def _payment_reference(obj: dict) -> str | None:
    """The payment's reference: the PaymentIntent of the invoice's payment (the ``payments`` list of API
    versions from 2025 on), else the older ``payment_intent`` or ``charge`` fields."""
    for payment in ((obj.get("payments") or {}).get("data") or []):
        inner = payment.get("payment") or {}
        if reference := inner.get("payment_intent") or inner.get("charge"):
            return reference if isinstance(reference, str) else reference.get("id")
    reference = obj.get("payment_intent") or obj.get("charge")
    return reference if isinstance(reference, str) else None


def _invoice_paid(session: Session, obj: dict, *, occurred_at: datetime, now: datetime) -> str:
    found = _subscription_of(session, obj)
    if found is None or found[1] is None or not isinstance(obj.get("id"), str):
        return "ignored"
    tenant, subscription = found
    with tenant_context(tenant):
        _link(subscription, obj, subscription_id=None)
        invoice = _invoice(session, subscription, obj)
        standing.record_payment(session, invoice, amount=int(obj.get("amount_paid") or 0), payment_status="succeeded",
                                reference=_payment_reference(obj), now=_time((obj.get("status_transitions") or {})
                                                                             .get("paid_at")) or now)
        if not _newer(subscription, occurred_at):
            return "stale"
        if (plan := _plan_invoiced(session, obj)) is not None:
            subscription.plan_id = plan.id
        subscription.status = "active"
        standing.paid(session, tenant, now=now, reason=f"Invoice {invoice.number} is paid.")
        session.flush()
    return "applied"


def _invoice_failed(session: Session, obj: dict, *, occurred_at: datetime, now: datetime) -> str:
    found = _subscription_of(session, obj)
    if found is None or found[1] is None or not isinstance(obj.get("id"), str):
        return "ignored"
    tenant, subscription = found
    with tenant_context(tenant):
        _link(subscription, obj, subscription_id=None)
        invoice = _invoice(session, subscription, obj)
        standing.record_payment(session, invoice, amount=int(obj.get("amount_due") or 0), payment_status="failed",
                                reference=_payment_reference(obj), now=now)
        # A failure older than the newest standing event, or of an invoice since paid, changes nothing.
        if invoice.status == "paid" or not _newer(subscription, occurred_at):
            session.flush()
            return "stale"
        subscription.status = "past_due"
        standing.unpaid(session, tenant, now=now, reason=f"The payment of invoice {invoice.number} failed.")
        session.flush()
    return "applied"


HANDLERS = {
    "checkout.session.completed": _checkout_completed,
    "customer.subscription.created": _subscription_changed,
    "customer.subscription.updated": _subscription_changed,
    "customer.subscription.deleted": _subscription_changed,
    "invoice.paid": _invoice_paid,
    "invoice.payment_failed": _invoice_failed,
}
