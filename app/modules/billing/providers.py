"""The payment provider behind subscribing and managing billing: Stripe (Checkout and the Customer
Portal, through the official library) when its keys are set, else a console backend that logs and
simulates, so that a laptop with nothing configured can still subscribe."""
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import stripe
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules import audit
from app.modules.billing import limits, standing
from app.modules.billing.models import Plan
from app.modules.tenants.models import Tenant

log = logging.getLogger(__name__)


class ProviderError(DomainError):
    """The payment provider refused or could not be reached; nothing was changed here."""


@dataclass(frozen=True)
class Return:
    """Where the provider sends the owner back: after paying, after giving up, and from the portal."""

    success_url: str
    cancel_url: str


class PaymentProvider(Protocol):
    name: str

    def start_checkout(self, session: Session, tenant: Tenant, plan: Plan, *, now: datetime, actor,
                       back: Return) -> str:
        """The URL where the owner pays for ``plan``."""

    def portal_url(self, session: Session, tenant: Tenant, *, return_url: str) -> str:
        """The URL where the owner manages cards, invoices and cancellation."""


class StripeProvider:
    name = "stripe"

    def __init__(self, secret_key: str):
        self.secret_key = secret_key

    def start_checkout(self, session, tenant, plan, *, now, actor, back: Return) -> str:
        if not plan.stripe_price_id:
            raise ProviderError(f"The {plan.name} plan cannot be bought online yet.", field="plan_id")
        subscription = limits.subscription_of(session, tenant.id)
        # The practice and plan travel with the session and its subscription, so that every later event
        # names its practice even when it arrives before the one that says who the customer is.
        metadata = {"tenant_id": str(tenant.id), "plan_id": str(plan.id)}
        params = {"mode": "subscription", "line_items": [{"price": plan.stripe_price_id, "quantity": 1}],
                  "success_url": back.success_url, "cancel_url": back.cancel_url,
                  "client_reference_id": str(tenant.id), "metadata": metadata,
                  "subscription_data": {"metadata": metadata}}
        if subscription is not None and subscription.provider_customer_id:
            params["customer"] = subscription.provider_customer_id
        elif getattr(actor, "email", None):
            params["customer_email"] = actor.email
        try:
            checkout = stripe.checkout.Session.create(api_key=self.secret_key, **params)
        except stripe.StripeError as error:
            log.warning("Stripe refused a Checkout session for tenant %s: %s", tenant.id, error)
            raise ProviderError("The payment provider could not start the payment. Nothing was charged; "
                                "try again in a moment.", field="plan_id") from error
        return checkout.url

    def portal_url(self, session, tenant, *, return_url) -> str:
        subscription = limits.subscription_of(session, tenant.id)
        if subscription is None or not subscription.provider_customer_id:
            raise ProviderError("Subscribe first: billing can be managed once a plan is paid for.")
        try:
            portal = stripe.billing_portal.Session.create(api_key=self.secret_key,
                                                          customer=subscription.provider_customer_id,
                                                          return_url=return_url)
        except stripe.StripeError as error:
            log.warning("Stripe refused a portal session for tenant %s: %s", tenant.id, error)
            raise ProviderError("The payment provider could not be reached. Try again in a moment.") from error
        return portal.url


class ConsoleProvider:
    """The embedded default: no money moves. Subscribing activates the plan at once, with a paid local
    invoice, and says so in the log; there is no portal to send anyone to."""

    name = "console"

    def start_checkout(self, session, tenant, plan, *, now, actor, back: Return) -> str:
        subscription = standing.subscribe_locally(session, tenant, plan, now=now)
        number = standing.next_local_number(session, tenant)
        invoice = standing.record_invoice(
            session, subscription, reference=f"local:{number}", number=number, amount=plan.price, currency=plan.currency,
            invoice_status="paid", issued_at=now, due_at=now, period_start=subscription.current_period_start,
            period_end=subscription.current_period_end, hosted_invoice_url=None, paid_at=now)
        standing.record_payment(session, invoice, amount=plan.price, payment_status="succeeded",
                                reference=f"console:{invoice.number}", now=now)
        standing.paid(session, tenant, now=now, reason=f"Subscribed to the {plan.name} plan (console billing).")
        audit.record(session, "billing.invoice_recorded", invoice, actor=actor, after={
            "number": invoice.number, "amount": invoice.amount, "status": invoice.status})
        log.info("console billing: %s subscribed to %s; invoice %s of %s %s marked paid, no money moved",
                 tenant.slug, plan.code, invoice.number, plan.price, plan.currency)
        return back.success_url

    def portal_url(self, session, tenant, *, return_url) -> str:
        log.info("console billing: %s asked for the billing portal; without Stripe there is none", tenant.slug)
        return return_url


def configured(config) -> PaymentProvider:
    """Stripe when ``STRIPE_SECRET_KEY`` is set, else the console backend."""
    if key := config.get("STRIPE_SECRET_KEY"):
        return StripeProvider(key)
    return ConsoleProvider()
