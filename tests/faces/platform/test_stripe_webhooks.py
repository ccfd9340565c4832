"""The Stripe webhook endpoint on the platform's host: only events signed with our endpoint secret, and
recent, are stored (a 400 stores nothing); each event id is stored once (a repeat is a 200 with no second
effect); an unknown type is stored and ignored; the work runs after the commit, in-process without Redis
or as an RQ job taking the stored event's id with it; and the health page lists the last of each type."""
import json
from datetime import timedelta

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from app.core import clock as app_clock
from app.core.database import db
from app.core.tenancy import all_tenants
from app.modules.audit.models import AuditEvent
from app.modules.billing import jobs as billing_jobs
from app.modules.billing.models import Invoice, Payment, Plan, Subscription, WebhookEvent
from app.modules.billing.trials import start_trial
from app.modules.tenants.models import Tenant
from tests.support import services
from tests.support import stripe as fake
from tests.support.clients import ADMIN_HOST, PLATFORM_HOST, host_of
from tests.support.pages import html, text
from tests.support.practice import build_practice


@pytest.fixture
def acme(app):
    app.config["STRIPE_WEBHOOK_SECRET"] = fake.WEBHOOK_SECRET
    practice = build_practice("acme", name="Acme Dental")
    with all_tenants():
        practice["tenant"].status = "trialing"
        start_trial(db.session, practice["tenant"], now=app_clock.now())
        practice["pro"] = Plan(code="pro", name="Pro", price=4900, currency="EUR", stripe_price_id="price_1SzProMonthly")
        db.session.add(practice["pro"])
    db.session.commit()
    practice["tenant_id"] = practice["tenant"].id  # a job's end detaches the test's rows
    return practice


@pytest.fixture
def platform(visitor):
    return visitor(PLATFORM_HOST)


def paid_event(acme, **changes) -> dict:
    return fake.event("invoice.paid", tenant=acme["tenant"], plan=acme["pro"], **changes)


def count(model, *where) -> int:
    with all_tenants():
        db.session.expire_all()
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def status_of(acme) -> str:
    with all_tenants():
        db.session.expire_all()
        return db.session.get(Tenant, acme["tenant_id"]).status


def test_a_signed_event_is_stored_audited_and_handled_after_the_commit(acme, platform):
    answer = fake.deliver(platform, paid_event(acme))
    assert answer.status_code == 200 and answer.get_json() == {"received": True, "repeat": False}
    with all_tenants():
        stored = db.session.scalar(select(WebhookEvent))
        invoice = db.session.scalar(select(Invoice))
        payment = db.session.scalar(select(Payment))
    assert (stored.event_id, stored.type, stored.outcome) == ("evt_1SzInvoicePaid0001", "invoice.paid", "applied")
    assert stored.processed_at is not None
    assert (invoice.number, invoice.amount, invoice.currency, invoice.status) == ("SLOTY-0001", 4900, "EUR", "paid")
    assert invoice.hosted_invoice_url.startswith("https://invoice.stripe.com/i/")
    assert (invoice.period_start.isoformat(), invoice.period_end.isoformat()) == (
        "2026-03-18T11:59:10+00:00", "2026-04-18T12:00:00+00:00")
    assert (payment.amount, payment.status, payment.provider_reference) == (4900, "succeeded", "pi_3SzAcmeFirst0001")
    assert status_of(acme) == "active"
    assert count(AuditEvent, AuditEvent.action == "billing.event_received", AuditEvent.entity_id == stored.id) == 1


@pytest.mark.parametrize("header", [
    "t={now},v1=" + "0" * 64,  # signed with another secret
    "v1=abc",  # no timestamp
    "",  # no header at all
])
def test_a_bad_signature_is_400_and_nothing_is_stored(acme, platform, header):
    body = json.dumps(paid_event(acme)).encode()
    audits = count(AuditEvent)
    answer = fake.deliver(platform, body, header=header.format(now=int(app_clock.now().timestamp())))
    assert answer.status_code == 400 and "signature" in answer.get_json()["error"].lower()
    assert (count(WebhookEvent), count(Invoice), count(AuditEvent)) == (0, 0, audits)
    assert status_of(acme) == "trialing"


def test_a_signature_over_another_payload_is_400(acme, platform):
    body = json.dumps(paid_event(acme)).encode()
    forged = json.dumps(paid_event(acme, type="checkout.session.completed")).encode()
    answer = fake.deliver(platform, forged, header=fake.signature(body))
    assert answer.status_code == 400 and count(WebhookEvent) == 0


def test_an_old_timestamp_is_400_even_when_the_signature_matches(acme, platform):
    body = json.dumps(paid_event(acme)).encode()
    old = int((app_clock.now() - timedelta(minutes=6)).timestamp())
    answer = fake.deliver(platform, body, header=fake.signature(body, timestamp=old))
    assert answer.status_code == 400 and "tolerance" in answer.get_json()["error"]
    assert count(WebhookEvent) == 0
    recent = int((app_clock.now() - timedelta(minutes=4)).timestamp())
    assert fake.deliver(platform, body, header=fake.signature(body, timestamp=recent)).status_code == 200


