"""The calendar in Chromium: axe-core finds no serious or critical violation on the day, week, month and
agenda views; the grid's links and blocks are reached by keyboard; 45 provider columns each take their place; the date field works without
JavaScript; the drag script loads with the page."""
import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments.models import AppointmentParticipant
from app.modules.catalogue.models import Provider
from app.modules.schedules.models import TimeOff
from tests.support import factories
from tests.support.practice import add, build_clinic, working

pytestmark = pytest.mark.browser

SERIOUS = ("serious", "critical")


@pytest.fixture
def clinic(app):
    """The clinic, with today's appointments at Harbour Street: a check-up, a pending physio session,
    a group class with two bookings, and an hour off."""
    clinic = build_clinic()
    day = clinic.day(0)
    for hhmm, service, status in (("10:00", clinic.dental, "confirmed"), ("11:00", clinic.physio, "pending"),
                                  ("14:00", clinic.pilates, "confirmed")):
        booked = factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe, service=service,
                                       customer=factories.customer(clinic.tenant), starts_at=clinic.at(day, hhmm),
                                       status=status)
    factories.save(clinic.tenant, AppointmentParticipant(
        tenant_id=clinic.tenant.id, appointment_id=booked.id, customer_id=factories.customer(clinic.tenant).id, seats=2))
    factories.save(clinic.tenant, TimeOff(tenant_id=clinic.tenant.id, provider_id=clinic.chloe.id,
                                          starts_at=clinic.at(day, "12:30"), ends_at=clinic.at(day, "13:30")))
    clinic.desk_email = factories.user(clinic.tenant, "staff").email  # the front desk who signs in
    with tenant_context(clinic.tenant):
        db.session.commit()
    return clinic


def violations(page) -> list[str]:
    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in found if v["impact"] in SERIOUS]


def sign_in(page, live_server, clinic):
    page.goto(live_server.url(clinic.tenant.slug, "/login"))
    page.get_by_label("Email").fill(clinic.desk_email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")


def test_every_calendar_view_has_no_serious_violations(clinic, live_server, page):
    sign_in(page, live_server, clinic)
    location = f"location_id={clinic.london.id}"
    failures = {}
    for path in (f"/dashboard/calendar?{location}", f"/dashboard/calendar/week?{location}",
                 f"/dashboard/calendar/month?{location}", f"/dashboard/calendar/agenda?{location}",
                 f"/dashboard/calendar/agenda?{location}&span=week"):
        response = page.goto(live_server.url(clinic.tenant.slug, path))
        assert response.status == 200, path
        if found := violations(page):
            failures[path] = found
    assert failures == {}, "\n".join(f"{where}: {problems}" for where, problems in failures.items())


def test_the_grid_is_worked_by_keyboard(clinic, live_server, page):
    sign_in(page, live_server, clinic)
    page.goto(live_server.url(clinic.tenant.slug, f"/dashboard/calendar?location_id={clinic.london.id}"))
    first_block = page.locator(".block").first
    expect(first_block).to_contain_text("Confirmed")
    # Tab from the top of the page reaches an empty cell (a link to book there), then the block.
    reached = set()
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.className")
        reached |= {kind for kind in ("cell", "block") if kind in focused.split()}
        if "block" in reached:
            break
    assert reached == {"cell", "block"}
    page.keyboard.press("Enter")  # the block is a link to the appointment's page, with its change-time form
    expect(page).to_have_url(re.compile(r"/dashboard/appointments/\d+$"))


def test_the_date_field_and_filters_work_without_javascript(clinic, live_server, page_without_js):
    page = page_without_js
    sign_in(page, live_server, clinic)
    page.goto(live_server.url(clinic.tenant.slug, "/dashboard/calendar"))
    later = clinic.day(9)
    page.get_by_label("Date").fill(later.isoformat())
    page.get_by_label("Location").select_option(label="Harbour Street")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(later.strftime("%A %-d %B %Y"))
    assert f"date={later.isoformat()}" in page.url and f"location_id={clinic.london.id}" in page.url
    page.get_by_role("link", name="Next day").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text((later + timedelta(days=1)).strftime("%A %-d %B %Y"))


def test_with_javascript_navigation_swaps_the_calendar_and_pushes_its_url(clinic, live_server, page):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    scripts = []
    page.on("response", lambda response: scripts.append(response.status) if "js/calendar.js" in response.url else None)
    sign_in(page, live_server, clinic)
    page.goto(live_server.url(clinic.tenant.slug, f"/dashboard/calendar?location_id={clinic.london.id}"))
    expect(page.locator(".block").first).to_be_visible()
    page.evaluate("document.body.dataset.marker = 'same page'")
    page.get_by_role("link", name="Next day").click()
    tomorrow = clinic.day(1)
    expect(page.get_by_role("heading", level=1)).to_contain_text(tomorrow.strftime("%A %-d %B %Y"))
    assert f"date={tomorrow.isoformat()}" in page.url
    assert page.evaluate("document.body.dataset.marker") == "same page"  # swapped by htmx, not reloaded
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_contain_text(clinic.day(0).strftime("%A %-d %B %Y"))
    assert scripts == [200] and errors == []
    assert page.locator(".block[draggable=true][data-move-url]").count() == 3


def test_forty_five_provider_columns_are_each_laid_out_in_their_place(clinic, live_server, page):
    with tenant_context(clinic.tenant):
        many = [add(Provider(tenant_id=clinic.tenant.id, name=f"Provider {n:02d}")) for n in range(44)]
        for provider in many:
            add(*working(clinic.tenant, provider, clinic.london))
        db.session.commit()
    sign_in(page, live_server, clinic)
    page.goto(live_server.url(clinic.tenant.slug, f"/dashboard/calendar?date={clinic.day(0)}&location_id={clinic.london.id}"))
    heads = page.locator("#calendar .cal-head")
    expect(heads).to_have_count(45)
    xs = [box["x"] for box in (heads.nth(n).bounding_box() for n in range(45))]
    assert xs == sorted(xs) and len(set(xs)) == 45  # one after another, none stacked on another
    last = many[-1]
    head, ten = heads.nth(44).bounding_box(), page.locator("#calendar .cal-time", has_text="10:00").bounding_box()
    cell = page.locator(f'#calendar .cal-col[data-provider-id="{last.id}"] a.cell[data-time="10:00"]').bounding_box()
    assert abs(cell["x"] - head["x"]) < 2 and abs(cell["y"] - ten["y"]) < 2  # under its head, on its row
