"""The backoffice's practices: the list searched, filtered and paged; a practice's page; its status changed."""
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from app.core import clock
from app.core.database import db
from app.core.tenancy import all_tenants, tenant_context
from app.modules.audit.models import AuditEvent
from app.modules.billing.models import Invoice, Plan, Subscription
from app.modules.notifications.models import Notification
from app.modules.tenants.models import Tenant
from tests.support import factories
from tests.support.pages import form_fields, html, text


def on_plan(tenant, plan: Plan) -> Subscription:
    now = clock.now()
    return factories.save(tenant, Subscription(tenant_id=tenant.id, plan_id=plan.id, status="active",
                                               current_period_start=now, current_period_end=now + timedelta(days=30)))


def a_plan(code="pro", name="Pro", **limits) -> Plan:
    with all_tenants():
        plan = Plan(code=code, name=name, price=4900, currency="EUR", interval="month", **limits)
        db.session.add(plan)
        db.session.flush()
    return plan


def names_listed(page: str) -> list[str]:
    import re

    return re.findall(r'<a href="/backoffice/tenants/\d+">([^<]+)</a>', page)


@pytest.fixture
def practices(app):
    pro = a_plan()
    acme = factories.tenant("acme", name="Acme Dental")
    globex = factories.tenant("globex", name="Globex Physio", status="past_due")
    initech = factories.tenant("initech", name="Initech Smiles")
    with all_tenants():
        initech.custom_domain = "book.initech.example"
    on_plan(globex, pro)
    return {"acme": acme, "globex": globex, "initech": initech, "pro": pro}


def test_the_list_shows_every_practice_with_its_status_plan_and_users(practices, superadmin):
    factories.user(practices["acme"], "owner")
    page = html(superadmin.get("/backoffice/"))
    assert names_listed(page) == ["Acme Dental", "Globex Physio", "Initech Smiles"]
    assert "3 tenants." in text(page)
    assert "Globex Physio globex — past due Pro 0" in text(page)
    assert "Acme Dental acme — active — 1" in text(page)


@pytest.mark.parametrize(("query", "found"), [
    ("q=dental", ["Acme Dental"]), ("q=GLOBEX", ["Globex Physio"]), ("q=initech.example", ["Initech Smiles"]),
    ("status=past_due", ["Globex Physio"]), ("status=active&q=i", ["Initech Smiles"]),
    ("q=nobody", []), ("q=%25", []),
])
def test_search_by_name_slug_or_domain_and_filter_by_status(practices, superadmin, query, found):
    page = html(superadmin.get(f"/backoffice/?{query}"))
    assert names_listed(page) == found
    if not found:
        assert "No tenants match." in page


def test_filter_by_plan_keeps_the_choice_in_the_form(practices, superadmin):
    page = html(superadmin.get(f"/backoffice/?plan={practices['pro'].id}"))
    assert names_listed(page) == ["Globex Physio"]
    assert f'<option selected value="{practices["pro"].id}">Pro</option>' in page


def test_an_htmx_search_gets_only_the_results(practices, superadmin):
    page = html(superadmin.get("/backoffice/?q=acme", htmx=True))
    assert page.lstrip().startswith('<div id="results">') and names_listed(page) == ["Acme Dental"]


def test_the_list_pages_with_links_that_keep_the_filters(app, superadmin):
    for n in range(27):
        factories.tenant(f"clinic{n:02d}", name=f"Clinic {n:02d}")
    first = html(superadmin.get("/backoffice/?status=active"))
    assert len(names_listed(first)) == 25 and "27 tenants, page 1 of 2." in text(first)
    assert 'href="/backoffice/?status=active&amp;page=2">Next page' in first
    second = html(superadmin.get("/backoffice/?status=active&page=2"))
    assert names_listed(second) == ["Clinic 25", "Clinic 26"]
    assert 'href="/backoffice/?status=active&amp;page=1">Previous page' in second


def test_a_bad_page_number_shows_the_first_page(practices, superadmin):
    page = html(superadmin.get("/backoffice/?page=zero"))
    assert names_listed(page) == ["Acme Dental", "Globex Physio", "Initech Smiles"]


