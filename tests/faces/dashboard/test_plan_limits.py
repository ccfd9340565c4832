"""The plan's limits, enforced where things are created (providers, locations, a custom domain, SMS),
each refusal naming the limit with the way to upgrade; and the practice's plan page showing its usage."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.core.database import db
from app.core.tenancy import all_tenants, tenant_context
from app.modules.audit.models import AuditEvent
from app.modules.billing.models import Plan, Subscription
from app.modules.catalogue.models import Location, Provider
from app.modules.notifications import outbox
from app.modules.notifications.models import Notification
from app.modules.tenants.models import Tenant
from tests.support import factories
from tests.support.clients import host_of
from tests.support.pages import html, text
from tests.support.practice import build_practice

UPGRADE_LINK = '<a href="/dashboard/plan">See your plan\'s limits and the plans you can move to</a>'


def subscribe(tenant, **limits) -> Plan:
    with all_tenants():
        plan = Plan(code="solo", name="Solo", price=1900, currency="EUR", interval="month", **limits)
        db.session.add(plan)
        db.session.flush()
    now = clock.now()
    factories.save(tenant, Subscription(tenant_id=tenant.id, plan_id=plan.id, status="active",
                                        current_period_start=now, current_period_end=now + timedelta(days=30)))
    return plan


@pytest.fixture
def solo(app):
    practice = build_practice("acme", name="Acme Dental")  # one provider, one location
    practice["plan"] = subscribe(practice["tenant"], max_providers=1, max_locations=1, max_sms_per_month=2,
                                 custom_domain_allowed=False)
    return practice


@pytest.fixture
def owner(solo, visitor):
    member = visitor(host_of(solo["tenant"]))
    assert member.sign_in(solo["owner"].email, factories.PASSWORD).status_code == 303
    return member


def count(model, *where) -> int:
    with all_tenants():
        db.session.expire_all()
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_provider_beyond_the_plan_is_refused_with_the_limit_and_nothing_is_written(solo, owner):
    events = count(AuditEvent)
    response = owner.post("/dashboard/setup/providers/new", {"name": "Second Dentist", "bio": "", "user": 0})
    assert response.status_code == 422
    page = html(response)
    assert "Your Solo plan allows 1 provider, and you have reached it. Upgrade your plan to add more." in page
    assert UPGRADE_LINK in page and 'value="Second Dentist"' in page
    assert count(Provider) == 1 and count(AuditEvent) == events


def test_a_location_beyond_the_plan_is_refused(solo, owner):
    response = owner.post("/dashboard/locations/new", {"name": "Annex", "address": "", "timezone": "Europe/London"})
    assert response.status_code == 422
    assert "Your Solo plan allows 1 location, and you have reached it." in html(response)
    assert UPGRADE_LINK in html(response) and 'value="Annex"' in html(response)
    assert count(Location) == 1


def test_a_deactivated_provider_frees_its_place_and_reactivating_beyond_the_limit_is_refused(solo, owner):
    first = solo["provider"]
    assert owner.post(f"/dashboard/setup/providers/{first.id}/deactivate").status_code == 303
    assert owner.post("/dashboard/setup/providers/new", {"name": "Second Dentist", "bio": "", "user": 0}).status_code == 303
    response = owner.post(f"/dashboard/setup/providers/{first.id}/reactivate")
    assert response.status_code == 303
    page = text(html(owner.get("/dashboard/setup/providers")))
    assert "Your Solo plan allows 1 provider, and you have reached it." in page
    assert count(Provider, Provider.active) == 1


def test_a_custom_domain_outside_the_plan_is_refused_at_its_field(solo, owner):
    response = owner.post("/dashboard/settings", {"name": "Acme Dental", "colour": "#2563eb", "timezone": "UTC",
                                                  "currency": "EUR", "custom_domain": "book.acme.example"})
    assert response.status_code == 422
    assert "Your Solo plan does not include a custom domain. Upgrade your plan to use one." in html(response)
    assert UPGRADE_LINK in html(response) and 'value="book.acme.example"' in html(response)
    with all_tenants():
        db.session.expire_all()
        assert db.session.get(Tenant, solo["tenant"].id).custom_domain is None


def test_without_a_plan_there_are_no_limits(app, visitor):
    practice = build_practice("free")
    member = visitor(host_of(practice["tenant"]))
    member.sign_in(practice["owner"].email, factories.PASSWORD)
    assert member.post("/dashboard/locations/new", {"name": "Annex", "timezone": "Europe/London"}).status_code == 303


def test_sms_beyond_the_months_allowance_are_cancelled_with_the_reason(solo):
    tenant = solo["tenant"]
    now = clock.now()
    with tenant_context(tenant):
        sent = [outbox.queue(db.session, now=now, tenant_id=tenant.id, kind="reminder", channel="sms",
                             recipient="+447700900123") for _ in range(3)]
        email = outbox.queue(db.session, now=now, tenant_id=tenant.id, kind="reminder", recipient="a@example.com")
        first_of_next_month = (now.replace(day=1) + timedelta(days=32)).replace(day=1, hour=9)
        later = outbox.queue(db.session, now=now, tenant_id=tenant.id, kind="reminder", channel="sms",
                             recipient="+447700900123", scheduled_for=first_of_next_month)
        db.session.flush()
    assert [n.status for n in sent] == ["queued", "queued", "cancelled"]
    assert sent[2].last_error == "SMS limit reached: the Solo plan allows 2 SMS a month."
    assert (email.status, later.status) == ("queued", "queued")


def test_a_cancelled_sms_is_never_dispatched(solo):
    tenant = solo["tenant"]
    now = clock.now()
    with tenant_context(tenant):
        made = [outbox.queue(db.session, now=now, tenant_id=tenant.id, kind="reminder", channel="sms",
                             recipient="+447700900123") for _ in range(3)]
    db.session.commit()
    dispatched = {notification_id for _, notification_id, _ in outbox.take_committed(db.session, now=now)}
    assert dispatched == {made[0].id, made[1].id}
    assert count(Notification, Notification.status == "cancelled") == 1


def test_the_plan_page_shows_the_plan_usage_and_the_plans(solo, owner):
    with all_tenants():
        db.session.add(Plan(code="team", name="Team", price=9900, currency="EUR", interval="month", max_providers=10))
        db.session.add(Plan(code="old", name="Retired", price=500, currency="EUR", active=False))
    with tenant_context(solo["tenant"]):
        db.session.add(Notification(tenant_id=solo["tenant"].id, channel="sms", kind="reminder", recipient="+4477",
                                    status="sent", scheduled_for=clock.now()))
    page = text(html(owner.get("/dashboard/plan")))
    assert "Plan Solo, €19.00 a month" in page and "Custom domain Not included" in page
    assert "Providers 1 1 (reached) Locations 1 1 (reached) SMS sent this month 1 2" in page
    assert "Solo (yours) €19.00 a month 1 1 2 No" in page and "Team €99.00 a month 10 Unlimited Unlimited Yes" in page
    assert "Retired" not in page
    assert "Subscribe to a plan, or move to another, on the Billing page." in page and "support@sloty.example" in page


def test_the_plan_page_is_for_owners_and_admins(solo, visitor):
    staff = visitor(host_of(solo["tenant"]))
    staff.sign_in(factories.user(solo["tenant"], "staff").email, factories.PASSWORD)
    assert staff.get("/dashboard/plan").status_code == 403
