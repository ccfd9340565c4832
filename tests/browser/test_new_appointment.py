"""Booking from the calendar in Chromium: the create page with JavaScript off, and the htmx dialog with
it on (active search, an error kept in the dialog, the dialog closed by the calendar-changed event),
with no serious or critical axe-core violation in the dialog."""
from urllib.parse import urlencode

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from app.core.database import db
from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.customers.models import Customer
from tests.support import factories
from tests.support.database import scalars
from tests.support.pages import key

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(clinic):
    """The clinic, a front-desk member, and Grace, an existing customer: all committed for the server."""
    staff = factories.user(clinic.tenant, "staff")
    grace = factories.customer(clinic.tenant, name="Grace Hopper", email="grace@example.com")
    db.session.commit()
    return {"clinic": clinic, "staff": staff, "grace": grace}


def sign_in(page, live_server, clinic, user) -> None:
    page.goto(live_server.url(clinic.tenant.slug, "/login"))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")


def committed(clinic, query) -> list:
    """What the server committed: the test's own read transaction ended first (SQLite reads a snapshot)."""
    db.session.commit()
    return scalars(clinic.tenant, query)


def new_path(clinic, start) -> str:
    return "/dashboard/appointments/new?" + urlencode(
        {"provider_id": clinic.chloe.id, "location_id": clinic.london.id, "start": key(start)})


def add_dialog_link(page, path: str, text: str) -> None:
    """A link that fetches the form into the page with htmx, as the calendar's cells do."""
    page.wait_for_function("() => window.htmx")  # htmx is a deferred script: wait until it has run
    page.evaluate("""([path, text]) => {
        const link = document.createElement("a");
        link.href = path; link.textContent = text;
        link.setAttribute("hx-get", path); link.setAttribute("hx-target", "body"); link.setAttribute("hx-swap", "beforeend");
        document.querySelector("main").append(link);
        htmx.process(link);
    }""", [path, text])


def test_without_javascript_the_form_is_a_page_that_books(app, desk, live_server, page_without_js):
    clinic, page = desk["clinic"], page_without_js
    start = clinic.at(clinic.day(3), "10:00")
    sign_in(page, live_server, clinic, desk["staff"])
    page.goto(live_server.url(clinic.tenant.slug, new_path(clinic, start)))
    expect(page.get_by_role("heading", level=1)).to_have_text("New appointment")
    page.get_by_label("Find a customer").fill("hopper")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("Grace Hopper").check()
    page.get_by_label("Service").select_option(label="Dental check-up")
    page.get_by_label("Internal note").fill("Called in")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dental check-up")
    expect(page.locator("main")).to_contain_text("Grace Hopper")
    (made,) = committed(clinic, select(Appointment))
    assert (made.starts_at, made.source, made.internal_notes) == (start, "staff", "Called in")
    (booking,) = committed(clinic, select(AppointmentParticipant))
    assert booking.customer_id == desk["grace"].id


def test_with_javascript_the_form_opens_in_a_dialog(app, desk, live_server, page):
    clinic = desk["clinic"]
    start = clinic.at(clinic.day(3), "11:00")
    sign_in(page, live_server, clinic, desk["staff"])
    # A calendar cell's link, as the calendar views make them: htmx fetches the dialog into the page.
    add_dialog_link(page, new_path(clinic, start), "New appointment at 11:00")
    page.get_by_role("link", name="New appointment at 11:00").click()
    dialog = page.get_by_role("dialog", name="New appointment")
    expect(dialog).to_be_visible()
    assert page.url.endswith("/dashboard/")  # a dialog over the calendar, not another page
    found = Axe().run(page).response["violations"]
    assert [f"{v['id']}: {v['help']}" for v in found if v["impact"] in ("serious", "critical")] == []

    # Book with no customer: the error is shown in the dialog, which stays open.
    dialog.get_by_label("Service").select_option(label="Dental check-up")
    dialog.get_by_role("button", name="Book", exact=True).click()
    expect(dialog).to_contain_text("Choose a customer from the search")

    # Active search, as the front desk types.
    dialog.get_by_label("Find a customer").press_sequentially("Hopp", delay=30)
    expect(dialog.get_by_label("Grace Hopper")).to_be_visible()
    dialog.get_by_label("Grace Hopper").check()
    dialog.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    (made,) = committed(clinic, select(Appointment))
    assert (made.starts_at, made.source, made.provider_id) == (start, "staff", clinic.chloe.id)
    (booking,) = committed(clinic, select(AppointmentParticipant))
    assert booking.customer_id == desk["grace"].id


def test_a_new_customer_is_created_inline_in_the_dialog(app, desk, live_server, page):
    clinic = desk["clinic"]
    sign_in(page, live_server, clinic, desk["staff"])
    add_dialog_link(page, new_path(clinic, clinic.at(clinic.day(3), "14:00")), "New appointment")
    page.get_by_role("link", name="New appointment").click()
    dialog = page.get_by_role("dialog", name="New appointment")
    dialog.get_by_label("Name", exact=True).fill("Ada Lovelace")
    dialog.get_by_label("Email", exact=True).fill("ada@example")
    dialog.get_by_label("Service").select_option(label="Dental check-up")
    dialog.get_by_role("button", name="Book", exact=True).click()
    expect(dialog.get_by_label("Email", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_label("Name", exact=True)).to_have_value("Ada Lovelace")
    dialog.get_by_label("Email", exact=True).fill("ada@example.com")
    dialog.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert [c.email for c in committed(clinic, select(Customer).where(Customer.name == "Ada Lovelace"))] == [
        "ada@example.com"]
