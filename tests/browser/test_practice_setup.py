"""A practice from nothing to its first online booking, in a real browser and through its pages only:
sign-up on the platform's host, the email confirmed from the message received, a location in
Pacific/Auckland, a service with a conditional question, a provider with split hours, a member of
staff invited who accepts, and a customer who books. Then the core of it again without JavaScript."""
import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.core.database import db
from app.core.tenancy import all_tenants
from app.modules.appointments.models import Appointment
from app.modules.intake.models import AppointmentParameter
from app.modules.tenants.models import Tenant
from tests.support.mail import SMTPServer

pytestmark = pytest.mark.browser

PASSWORD = "kauri-tree-2026"


@pytest.fixture
def inbox(app):
    """A real SMTP server the app delivers to; the messages it received."""
    with SMTPServer() as server:
        app.config.update(server.config())
        yield server.inbox


@pytest.fixture
def http_links(app, live_server):
    # Links in emails and the hand-over to the practice's host use the loopback server's scheme.
    app.config["PREFERRED_URL_SCHEME"] = "http"
    return live_server


def link_in(inbox, recipient: str, path: str) -> str:
    """The link to ``path`` in the latest message ``recipient`` received."""
    expect_message = re.compile(rf"https?://\S+{re.escape(path)}\S+")
    for _ in range(100):
        messages = inbox.to(recipient)
        if messages:
            body = messages[-1].get_body(preferencelist=("plain",)).get_content()
            if found := expect_message.search(body):
                return found.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no message to {recipient} with a {path} link: {inbox.subjects()}")


def sign_up(page, server, *, name: str, email: str) -> None:
    page.goto(server.url("www", "/signup"))
    page.get_by_label("Practice name").fill(name)
    # The address is suggested from the name, and checked, as it is typed.
    slug = re.sub(r"[^a-z]+", "-", name.lower())
    if page.evaluate("!!window.htmx"):
        expect(page.locator("#address-status")).to_have_text(f"{slug}.sloty.test:{server.port} is free.")
    page.get_by_label("Your name").fill("Kim Tane")
    page.get_by_label("Your email").fill(email)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Time zone").select_option("Pacific/Auckland")
    page.get_by_role("button", name="Create my practice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Getting started")


def add_location(page) -> None:
    page.get_by_role("link", name="Add a location").first.click()
    page.get_by_label("Name").fill("Ponsonby Road")
    page.get_by_label("Address").fill("12 Ponsonby Road, Auckland")
    page.get_by_label("Time zone", exact=True).select_option("Pacific/Auckland")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ponsonby Road")


