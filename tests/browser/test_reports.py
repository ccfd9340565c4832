"""The reports in Chromium, with JavaScript off: the period and the filters are chosen by keyboard in a
plain GET form, the CSV is a download named for its range, and in print the navigation and the form give
way to the figures."""
import csv
import io
import re

import pytest
from playwright.sync_api import expect

from app.core.database import db
from tests.faces.dashboard.test_reports import NOW, build_october
from tests.support import factories

pytestmark = [pytest.mark.browser, pytest.mark.now(NOW)]


@pytest.fixture
def october(app):
    month = build_october()
    month["slug"], month["owner_email"] = month["tenant"].slug, factories.user(month["tenant"], "owner").email
    db.session.commit()
    return month


def test_a_period_chosen_by_keyboard_without_javascript_then_printed(october, live_server, page_without_js):
    page = page_without_js
    page.goto(live_server.url(october["slug"], "/login"))
    page.get_by_label("Email").fill(october["owner_email"])
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports: Appointments")

    page.get_by_label("Period").focus()
    page.get_by_label("Period").select_option("last_month")
    page.get_by_role("button", name="Show").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".report-range")).to_contain_text("1 Oct 2026 – 31 Oct 2026")
    booked = page.get_by_role("table", name="Appointments by status").get_by_role("row", name="Booked")
    expect(booked).to_contain_text("12")

    page.get_by_role("link", name="Busiest hours").click()
    # The tabs keep the form's query: the same period on the next report.
    expect(page).to_have_url(re.compile(r"/dashboard/reports/busiest-hours\?preset=last_month&"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this report (CSV)").click()
    assert download.value.suggested_filename == "busiest-hours-2026-10-01-to-2026-10-31.csv"
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert ["Sunday", "01:00", "2"] in rows

    page.emulate_media(media="print")
    expect(page.locator(".site-header nav")).to_be_hidden()
    expect(page.locator(".report-filters")).to_be_hidden()
    expect(page.locator("svg.heat-map")).to_be_visible()
    expect(page.get_by_role("table", name="Appointments by weekday and starting hour (local time)")).to_be_visible()
