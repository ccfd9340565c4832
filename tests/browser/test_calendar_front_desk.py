"""The front desk at the calendar in Chromium: an empty cell opens the booking dialog and the new
block appears on the grid; a block dragged to another time and provider has moved, and the customer
was told."""
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments.models import Appointment
from app.modules.notifications.models import Notification
from tests.support import factories
from tests.support.practice import add, build_clinic, working

pytestmark = pytest.mark.browser


@pytest.fixture
def clinic(app):
    """The clinic, with Ben working at Harbour Street too, mornings and one check-up of Chloe's at 10:00."""
    clinic = build_clinic()
    with tenant_context(clinic.tenant):
        add(*working(clinic.tenant, clinic.ben, clinic.london, hours=("09:00", "13:00")))
    clinic.check_up = factories.appointment(
        clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
        customer=factories.customer(clinic.tenant, name="Ada Lovelace"), starts_at=clinic.at(clinic.day(3), "10:00"))
    clinic.desk_email = factories.user(clinic.tenant, "staff").email
    with tenant_context(clinic.tenant):
        db.session.commit()
    return clinic


def open_day(page, live_server, clinic):
    page.goto(live_server.url(clinic.tenant.slug, "/login"))
    page.get_by_label("Email").fill(clinic.desk_email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")
    page.goto(live_server.url(clinic.tenant.slug,
                              f"/dashboard/calendar?date={clinic.day(3)}&location_id={clinic.london.id}&all=1"))


def cell(page, provider, hhmm):
    return page.locator(f'#calendar .cal-col[data-provider-id="{provider.id}"] a.cell[data-time="{hhmm}"]')


def committed(clinic, query):
    db.session.rollback()  # end the test's own snapshot: read what the server's requests committed
    with tenant_context(clinic.tenant):
        return db.session.scalars(query).all()


def test_an_empty_cell_books_a_new_customer_in_a_dialog(clinic, live_server, page):
    open_day(page, live_server, clinic)
    cell(page, clinic.chloe, "15:00").click()
    dialog = page.get_by_role("dialog", name="New appointment")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Name", exact=True).fill("Grace Hopper")
    dialog.get_by_label("Email", exact=True).fill("grace@example.com")
    dialog.get_by_label("Service").select_option(label="Dental check-up")
    dialog.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#calendar a.block", has_text="Grace Hopper")).to_contain_text("15:00")
    made = committed(clinic, sa.select(Appointment).where(Appointment.id != clinic.check_up.id))
    assert [(a.starts_at, a.provider_id, a.source) for a in made] == [
        (clinic.at(clinic.day(3), "15:00"), clinic.chloe.id, "staff")]


def test_a_block_dragged_to_another_time_and_provider_moves_and_tells_the_customer(clinic, live_server, page):
    open_day(page, live_server, clinic)
    page.evaluate("document.body.dataset.marker = 'same page'")
    page.evaluate("document.getElementById('calendar').dataset.marker = 'same grid'")
    block = page.locator("#calendar a.block", has_text="Ada Lovelace")
    block.drag_to(cell(page, clinic.ben, "11:00"))
    expect(page.locator(f'#calendar a.block[data-provider-id="{clinic.ben.id}"]', has_text="Ada Lovelace")
           ).to_contain_text("11:00")
    expect(page.locator("#calendar a.block", has_text="Ada Lovelace")).to_have_count(1)
    expect(page.locator("#calendar-answer")).to_contain_text("Moved to")
    # Only the two columns were swapped: neither the page nor the calendar around them was reloaded.
    assert page.evaluate("document.body.dataset.marker + ' / ' + document.getElementById('calendar').dataset.marker") \
        == "same page / same grid"
    # Where the block stood, Chloe's 10:00 is an empty cell to book again, laid out in her column.
    freed, ben_head = cell(page, clinic.chloe, "10:00"), page.locator("#calendar .cal-head", has_text="Ben")
    expect(freed).to_be_visible()
    moved_box = page.locator("#calendar a.block", has_text="Ada Lovelace").bounding_box()
    head_box = ben_head.bounding_box()
    assert abs(moved_box["x"] - head_box["x"]) < 8  # drawn under Ben's heading, not stacked elsewhere
    (moved,) = committed(clinic, sa.select(Appointment))
    assert (moved.starts_at, moved.provider_id, moved.version) == (clinic.at(clinic.day(3), "11:00"), clinic.ben.id, 2)
    told = committed(clinic, sa.select(Notification.kind).where(Notification.appointment_id == moved.id))
    assert "rescheduled" in told