def test_a_repeated_event_is_200_with_no_second_effect(acme, platform):
    before = count(AuditEvent)
    first = fake.deliver(platform, paid_event(acme))
    events, payments, audits = count(WebhookEvent), count(Payment), count(AuditEvent)
    assert audits == before + 2  # the event received, and the practice's move to active
    again = fake.deliver(platform, paid_event(acme))
    assert again.status_code == 200 and again.get_json() == {"received": True, "repeat": True}
    assert first.get_json()["repeat"] is False
    assert (count(WebhookEvent), count(Payment), count(AuditEvent)) == (events, payments, audits)
    assert (events, payments) == (1, 1)


def test_an_unknown_event_type_is_stored_and_ignored(acme, platform):
    answer = fake.deliver(platform, fake.event("customer.created", tenant=acme["tenant"], plan=acme["pro"]))
    assert answer.status_code == 200
    with all_tenants():
        stored = db.session.scalar(select(WebhookEvent))
    assert (stored.type, stored.outcome) == ("customer.created", "ignored") and stored.processed_at is not None
    assert count(Invoice) == 0 and status_of(acme) == "trialing"


def test_an_event_for_a_practice_we_do_not_know_is_ignored(acme, platform):
    event = paid_event(acme)
    event["data"]["object"]["parent"]["subscription_details"]["metadata"] = {"tenant_id": "999999"}
    event["data"]["object"]["customer"] = "cus_Unknown"
    assert fake.deliver(platform, event).status_code == 200
    with all_tenants():
        assert db.session.scalar(select(WebhookEvent.outcome)) == "ignored"
    assert count(Invoice) == 0


def test_without_a_webhook_secret_there_is_no_endpoint(acme, platform, app):
    app.config["STRIPE_WEBHOOK_SECRET"] = None
    assert fake.deliver(platform, paid_event(acme)).status_code == 404
    assert count(WebhookEvent) == 0


def test_the_endpoint_lives_on_the_platform_host_only(acme, visitor):
    for host in (host_of(acme["tenant"]), ADMIN_HOST):
        assert fake.deliver(visitor(host), paid_event(acme)).status_code == 404
    assert count(WebhookEvent) == 0


def test_with_redis_the_event_is_a_job_taking_its_id(acme, platform, app):
    services.require("redis")
    redis = Redis.from_url(services.REDIS_URL)
    redis.flushdb()
    app.config["REDIS_URL"] = services.REDIS_URL
    try:
        assert fake.deliver(platform, paid_event(acme)).status_code == 200
        with all_tenants():
            stored_id, processed_at = db.session.execute(select(WebhookEvent.id, WebhookEvent.processed_at)).one()
        assert processed_at is None and status_of(acme) == "trialing"  # answered before the work
        queue = Queue(billing_jobs.QUEUE, connection=redis)
        [job] = queue.get_jobs()
        assert job.args == (stored_id,) and job.func_name.endswith("handle_event_job")
        SimpleWorker([queue], connection=redis).work(burst=True)
        assert status_of(acme) == "active" and count(Payment) == 1
        with all_tenants():
            assert db.session.get(WebhookEvent, stored_id).outcome == "applied"
    finally:
        redis.flushdb()


def test_the_sweep_handles_an_event_left_behind(acme, platform, app, clock):
    services.require("redis")
    redis = Redis.from_url(services.REDIS_URL)
    redis.flushdb()
    app.config["REDIS_URL"] = services.REDIS_URL
    try:
        assert fake.deliver(platform, paid_event(acme)).status_code == 200
        redis.flushdb()  # the job is lost
        app.config["REDIS_URL"] = None
        billing_jobs.sweep()
        assert status_of(acme) == "trialing"  # too recent: its job may still be on its way
        clock.shift(timedelta(minutes=3))
        billing_jobs.sweep()
        assert status_of(acme) == "active"
    finally:
        redis.flushdb()


def test_the_health_page_lists_the_last_webhook_of_each_type(acme, platform, superadmin, clock):
    assert "No webhook received yet." in text(html(superadmin.get("/backoffice/health")))
    fake.deliver(platform, fake.event("customer.created", tenant=acme["tenant"], plan=acme["pro"]))
    clock.shift(timedelta(minutes=5))
    fake.deliver(platform, paid_event(acme))
    page = html(superadmin.get("/backoffice/health"))
    section = text(page[page.index('id="webhooks"'):])
    assert "customer.created" in section and "invoice.paid" in section
    assert section.index("customer.created") < section.index("invoice.paid")


def test_a_deleted_subscription_makes_the_practice_past_due_for_dunning(acme, platform):
    assert fake.deliver(platform, paid_event(acme)).status_code == 200
    event = fake.event("customer.subscription.updated", tenant=acme["tenant"], plan=acme["pro"],
                       id="evt_1SzSubscriptionDeleted0001", type="customer.subscription.deleted")
    event["data"]["object"].update(status="canceled", canceled_at=1776513905, ended_at=1776513905)
    del event["data"]["previous_attributes"]
    assert fake.deliver(platform, event).status_code == 200
    with all_tenants():
        db.session.expire_all()
        subscription = db.session.scalar(select(Subscription))
        assert (subscription.status, subscription.cancelled_at.isoformat()) == ("cancelled", "2026-04-18T12:05:05+00:00")
    assert status_of(acme) == "past_due"


def test_a_flood_of_deliveries_meets_the_rate_limit_and_stores_nothing_more(acme, platform, app):
    app.config["WEBHOOK_RATE_LIMIT"] = "2 per minute"
    answers = [fake.deliver(platform, paid_event(acme, id=f"evt_flood_{n}")).status_code for n in range(3)]
    assert answers == [200, 200, 429]
    assert count(WebhookEvent) == 2
