"""The customer booking flow in a real browser, with JavaScript on and off: choosing a time, the intake
questions and their rules, managing a booking by its link, and history after htmx swaps."""
import re
from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments.models import AppointmentParticipant
from app.modules.catalogue.models import ProviderLocation
from app.modules.demo.seed import seed_demo
from app.modules.schedules.models import WorkingHours
from tests.support import factories

pytestmark = pytest.mark.browser

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def demo(app):
    seed_demo(db.session, now=clock.now())
    db.session.commit()


@pytest.fixture
def clinic(app):
    """A London practice whose one provider works every day 09:00–17:00, so no test depends on the weekday."""
    tenant = factories.tenant("sunny", name="Sunny Smiles", timezone="Europe/London")
    location = factories.location(tenant, name="High Street", timezone="Europe/London")
    service = factories.service(tenant, name="Check-up", duration_minutes=30)
    provider = factories.provider(tenant, name="Dr. Rosa Diaz", services=[service])
    with tenant_context(tenant):
        db.session.add(ProviderLocation(tenant_id=tenant.id, provider_id=provider.id, location_id=location.id))
        db.session.add_all(
            WorkingHours(tenant_id=tenant.id, provider_id=provider.id, location_id=location.id,
                         weekday=weekday, starts_at=time(9), ends_at=time(17))
            for weekday in range(7)
        )
        db.session.commit()
    return SimpleNamespace(tenant=tenant, location=location, service=service, provider=provider)


def today_in_london() -> date:
    return clock.now().astimezone(LONDON).date()


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def day_in(url: str) -> date:
    return date.fromisoformat(re.search(r"day=(\d{4}-\d\d-\d\d)", url).group(1))


def ends_with(path: str) -> re.Pattern:
    return re.compile(re.escape(path) + "$")


# The header sits outside every swapped region. A JS property on it survives an htmx swap and a
# pushState, but not a page load, so it tells the two apart.
def mark_the_header(page) -> None:
    page.locator("header.site-header").evaluate("header => { header.slotyMark = 'still here'; }")


def header_mark(page):
    return page.locator("header.site-header").evaluate("header => header.slotyMark ?? null")


def first_week_day_label(page):
    """The first day (a Monday) of the week strip, as shown: "Mon 15"."""
    return page.get_by_role("navigation", name="Choose a day").locator("li").first


def expect_week_of(page, monday: date) -> None:
    expect(first_week_day_label(page)).to_have_text(re.compile(rf"^\s*Mon\s+{monday.day}\b"), use_inner_text=True)


# Steps of choosing a time, shared by the JavaScript and no-JavaScript flows. Each waits for its result,
# which arrives either as a new page or as a swapped fragment.

def open_dental_check_up(page, live_server) -> None:
    page.goto(live_server.url("demo"))
    page.get_by_role("link", name="Dental check-up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dental check-up")


def choose_harbour_street(page) -> None:
    page.get_by_label("Harbour Street").check()
    page.get_by_role("button", name="Show times").click()
    expect(page).to_have_url(re.compile(r"location=\d+"))
    expect(page.locator("#day-heading")).to_contain_text("times in Europe/London")


def go_to_next_week(page) -> date:
    """Click "Next week →" (it lands on that week's first day with times) and return that week's Monday."""
    link = page.get_by_role("link", name="Next week →")
    href = link.get_attribute("href")
    link.click()
    expect(page).to_have_url(ends_with(href))
    monday = monday_of(day_in(href))
    expect_week_of(page, monday)
    return monday


def pick_first_day_with_times(page) -> date:
    day_link = page.get_by_role("navigation", name="Choose a day").locator("a.day:not(.full)").first
    href = day_link.get_attribute("href")
    day_link.click()
    expect(page).to_have_url(ends_with(href))
    day = day_in(href)
    expect(page.locator("#day-heading")).to_contain_text(day.strftime("%A %-d %B"))
    return day


def pick_first_time(page) -> str:
    slot = page.locator("ul.slots a.slot").first
    label = slot.inner_text().strip()
    slot.click()
    expect(page).to_have_url(re.compile(r"/book\?.*start="))
    expect(page.locator(".chosen-slot")).to_contain_text(label)
    return label


