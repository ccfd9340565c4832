"""A recurring series as the front desk makes it in Chromium with JavaScript off: the create page's "Repeat"
fieldset, the review with a conflict skipped, the series booked, one of its appointments cancelled with the
following ones. (The review's axe-core check is in test_accessibility.py's sweep: axe needs JavaScript.)"""
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.core import clock
from app.modules.appointments.models import Appointment
from tests.browser.test_new_appointment import committed, desk, new_path, sign_in  # noqa: F401  (desk: a fixture)
from tests.support import factories

pytestmark = pytest.mark.browser
LONDON = ZoneInfo("Europe/London")


def test_without_javascript_a_series_is_reviewed_booked_and_cut_short(app, desk, live_server, page_without_js):  # noqa: F811
    clinic, page = desk["clinic"], page_without_js
    page.set_default_timeout(10_000)
    today = clock.now().astimezone(LONDON).date()
    first = today + timedelta(days=7 - today.weekday())
    third = first + timedelta(weeks=2)
    factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
                          customer=factories.customer(clinic.tenant, name="Ada Lovelace"),
                          starts_at=clinic.at(third, "09:00"))
    committed(clinic, select(Appointment))
    sign_in(page, live_server, clinic, desk["staff"])
    page.goto(live_server.url(clinic.tenant.slug, new_path(clinic, clinic.at(first, "09:00"))))
    page.get_by_label("Find a customer").fill("hopper")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("Grace Hopper").check()
    page.get_by_label("Service").select_option(label="Dental check-up")
    page.get_by_label("Repeat").select_option(label="Every week")
    page.get_by_label("Monday").check()
    page.get_by_label("Ending after (times)").fill("4")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review the series")
    expect(page.locator("#occurrences caption")).to_contain_text("4 dates, 1 in conflict")
    expect(page.locator(f"#occurrence-{third.isoformat()}")).to_contain_text("Ada Lovelace")
    assert committed(clinic, select(Appointment).where(Appointment.series_id.is_not(None))) == []
    page.get_by_label(f"For {page.locator(f'#occurrence-{third.isoformat()} th').inner_text()}").select_option(
        label="Skip this date")
    page.get_by_role("button", name="Book the series with the choices above").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dental check-up series for Grace Hopper")
    rows = committed(clinic, select(Appointment).where(Appointment.series_id.is_not(None))
                     .order_by(Appointment.starts_at))
    assert len(rows) == 3
    page.get_by_role("link", name=rows[1].starts_at.astimezone(LONDON).strftime("%a %-d %b %Y, 09:00")).click()
    page.get_by_label("This and the following ones").last.check()
    page.locator("#cancel-series").get_by_label("Reason").fill("Treatment finished early")
    page.get_by_role("button", name="Cancel appointments").click()
    expect(page.locator("main")).to_contain_text("Cancelled 2 appointments.")
    assert [a.status for a in committed(clinic, select(Appointment).where(Appointment.series_id.is_not(None))
                                        .order_by(Appointment.starts_at))] == ["confirmed", "cancelled", "cancelled"]
