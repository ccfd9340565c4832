"""The front desk merges two duplicates in Chromium, with JavaScript on and off: from the likely
duplicates, through the confirmation of what moves, to the record of the customer kept."""
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments.models import AppointmentParticipant
from app.modules.customers.models import Customer
from tests.support import factories
from tests.support.practice import build_clinic

pytestmark = pytest.mark.browser


@pytest.fixture
def clinic(app):
    """The clinic with Anna and her duplicate, each booked once, committed before the server starts
    (on SQLite a second writer would find the database locked)."""
    clinic = build_clinic()
    t = clinic.tenant
    clinic.anna = factories.customer(t, name="Anna Smith", email="anna@example.com")
    clinic.again = factories.customer(t, name="Anna Smith", email="ANNA@example.com", phone="+447700900123")
    for customer, days in ((clinic.anna, 2), (clinic.again, 3)):
        factories.appointment(t, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
                              customer=customer, days=days, at="10:00")
    clinic.desk_email = factories.user(t, "staff").email
    with tenant_context(t):
        db.session.commit()
    return clinic


def merge_from_the_duplicates_page(page, live_server, clinic):
    page.goto(live_server.url(clinic.tenant.slug, "/login"))
    page.get_by_label("Email").fill(clinic.desk_email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")

    page.goto(live_server.url(clinic.tenant.slug, "/dashboard/customers"))
    page.get_by_role("link", name="Likely duplicates").click()
    expect(page.get_by_role("heading", level=2, name="Same email (ignoring capitals)")).to_be_visible()
    page.get_by_role("link", name="Review merge into Anna Smith").click()

    merging = f"Merge Anna Smith (#{clinic.again.id}) into Anna Smith (#{clinic.anna.id})"
    expect(page.get_by_role("heading", level=1)).to_have_text(merging)
    expect(page.get_by_role("heading", name="Bookings: 1")).to_be_visible()
    expect(page.locator("#moving-bookings-list li")).to_have_count(1)
    expect(page.locator("#moving-bookings-list")).to_contain_text("Dental check-up with Chloe Martin")
    page.get_by_role("button", name=merging).click()

    expect(page).to_have_url(live_server.url(clinic.tenant.slug, f"/dashboard/customers/{clinic.anna.id}"))
    expect(page.locator("#flashes")).to_contain_text(f"Anna Smith (#{clinic.again.id}) is merged into Anna Smith")
    expect(page.locator("#upcoming-appointments tbody tr", has_text="Dental check-up")).to_have_count(2)


def committed(clinic):
    db.session.rollback()  # end the test's own snapshot: read what the server's requests committed
    with tenant_context(clinic.tenant):
        customers = {c.id: c for c in db.session.scalars(sa.select(Customer))}
        bookings = set(db.session.scalars(sa.select(AppointmentParticipant.customer_id)))
    return customers, bookings


@pytest.mark.parametrize("browser", ["page", "page_without_js"])
def test_the_front_desk_merges_two_duplicates(clinic, live_server, request, browser):
    merge_from_the_duplicates_page(request.getfixturevalue(browser), live_server, clinic)
    customers, bookings = committed(clinic)
    assert bookings == {clinic.anna.id}
    assert (customers[clinic.again.id].active, customers[clinic.again.id].merged_into_id) == (False, clinic.anna.id)
