"""The owner's billing page: the plan, the next invoice and past invoices; Subscribe and Manage billing.
With no Stripe keys the console backend subscribes at once with a paid local invoice; with them, a
refusal from Stripe's API (a local stand-in here) is a 422 that changes nothing."""
from types import SimpleNamespace

import pytest
import stripe
from sqlalchemy import func, select

from app.core import clock as app_clock
from app.core.database import db
from app.core.tenancy import all_tenants
from app.modules.audit.models import AuditEvent
from app.modules.billing import dunning
from app.modules.billing import jobs as billing_jobs
from app.modules.billing.models import Invoice, Payment, Plan, Subscription
from app.modules.billing.trials import start_trial
from app.modules.platform import settings
from app.modules.tenants import status
from app.modules.tenants.models import Tenant
from tests.support import factories
from tests.support import stripe as fake
from tests.support.clients import host_of, signed_in
from tests.support.pages import html, text
from tests.support.practice import build_practice


@pytest.fixture
def acme(app):
    practice = build_practice("acme", name="Acme Dental")
    with all_tenants():
        practice["tenant"].status = "trialing"
        start_trial(db.session, practice["tenant"], now=app_clock.now())
        practice["team"] = Plan(code="team", name="Team", price=9900, currency="EUR", interval="month")
        db.session.add(practice["team"])
    db.session.commit()
    practice["tenant_id"] = practice["tenant"].id
    return practice


def owner_of(practice, visitor):
    owner = visitor(host_of(practice["tenant"]))
    assert owner.sign_in(practice["owner"].email, factories.PASSWORD).status_code == 303
    return owner


def count(model, *where) -> int:
    with all_tenants():
        db.session.expire_all()
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def status_of(practice) -> str:
    with all_tenants():
        db.session.expire_all()
        return db.session.get(Tenant, practice["tenant_id"]).status


def test_the_page_shows_the_plan_the_next_invoice_and_no_invoices_yet(acme, visitor):
    page = text(html(owner_of(acme, visitor).get("/dashboard/billing")))
    assert "Starter, €29.00 a month" in page and "trialing" in page
    with all_tenants():
        end = db.session.scalar(select(Subscription.current_period_end))
    assert f"Next invoice €29.00 on {end.strftime('%d %b %Y')}" in page
    assert "No invoices yet." in page
    assert "Payments are simulated on this installation" in page


def test_console_subscribing_activates_at_once_with_a_paid_local_invoice(acme, visitor):
    owner = owner_of(acme, visitor)
    went = owner.post("/dashboard/billing/subscribe", {"plan_id": acme["team"].id})
    assert went.status_code == 303 and went.headers["Location"].endswith("/dashboard/billing?paid=1")
    assert status_of(acme) == "active"
    with all_tenants():
        invoice = db.session.scalar(select(Invoice))
        payment = db.session.scalar(select(Payment))
        plan_code = db.session.scalar(select(Plan.code).join(Subscription, Subscription.plan_id == Plan.id))
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert plan_code == "team"
    assert (invoice.number, invoice.amount, invoice.status) == (f"LOCAL-{acme['tenant_id']}-0001", 9900, "paid")
    assert (payment.amount, payment.status) == (9900, "succeeded")
    assert actions[-3:] == ["tenant.status_changed", "billing.invoice_recorded", "billing.checkout_started"]
    page = text(html(owner.get(went.headers["Location"])))
    assert "Team, €99.00 a month" in page and f"LOCAL-{acme['tenant_id']}-0001" in page and "your payment is being confirmed" in page


def test_console_manage_billing_comes_back_to_the_page_and_is_audited(acme, visitor):
    owner = owner_of(acme, visitor)
    went = owner.post("/dashboard/billing/manage")
    assert went.status_code == 303 and went.headers["Location"] == f"http://{host_of(acme['tenant'])}/dashboard/billing"
    assert count(AuditEvent, AuditEvent.action == "billing.portal_opened") == 1


def test_an_unknown_plan_is_422_with_the_form_and_nothing_changes(acme, visitor):
    owner = owner_of(acme, visitor)
    audits = count(AuditEvent)
    refused = owner.post("/dashboard/billing/subscribe", {"plan_id": 999999})
    assert refused.status_code == 422 and 'id="subscribe-form"' in html(refused)
    assert "Not a valid choice" in text(html(refused))
    assert (count(Invoice), count(AuditEvent), status_of(acme)) == (0, audits, "trialing")


