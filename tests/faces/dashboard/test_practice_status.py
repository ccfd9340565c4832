"""What each status of the practice does to its booking site and dashboard: past due shows a banner;
suspended closes the booking site (503) and makes the dashboard read-only, with the reason; cancelled
lets the owner export the practice's data for 30 days; after that the practice is deactivated (404)."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.core.database import db
from app.core.tenancy import all_tenants
from app.modules.audit.models import AuditEvent
from app.modules.catalogue.models import Location, Provider
from app.modules.customers.models import Customer
from app.modules.tenants import status
from tests.support import factories
from tests.support.clients import host_of
from tests.support.pages import html, text
from tests.support.practice import build_practice


@pytest.fixture
def acme(app):
    return build_practice("acme", name="Acme Dental")


def move(practice, to: str, reason: str, *, when=None):
    with all_tenants():
        status.change_status(db.session, practice["tenant"], to, now=when or clock.now(), actor=None, reason=reason)
    db.session.commit()


def owner_of(practice, visitor):
    owner = visitor(host_of(practice["tenant"]))
    assert owner.sign_in(practice["owner"].email, factories.PASSWORD).status_code == 303
    return owner


def count(model, *where) -> int:
    with all_tenants():
        db.session.expire_all()
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_past_due_practice_keeps_working_under_a_banner(acme, visitor):
    move(acme, "past_due", "Invoice INV-7 is unpaid.")
    owner = owner_of(acme, visitor)
    page = text(html(owner.get("/dashboard/")))
    assert "Payment for Acme Dental's plan is past due. Online booking stays open for now" in page
    assert "(Invoice INV-7 is unpaid.)" in page
    assert owner.post("/dashboard/locations/new", {"name": "Annex", "address": "", "timezone": "Europe/London"}).status_code == 303
    assert visitor(host_of(acme["tenant"])).get("/").status_code == 200


def test_an_active_practice_has_no_banner(acme, visitor):
    assert 'id="status-banner"' not in html(owner_of(acme, visitor).get("/dashboard/"))


@pytest.mark.parametrize("path", ["/", "/services/{service}", "/account/sign-in", "/no-such-booking-page"])
def test_a_suspended_practices_booking_site_says_it_is_temporarily_unavailable(acme, visitor, path):
    move(acme, "suspended", "Unpaid for 14 days.")
    response = visitor(host_of(acme["tenant"])).get(path.format(service=acme["service"].id))
    if path == "/no-such-booking-page":
        assert response.status_code == 404  # not a page of the site at all
        return
    assert response.status_code == 503
    assert "Acme Dental is temporarily unavailable: online booking is paused. Please try again later." in text(html(response))
    assert acme["service"].name not in html(response)


def test_a_suspended_booking_site_refuses_a_form_and_writes_nothing(acme, visitor):
    move(acme, "suspended", "Unpaid for 14 days.")
    customers = count(Customer)
    guest = visitor(host_of(acme["tenant"]))
    response = guest.post("/account/sign-in", {"email": "new@example.com"}, csrf=False)
    assert response.status_code == 503 and "temporarily unavailable" in text(html(response))
    assert count(Customer) == customers


def test_a_suspended_dashboard_is_read_only_with_the_reason(acme, visitor):
    owner = owner_of(acme, visitor)  # signed in before the suspension
    move(acme, "suspended", "Unpaid for 14 days.")
    page = text(html(owner.get("/dashboard/setup/providers")))
    assert "Acme Dental is suspended: the booking site is closed and this dashboard is read-only. Reason: Unpaid for 14 days." in page
    assert acme["provider"].name in page
    locations, events = count(Location), count(AuditEvent)
    refused = owner.post("/dashboard/locations/new", {"name": "Annex", "address": "", "timezone": "Europe/London"})
    assert refused.status_code == 403
    assert "<h1>The dashboard is read-only</h1>" in html(refused)
    assert "Acme Dental is suspended, so nothing can be changed. Reason: Unpaid for 14 days." in text(html(refused))
    assert (count(Location), count(AuditEvent)) == (locations, events)
    htmx = owner.post(f"/dashboard/setup/providers/{acme['provider'].id}/deactivate", htmx=True)
    assert htmx.status_code == 403 and htmx.headers["HX-Refresh"] == "true"  # the reloaded page's banner says why
    assert count(Provider, Provider.active) == 1 and count(AuditEvent) == events


def test_staff_of_a_suspended_practice_still_sign_in_and_out(acme, visitor):
    move(acme, "suspended", "Unpaid.")
    owner = owner_of(acme, visitor)
    assert owner.get("/dashboard/").status_code == 200
    assert owner.sign_out().status_code in (302, 303)
    assert owner.get("/dashboard/").status_code == 302


def test_a_reactivated_practice_opens_again(acme, visitor):
    move(acme, "suspended", "Unpaid.")
    move(acme, "active", "Paid.")
    assert visitor(host_of(acme["tenant"])).get("/").status_code == 200
    assert 'id="status-banner"' not in html(owner_of(acme, visitor).get("/dashboard/"))


def test_a_cancelled_practices_owner_exports_its_data(acme, visitor):
    move(acme, "cancelled", "The owner closed the practice.")
    guest = visitor(host_of(acme["tenant"]))
    closed = guest.get("/")
    assert closed.status_code == 503 and "Acme Dental no longer takes bookings online." in text(html(closed))
    owner = owner_of(acme, visitor)
    banner = text(html(owner.get("/dashboard/")))
    assert "Acme Dental is cancelled" in banner and "export the practice's data for 30 days" in banner
    locations = count(Location)
    refused = owner.post("/dashboard/locations/new", {"name": "Annex", "address": "", "timezone": "Europe/London"})
    assert refused.status_code == 403 and "Acme Dental is cancelled, so nothing can be changed." in text(html(refused))
    assert count(Location) == locations
    deadline = (clock.now() + timedelta(days=30)).strftime("%d %B %Y")
    assert f"You can download its data until {deadline}" in text(html(owner.get("/dashboard/export")))

    download = owner.get("/dashboard/export/practice.json")
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert download.headers["Content-Disposition"].startswith('attachment; filename="acme-')
    data = json.loads(download.get_data(as_text=True))
    assert data["format"] == "sloty-practice-export/1" and data["practice"]["status"] == "cancelled"
    assert [row["name"] for row in data["providers"]] == [acme["provider"].name]
    assert [row["email"] for row in data["customers"]] == [acme["customer"].email]
    assert [row["id"] for row in data["appointments"]] == [acme["appointment"].id]
    assert "password_hash" not in json.dumps(data["staff"]) and acme["owner"].email in json.dumps(data["staff"])
    with all_tenants():
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "tenant.exported")).all()
    assert event.actor_email == acme["owner"].email and event.details["counts"]["customers"] == 1


def test_only_the_owner_exports(acme, visitor):
    admin = factories.user(acme["tenant"], "admin")
    member = visitor(host_of(acme["tenant"]))
    member.sign_in(admin.email, factories.PASSWORD)
    assert member.get("/dashboard/export/practice.json").status_code == 403
    assert 'href="/dashboard/export"' not in html(member.get("/dashboard/"))
    assert 'href="/dashboard/export"' in html(owner_of(acme, visitor).get("/dashboard/"))
    with all_tenants():
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "tenant.exported")).all() == []


def test_after_the_export_window_the_practice_is_deactivated_and_its_sites_are_gone(acme, visitor, app):
    owner = owner_of(acme, visitor)
    move(acme, "cancelled", "Closing.", when=clock.now() - timedelta(days=31))
    result = app.test_cli_runner().invoke(args=["sloty", "deactivate-cancelled"])
    assert result.exit_code == 0 and "1 cancelled practice(s) deactivated: acme" in result.output
    with all_tenants():
        db.session.expire_all()
        assert db.session.scalar(select(Customer.name).where(Customer.id == acme["customer"].id)) == acme["customer"].name
    for path in ("/", "/dashboard/", "/login", "/dashboard/export/practice.json"):
        response = owner.get(path)
        assert response.status_code == 404 and "No practice lives at this address." in html(response)


def test_every_booking_site_route_is_unavailable_while_suspended(app, route_practice, visitor):
    """The sweep over the url_map: no booking-site page or form slips past the closed sign, except the
    logo and colour the dashboard's own pages use."""
    from tests.support.routes import methods_of, path_of, rules_of

    move(route_practice, "suspended", "Unpaid.")
    guest, failures = visitor(host_of(route_practice["tenant"])), []
    for rule in rules_of(app, "booking"):
        path = path_of(rule, route_practice)
        for method in methods_of(rule):
            response = guest.get(path) if method == "GET" else guest.post(path, csrf=False)
            closed = response.status_code == 503 and "temporarily unavailable" in text(html(response))
            if closed == (rule.endpoint in ("booking.logo", "booking.brand_css")):
                failures.append(f"{method} {path} ({rule.endpoint}): {response.status_code}")
    assert failures == []
