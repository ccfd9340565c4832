"""Billing end to end, through Stripe's real client against a local stand-in for its API and its recorded
webhooks, delivered out of order and twice: a practice subscribes, a payment fails (past due, a banner),
the grace period passes (suspended: the booking site's 503, a read-only dashboard), and paying again makes
it active again; an older event arriving late never moves it backwards."""
from datetime import timedelta

import pytest
import stripe
from sqlalchemy import func, select

from app.core import clock as app_clock
from app.core.database import db
from app.core.tenancy import all_tenants
from app.modules.audit.models import AuditEvent
from app.modules.billing.models import Invoice, Payment, Plan, WebhookEvent
from app.modules.billing.trials import start_trial
from app.modules.tenants.models import Tenant
from tests.support import factories
from tests.support import stripe as fake
from tests.support.clients import PLATFORM_HOST, host_of
from tests.support.pages import html, text
from tests.support.practice import build_practice


@pytest.fixture
def stripe_api(app, monkeypatch):
    """Stripe's keys set, and its API answered on 127.0.0.1: nothing leaves the machine."""
    with fake.FakeStripe() as server:
        monkeypatch.setattr(stripe, "api_base", server.url)
        monkeypatch.setattr(stripe, "max_network_retries", 0)
        app.config.update(STRIPE_SECRET_KEY=fake.SECRET_KEY, STRIPE_WEBHOOK_SECRET=fake.WEBHOOK_SECRET)
        yield server


@pytest.fixture
def acme(app):
    practice = build_practice("acme", name="Acme Dental")
    tenant = practice["tenant"]
    with all_tenants():
        tenant.status = "trialing"  # as sign-up leaves it
        start_trial(db.session, tenant, now=app_clock.now())
        practice["pro"] = Plan(code="pro", name="Pro", price=4900, currency="EUR", interval="month",
                               stripe_price_id="price_1SzProMonthly")
        db.session.add(practice["pro"])
    db.session.commit()
    return practice


def standing(practice) -> str:
    with all_tenants():
        db.session.expire_all()
        return db.session.get(Tenant, practice["tenant"].id).status