def test_a_practices_page_shows_users_usage_subscription_invoices_and_audit(app, superadmin):
    plan = a_plan(max_providers=2, max_locations=1, max_sms_per_month=100)
    tenant = factories.tenant("acme", name="Acme Dental")
    owner = factories.user(tenant, "owner", email="owner@acme.example")
    location = factories.location(tenant)
    factories.provider(tenant, location=location)
    subscription = on_plan(tenant, plan)
    factories.save(tenant, Invoice(tenant_id=tenant.id, subscription_id=subscription.id, number="INV-0042", amount=4900,
                                   currency="EUR", status="open", issued_at=clock.now(), due_at=clock.now() + timedelta(days=14)))
    factories.save(tenant, *[Notification(tenant_id=tenant.id, channel="sms", kind="reminder", recipient="+44700900000",
                                          status="sent", scheduled_for=clock.now()) for _ in range(3)])
    page = text(html(superadmin.get(f"/backoffice/tenants/{tenant.id}")))
    assert "owner@acme.example Owner Person owner yes" in page
    assert "Providers 1 2 Locations 1 1 (reached) SMS sent this month 3 100" in page
    assert "Plan Pro (€49.00 a month) Status active" in page
    assert "INV-0042 €49.00 open" in page
    assert "tenant.created" in page and owner.email not in page.split("Recent audit events")[0].split("Users")[0]


def test_the_operator_suspends_a_practice_with_a_reason(practices, superadmin):
    acme = practices["acme"]
    form = html(superadmin.get(f"/backoffice/tenants/{acme.id}"))
    assert '<option value="suspended">Suspended</option>' in form and '<option value="trialing">' not in form
    response = superadmin.post(f"/backoffice/tenants/{acme.id}/status", {"status": "suspended", "reason": "Chargebacks."})
    assert response.status_code == 303 and response.headers["Location"] == f"/backoffice/tenants/{acme.id}"
    page = text(html(superadmin.get(f"/backoffice/tenants/{acme.id}")))
    assert "Acme Dental: Active → Suspended." in page and "Reason Chargebacks." in page
    with all_tenants():
        db.session.expire_all()
        assert db.session.get(Tenant, acme.id).status == "suspended"
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "tenant.status_changed")).one()
    assert (event.tenant_id, event.actor_email, event.details) == (
        acme.id, "root@sloty.test", {"before": "active", "after": "suspended", "reason": "Chargebacks."})


@pytest.mark.parametrize(("form", "message"), [
    ({"status": "suspended", "reason": ""}, "Say why: the practice's staff see the reason."),
    ({"status": "trialing", "reason": "Back to a trial"}, "Not a valid choice"),
    ({"status": "closed", "reason": "No such status"}, "Not a valid choice"),
])
def test_a_bad_status_change_is_422_with_the_form_and_writes_nothing(practices, superadmin, form, message):
    acme = practices["acme"]
    response = superadmin.post(f"/backoffice/tenants/{acme.id}/status", form)
    assert response.status_code == 422
    assert message in text(html(response)) and "Acme Dental" in html(response)
    if form["reason"]:
        assert f"{form['reason']}</textarea>" in html(response)  # the value typed is kept
    with all_tenants():
        db.session.expire_all()
        assert db.session.get(Tenant, acme.id).status == "active"
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "tenant.status_changed")).all() == []


def test_a_deactivated_practice_offers_no_status_change(practices, superadmin):
    acme = practices["acme"]
    with all_tenants():
        acme.status, acme.status_changed_at, acme.deactivated_at = "cancelled", clock.now() - timedelta(days=40), clock.now()
    page = html(superadmin.get(f"/backoffice/tenants/{acme.id}"))
    assert "This practice's status can no longer change." in text(page) and "(deactivated" in page
    response = superadmin.post(f"/backoffice/tenants/{acme.id}/status", {"status": "active", "reason": "Revive"})
    assert response.status_code == 422 and "This practice's status can no longer change." in text(html(response))
    with all_tenants():
        db.session.expire_all()
        assert db.session.get(Tenant, acme.id).status == "cancelled"


def test_the_tenants_own_audit_events_only(practices, superadmin):
    with tenant_context(practices["globex"]):
        db.session.add(AuditEvent(tenant_id=practices["globex"].id, action="globex.secret", entity_type="Tenant",
                                  entity_id=practices["globex"].id, details={}))
    page = html(superadmin.get(f"/backoffice/tenants/{practices['acme'].id}"))
    assert "globex.secret" not in page and "tenant.created" in page


def test_the_search_form_as_rendered_finds_with_any_plan(practices, superadmin):
    page = html(superadmin.get("/backoffice/"))
    assert 'value="">Any plan</option>' in page and 'value="">Any status</option>' in page
    # A browser sends each select's selected option, or its first: "any" either way.
    fields = form_fields(page, "tenant-search") | {"plan": "", "status": ""}
    page = html(superadmin.get(f"/backoffice/?{urlencode(fields | {'q': 'acme'})}"))
    assert names_listed(page) == ["Acme Dental"]