def fill_in_contact_details(page) -> None:
    page.get_by_label("Your name").fill("Nora Quinn")
    page.get_by_label("Email").fill("nora.quinn@example.com")
    page.get_by_label("Mobile phone (optional)").fill("07400 123456")


def expect_booked(page, day: date, starts: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("You’re booked")
    summary = page.locator("dl.summary")
    expect(summary).to_contain_text("Dental check-up")
    expect(summary).to_contain_text(f"{day.strftime('%A %-d %B %Y')}, {starts}")
    expect(summary).to_contain_text("Chloe Martin")
    expect(summary).to_contain_text("Harbour Street")
    expect(page.locator("#booking-status")).to_have_text("Confirmed")
    expect(page.get_by_role("link", name="Download .ics")).to_have_attribute("href", re.compile(r"/bookings/[\w-]+/calendar\.ics$"))
    expect(page.locator("#manage-link")).to_have_attribute("href", re.compile(r"^/bookings/[\w-]+$"))


def test_booking_with_javascript_swaps_each_step_in_place(demo, live_server, page):
    open_dental_check_up(page, live_server)
    mark_the_header(page)

    choose_harbour_street(page)
    go_to_next_week(page)
    day = pick_first_day_with_times(page)
    assert "day=" in page.url
    starts = pick_first_time(page)
    assert header_mark(page) == "still here", "htmx should have swapped each step into the same page"
    expect(page.get_by_role("link", name="← Choose another time")).to_be_visible()

    fill_in_contact_details(page)
    page.get_by_label("Is this your first visit to us?").check()
    page.get_by_label("Dental insurance provider").fill("Denplan")
    page.get_by_label("Date of birth").fill("1985-04-12")
    page.get_by_label("Anything else we should know?").fill("Nervous about X-rays.")
    page.get_by_role("button", name="Confirm booking").click()

    expect_booked(page, day, starts)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download .ics").click()
    assert download.value.suggested_filename == "appointment.ics"
    with open(download.value.path(), encoding="utf-8") as ics:
        assert "SUMMARY:Dental check-up" in ics.read()


def test_booking_without_javascript_uses_plain_links_and_forms(demo, live_server, page_without_js):
    page = page_without_js
    open_dental_check_up(page, live_server)

    choose_harbour_street(page)
    go_to_next_week(page)
    day = pick_first_day_with_times(page)
    starts = pick_first_time(page)

    fill_in_contact_details(page)
    page.get_by_label("Date of birth").fill("1985-04-12")
    page.get_by_role("button", name="Confirm booking").click()

    expect(page).to_have_url(re.compile(r"/bookings/[\w-]+/confirmation$"))
    expect_booked(page, day, starts)


def open_dental_details(page, live_server) -> None:
    open_dental_check_up(page, live_server)
    choose_harbour_street(page)
    go_to_next_week(page)
    pick_first_day_with_times(page)
    pick_first_time(page)


def test_pain_questions_appear_and_disappear_live(demo, live_server, page):
    open_dental_details(page, live_server)
    details_url = page.url
    mark_the_header(page)
    pain_level = page.get_by_label("How bad is the pain?")
    pain_area = page.get_by_role("group", name="Where is the pain?")
    expect(pain_level).to_be_hidden()
    expect(pain_area).to_be_hidden()
    page.get_by_label("Dental insurance provider").fill("Denplan")

    page.get_by_label("Are you in any pain at the moment?").select_option("Yes")
    expect(pain_level).to_be_visible()
    expect(page.locator("#field-pain_level")).to_contain_text("(required)")
    expect(pain_area).to_be_visible()
    expect(page.get_by_label("Dental insurance provider")).to_have_value("Denplan")

    page.get_by_label("Are you in any pain at the moment?").select_option("No")
    expect(pain_level).to_be_hidden()
    expect(pain_area).to_be_hidden()
    assert page.url == details_url
    assert header_mark(page) == "still here", "the questions should change without a page load"


def test_without_javascript_pain_level_is_required_on_submit(demo, live_server, page_without_js):
    page = page_without_js
    open_dental_details(page, live_server)
    expect(page.get_by_label("How bad is the pain?")).to_be_hidden()

    fill_in_contact_details(page)
    page.get_by_label("Dental insurance provider").fill("Denplan")
    page.get_by_label("Date of birth").fill("1985-04-12")
    page.get_by_label("Are you in any pain at the moment?").select_option("Yes")
    page.get_by_role("button", name="Confirm booking").click()

    pain_level = page.locator("#field-pain_level")
    expect(pain_level.get_by_label("How bad is the pain?")).to_be_visible()
    expect(pain_level.locator(".error")).to_have_text("Please answer this question.")
    expect(page.get_by_role("group", name="Where is the pain?")).to_be_visible()
    expect(page.get_by_label("Your name")).to_have_value("Nora Quinn")
    expect(page.get_by_label("Email")).to_have_value("nora.quinn@example.com")
    expect(page.get_by_label("Dental insurance provider")).to_have_value("Denplan")
    expect(page.get_by_label("Date of birth")).to_have_value("1985-04-12")
    expect(page.get_by_label("Are you in any pain at the moment?")).to_have_value("yes")


def test_customer_reschedules_then_cancels_through_the_manage_link(clinic, live_server, page):
    day = monday_of(today_in_london()) + timedelta(days=9)  # next week's Wednesday: past both 24-hour cutoffs
    starts_at = datetime.combine(day, time(10), LONDON).astimezone(timezone.utc)
    appointment = factories.appointment(
        clinic.tenant, location=clinic.location, provider=clinic.provider, service=clinic.service,
        customer=factories.customer(clinic.tenant), starts_at=starts_at,
    )
    db.session.commit()  # the live server reads on a connection of its own
    with tenant_context(clinic.tenant):
        token = db.session.scalar(
            sa.select(AppointmentParticipant.manage_token).where(AppointmentParticipant.appointment_id == appointment.id)
        )

    page.goto(live_server.url("sunny", f"/bookings/{token}/confirmation"))
    page.locator("#manage-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment")
    when = page.locator("dl.summary dt:text-is('When') + dd")
    expect(when).to_contain_text(f"{day.strftime('%A %-d %B %Y')}, 10:00–10:30")

    page.get_by_role("link", name="Reschedule").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move your Check-up")
    go_to_next_week(page)
    page.get_by_role("navigation", name="Choose a day").locator(f"a[href*='day={day.isoformat()}']").click()
    expect(page.locator("#day-heading")).to_contain_text(day.strftime("%A %-d %B"))
    page.get_by_role("button", name="14:00", exact=True).click()

    expect(page).to_have_url(ends_with(f"/bookings/{token}"))
    expect(page.get_by_text("Your appointment has been moved.")).to_be_visible()
    expect(when).to_contain_text(f"{day.strftime('%A %-d %B %Y')}, 14:00–14:30")

    page.get_by_label("Reason (optional)").fill("Feeling better, thank you.")
    page.get_by_role("button", name="Cancel appointment").click()
    expect(page.get_by_text("Your appointment is cancelled.")).to_be_visible()
    expect(page.locator("#booking-status")).to_have_text("Cancelled")
    expect(page.get_by_role("link", name="Reschedule")).to_have_count(0)
    expect(page.get_by_role("button", name="Cancel appointment")).to_have_count(0)


def test_back_and_forward_after_week_navigation_show_each_week(clinic, live_server, page):
    service_url = live_server.url("sunny", f"/services/{clinic.service.id}")
    this_monday = monday_of(today_in_london())
    page.goto(service_url)
    expect_week_of(page, this_monday)
    mark_the_header(page)

    next_monday = go_to_next_week(page)
    assert next_monday == this_monday + timedelta(days=7)
    next_week_url = page.url
    assert header_mark(page) == "still here"

    page.go_back()
    expect(page).to_have_url(service_url)
    expect_week_of(page, this_monday)

    page.go_forward()
    expect(page).to_have_url(next_week_url)
    expect_week_of(page, next_monday)


def test_reloading_a_pushed_week_renders_the_whole_page(clinic, live_server, page):
    page.goto(live_server.url("sunny", f"/services/{clinic.service.id}"))
    next_monday = go_to_next_week(page)
    pushed = page.url

    page.reload()
    expect(page).to_have_url(pushed)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-up")
    expect(page.get_by_role("link", name="← All services")).to_be_visible()
    expect_week_of(page, next_monday)
    expect(page.locator("#booking-step")).to_have_count(1)