@pytest.fixture
def stripe_api(app, monkeypatch):
    with fake.FakeStripe() as server:
        monkeypatch.setattr(stripe, "api_base", server.url)
        monkeypatch.setattr(stripe, "max_network_retries", 0)
        app.config.update(STRIPE_SECRET_KEY=fake.SECRET_KEY, STRIPE_WEBHOOK_SECRET=fake.WEBHOOK_SECRET)
        yield server


def test_with_stripe_only_plans_with_a_price_id_are_offered(acme, visitor, stripe_api):
    with all_tenants():
        db.session.get(Plan, acme["team"].id).stripe_price_id = "price_1SzTeamMonthly"
    db.session.commit()
    page = html(owner_of(acme, visitor).get("/dashboard/billing"))
    assert ">Team</option>" in page and ">Starter</option>" not in page
    assert "simulated" not in page


def test_with_stripe_a_plan_without_a_price_is_refused_with_422(acme, visitor, stripe_api):
    refused = owner_of(acme, visitor).post("/dashboard/billing/subscribe", {"plan_id": acme["team"].id})
    assert refused.status_code == 422 and stripe_api.requests == []


def test_manage_billing_before_subscribing_through_stripe_is_422(acme, visitor, stripe_api):
    refused = owner_of(acme, visitor).post("/dashboard/billing/manage")
    assert refused.status_code == 422
    assert "Subscribe first" in text(html(refused)) and stripe_api.requests == []
    assert count(AuditEvent, AuditEvent.action == "billing.portal_opened") == 0


def test_stripe_unreachable_is_422_and_nothing_is_recorded(acme, visitor, app, monkeypatch):
    with all_tenants():
        db.session.get(Plan, acme["team"].id).stripe_price_id = "price_1SzTeamMonthly"
    db.session.commit()
    monkeypatch.setattr(stripe, "api_base", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    app.config["STRIPE_SECRET_KEY"] = fake.SECRET_KEY
    owner = owner_of(acme, visitor)
    audits = count(AuditEvent)
    refused = owner.post("/dashboard/billing/subscribe", {"plan_id": acme["team"].id})
    assert refused.status_code == 422
    assert "could not start the payment. Nothing was charged" in text(html(refused))
    assert count(AuditEvent) == audits


@pytest.mark.parametrize("role", ["admin", "staff", "provider"])
def test_only_the_owner_sees_billing(acme, visitor, role):
    member = signed_in(visitor, SimpleNamespace(tenant=acme["tenant"], host=host_of(acme["tenant"])), role)
    assert member.get("/dashboard/billing").status_code == 403
    assert member.post("/dashboard/billing/subscribe", {"plan_id": acme["team"].id}).status_code == 403
    assert 'href="/dashboard/billing"' not in html(member.get("/dashboard/"))


def test_a_cancelled_practice_cannot_subscribe_from_its_read_only_dashboard(acme, visitor):
    owner = owner_of(acme, visitor)
    with all_tenants():
        status.cancel(db.session, db.session.get(Tenant, acme["tenant_id"]), now=app_clock.now(), actor=None,
                      reason="Closed.")
    db.session.commit()
    assert owner.post("/dashboard/billing/subscribe", {"plan_id": acme["team"].id}).status_code == 403
    assert status_of(acme) == "cancelled"


def test_dunning_suspends_after_the_grace_period_set_in_the_settings(acme, app, clock):
    from datetime import timedelta

    with all_tenants():
        settings.update(db.session, platform_name="Sloty", support_email="help@sloty.example", default_plan_id=None,
                        trial_days=14, dunning_grace_days=3, actor=None)
        status.mark_past_due(db.session, db.session.get(Tenant, acme["tenant_id"]), now=app_clock.now(), actor=None)
    db.session.commit()
    clock.shift(timedelta(days=2, hours=23))
    billing_jobs.sweep()  # the worker's sweep
    assert status_of(acme) == "past_due"
    clock.shift(timedelta(hours=1))
    billing_jobs.sweep()
    billing_jobs.sweep()
    assert status_of(acme) == "suspended"
    with all_tenants():
        reasons = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "tenant.status_changed",
                                                                      AuditEvent.tenant_id == acme["tenant_id"])).all()
        assert dunning.suspend_overdue(db.session, now=app_clock.now()) == []
    assert [r["after"] for r in reasons] == ["past_due", "suspended"]
    assert reasons[-1]["reason"] == "Payment was still past due after the 3-day grace period."