def add_service(page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Services").click()
    page.get_by_role("link", name="Add a service").click()
    page.get_by_label("Name").fill("Physio assessment")
    page.get_by_label("Length (minutes)").fill("45")
    page.get_by_label("Price").fill("85.00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Physio assessment")


def add_provider_with_split_hours(page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Providers").click()
    page.get_by_role("link", name="Add a provider").click()
    page.get_by_label("Name").fill("Aroha Ngata")
    page.get_by_label("Ponsonby Road").check()
    page.get_by_label("Physio assessment").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Aroha Ngata").click()
    page.get_by_role("link", name="Working hours and time off").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Working hours: Aroha Ngata")
    page.locator("#monday-0-starts_at").fill("09:00")
    page.locator("#monday-0-ends_at").fill("12:00")
    page.get_by_role("group", name="Monday").get_by_role("button", name="Add an interval").click()
    page.locator("#monday-1-starts_at").fill("13:00")
    page.locator("#monday-1-ends_at").fill("17:00")
    page.get_by_role("button", name="Copy Monday to all weekdays").click()
    expect(page.locator("#friday-1-starts_at")).to_have_value("13:00")
    page.get_by_role("button", name="Save hours").first.click()
    expect(page.locator("#flashes")).to_contain_text("saved")
    expect(page.locator("#online-times .slot").first).to_be_visible()


def add_conditional_question(page) -> None:
    """"How did the injury happen?" (sport, work, other); "Which sport?" only when it was sport."""
    page.get_by_role("navigation").get_by_role("link", name="Questions").click()
    for label, type_ in (("How did the injury happen?", "One choice"), ("Which sport?", "Short text")):
        page.goto(page.url.split("/dashboard/")[0] + "/dashboard/setup/questions/new")
        page.get_by_label("Question").fill(label)
        page.get_by_label("Type").select_option(type_)
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(label)
        if type_ == "One choice":
            for option in ("Sport", "Work", "Other"):
                page.get_by_label("New option").fill(option)
                page.get_by_role("button", name="Add option").click()
                expect(page.get_by_role("cell", name=option.lower(), exact=True)).to_be_visible()  # its stored value
    page.get_by_role("navigation").get_by_role("link", name="Services").click()
    page.get_by_role("link", name="Physio assessment").click()
    page.get_by_role("link", name="Questions asked when booking it").click()
    for label in ("How did the injury happen?", "Which sport?"):
        page.get_by_label("Ask another question").select_option(label=label)
        page.get_by_role("button", name="Ask this question").click()
        expect(page.locator("#service-setup")).to_contain_text(label)
    page.get_by_label("If the answer to").select_option(label="How did the injury happen?")
    page.get_by_label("is (or includes)").fill("Sport")
    page.get_by_label("then").select_option("show")
    page.get_by_label("the question", exact=True).select_option(label="Which sport?")
    page.get_by_role("button", name="Add rule").click()
    expect(page.locator("#rules")).to_contain_text("Which sport?")
    # The preview asks as the booking site will.
    preview = page.locator("#preview-form")
    expect(preview.get_by_label("Which sport?")).to_be_hidden()
    preview.get_by_label("How did the injury happen?").select_option("Sport")
    expect(preview.get_by_label("Which sport?")).to_be_visible()


def invite_staff_who_accepts(page, browser, server, inbox, slug: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Team").click()
    invite = page.locator("form", has=page.get_by_role("button", name="Send the invitation"))
    invite.get_by_label("Email").fill("sam@kiwi-physio.example")
    invite.get_by_label("Name").fill("Sam Reid")
    invite.get_by_label("Role").select_option("staff")
    invite.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("#flashes")).to_contain_text("sam@kiwi-physio.example")

    link = link_in(inbox, "sam@kiwi-physio.example", "/invitations/")
    assert link.startswith(server.url(slug, "/invitations/"))
    context = browser.new_context()
    staff = context.new_page()
    staff.goto(link)
    staff.get_by_label("Choose a password").fill("front-desk-password")
    staff.get_by_role("button", name="Join the team").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Today’s agenda")
    expect(staff.get_by_role("button", name=re.compile("Sign out Sam Reid"))).to_be_visible()
    context.close()


def book_online(browser, server, slug: str) -> None:
    context = browser.new_context()
    customer = context.new_page()
    customer.goto(server.url(slug))
    expect(customer.get_by_text("Online booking opens soon")).to_have_count(0)
    customer.get_by_role("link", name="Physio assessment").click()
    expect(customer.get_by_role("heading", level=1)).to_have_text("Physio assessment")
    days = customer.get_by_role("navigation", name="Choose a day").locator("a.day:not(.full)")
    if days.count() == 0:
        customer.get_by_role("link", name="Next week →").click()
    days.first.click()
    customer.locator("ul.slots a.slot").first.click()
    customer.get_by_label("Your name").fill("Nora Quinn")
    customer.get_by_label("Email").fill("nora.quinn@example.com")
    customer.get_by_label("How did the injury happen?").select_option("Sport")
    customer.get_by_label("Which sport?").fill("Netball")
    customer.get_by_role("button", name="Confirm booking").click()
    expect(customer.get_by_role("heading", level=1)).to_have_text("You’re booked")
    expect(customer.locator("dl.summary")).to_contain_text("Aroha Ngata")
    context.close()


def practice_rows(slug: str):
    db.session.expire_all()
    with all_tenants():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
        appointments = db.session.scalars(sa.select(Appointment).where(Appointment.tenant_id == tenant.id)).all()
        answers = db.session.scalars(sa.select(AppointmentParameter.value)
                                     .where(AppointmentParameter.tenant_id == tenant.id)).all()
    return tenant, appointments, answers


def test_a_new_practice_sets_itself_up_and_takes_its_first_booking(http_links, inbox, chromium, page):
    server = http_links
    sign_up(page, server, name="Kiwi Physio", email="kim@kiwi-physio.example")
    expect(page).to_have_url(server.url("kiwi-physio", "/dashboard/getting-started"))
    expect(page.locator("main")).to_contain_text("Please confirm your email")

    confirm = link_in(inbox, "kim@kiwi-physio.example", "/confirm-email/")
    page.goto(confirm)
    page.get_by_role("button", name="Confirm my email").click()
    expect(page.locator("#flashes")).to_contain_text("your email is confirmed")
    expect(page.locator("main")).not_to_contain_text("Please confirm your email")

    add_location(page)
    add_service(page)
    add_provider_with_split_hours(page)
    add_conditional_question(page)
    invite_staff_who_accepts(page, chromium, server, inbox, "kiwi-physio")
    page.goto(server.url("kiwi-physio", "/dashboard/getting-started"))
    expect(page.locator("main")).to_contain_text("is taking bookings online")

    book_online(chromium, server, "kiwi-physio")
    tenant, appointments, answers = practice_rows("kiwi-physio")
    assert tenant.timezone == "Pacific/Auckland"
    (appointment,) = appointments
    assert appointment.price == 8500 and appointment.status == "confirmed"
    assert sorted(answers) == ["Netball", "sport"]


def test_without_javascript_locations_services_and_hours_set_up_too(http_links, inbox, page_without_js):
    page, server = page_without_js, http_links
    sign_up(page, server, name="Quiet Clinic", email="q@quiet.example")
    add_location(page)
    add_service(page)
    add_provider_with_split_hours(page)
    page.goto(server.url("quiet-clinic", "/dashboard/getting-started"))
    expect(page.locator("main")).to_contain_text("is taking bookings online")
    tenant, _, _ = practice_rows("quiet-clinic")
    assert tenant.name == "Quiet Clinic"