def count(model, *where) -> int:
    with all_tenants():
        db.session.expire_all()
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_subscribe_fail_suspend_and_pay_again(acme, stripe_api, visitor, runner, clock):
    tenant, pro = acme["tenant"], acme["pro"]
    owner = visitor(host_of(tenant))
    assert owner.sign_in(acme["owner"].email, factories.PASSWORD).status_code == 303
    platform = visitor(PLATFORM_HOST)

    def deliver(name, **changes):
        answer = fake.deliver(platform, fake.event(name, tenant=tenant, plan=pro, **changes))
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.get_json()

    # The billing page offers the Stripe plans; its forms may end on Stripe's hosts.
    page = owner.get("/dashboard/billing")
    assert "https://checkout.stripe.com" in page.headers["Content-Security-Policy"]
    assert "Starter" in text(html(page)) and '<option value="%d">Pro</option>' % pro.id in html(page)

    # Subscribe: a real Checkout session, created through the stripe library, and a 303 to it.
    went = owner.post("/dashboard/billing/subscribe", {"plan_id": pro.id})
    assert went.status_code == 303 and went.headers["Location"] == fake.CHECKOUT_URL
    path, form, authorization = stripe_api.requests[-1]
    assert path == "/v1/checkout/sessions" and authorization == f"Bearer {fake.SECRET_KEY}"
    assert form["mode"] == "subscription" and form["line_items[0][price]"] == "price_1SzProMonthly"
    assert form["client_reference_id"] == str(tenant.id) and form["subscription_data[metadata][tenant_id]"] == str(tenant.id)
    assert form["success_url"].startswith(f"http://{host_of(tenant)}/dashboard/billing")
    assert count(AuditEvent, AuditEvent.action == "billing.checkout_started", AuditEvent.tenant_id == tenant.id) == 1

    # Stripe's events, out of order: the invoice is paid before the checkout says who the customer is.
    assert deliver("invoice.paid") == {"received": True, "repeat": False}
    assert standing(acme) == "active"
    deliver("checkout.session.completed")
    assert deliver("invoice.paid") == {"received": True, "repeat": True}  # again: one payment, not two
    assert count(Payment, Payment.status == "succeeded") == 1
    page = text(html(owner.get("/dashboard/billing")))
    assert "Pro, €49.00 a month" in page
    assert "SLOTY-0001" in page and "paid" in page
    assert 'href="https://invoice.stripe.com/i/acct_1SzSloty/' in html(owner.get("/dashboard/billing"))

    # A payment fails; the subscription's update (newer) comes before the failure (older).
    deliver("customer.subscription.updated")
    deliver("invoice.payment_failed")
    deliver("invoice.payment_failed")
    assert standing(acme) == "past_due"
    assert count(Payment, Payment.status == "failed") == 1
    dashboard = text(html(owner.get("/dashboard/")))
    assert "Payment for Acme Dental's plan is past due" in dashboard
    assert visitor(host_of(tenant)).get("/").status_code == 200  # still taking bookings
    assert "SLOTY-0002" in text(html(owner.get("/dashboard/billing")))

    # Within the grace period (7 days by default) the cron command leaves it; after it, it suspends.
    clock.shift(timedelta(days=6, hours=23))
    assert "0 practice(s) suspended." in runner.invoke(args=["sloty", "dunning"]).output
    assert standing(acme) == "past_due"
    clock.shift(timedelta(hours=2))
    assert "1 practice(s) suspended: acme" in runner.invoke(args=["sloty", "dunning"]).output
    assert standing(acme) == "suspended"
    closed = visitor(host_of(tenant)).get("/")
    assert closed.status_code == 503 and "temporarily unavailable" in text(html(closed))
    assert "Acme Dental is suspended" in text(html(owner.get("/dashboard/")))
    refused = owner.post("/dashboard/locations/new", {"name": "Annex", "address": "", "timezone": "Europe/London"})
    assert refused.status_code == 403

    # Suspended, the owner can still reach the Customer Portal to fix the card.
    portal = owner.post("/dashboard/billing/manage")
    assert portal.status_code == 303 and portal.headers["Location"] == fake.PORTAL_URL
    assert stripe_api.requests[-1][1] == {"customer": "cus_SzAcmeDental01",
                                           "return_url": f"http://{host_of(tenant)}/dashboard/billing"}

    # Paying again makes it active; a late copy of the older failure (a new event id) changes nothing.
    deliver("invoice.paid.retried")
    assert standing(acme) == "active"
    deliver("invoice.payment_failed", id="evt_1SzInvoiceFailedLate0009")
    assert standing(acme) == "active"
    assert visitor(host_of(tenant)).get("/").status_code == 200
    assert 'id="status-banner"' not in html(owner.get("/dashboard/"))
    with all_tenants():
        invoices = {i.number: i.status for i in db.session.scalars(select(Invoice).where(Invoice.tenant_id == tenant.id))}
        outcomes = [e.outcome for e in db.session.scalars(select(WebhookEvent).order_by(WebhookEvent.id))]
        moves = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "tenant.status_changed")
                                   .order_by(AuditEvent.id)).all()
    assert invoices == {"SLOTY-0001": "paid", "SLOTY-0002": "paid"}
    # Older than what the standing already reflected: the checkout (after its invoice), the failure (after the
    # subscription's update) and the late copy of it. Their records were kept; the standing did not move.
    assert outcomes == ["applied", "stale", "applied", "stale", "applied", "stale"]
    assert [(m["before"], m["after"]) for m in moves] == [
        ("trialing", "active"), ("active", "past_due"), ("past_due", "suspended"), ("suspended", "active")]


def test_the_backoffice_shows_the_practices_stripe_customer_and_invoices(acme, stripe_api, visitor, superadmin):
    platform = visitor(PLATFORM_HOST)
    for name in ("checkout.session.completed", "invoice.paid"):
        assert fake.deliver(platform, fake.event(name, tenant=acme["tenant"], plan=acme["pro"])).status_code == 200
    page = html(superadmin.get(f"/backoffice/tenants/{acme['tenant'].id}"))
    assert "customer cus_SzAcmeDental01, subscription sub_1SzAcmeDental01" in text(page)
    assert '<a href="https://invoice.stripe.com/i/acct_1SzSloty/' in page and "SLOTY-0001" in page
