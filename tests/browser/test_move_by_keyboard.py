"""Moving an appointment without dragging (WCAG 2.2 SC 2.5.7): the "change time" form by keyboard alone,
and with JavaScript off."""
import re

import pytest
from playwright.sync_api import expect

from app.core.database import db
from app.modules.appointments.models import Appointment
from app.modules.notifications.models import Notification
from tests.support import factories
from tests.support.database import rows

pytestmark = pytest.mark.browser


@pytest.fixture
def moving(clinic):
    desk = factories.user(clinic.tenant, "staff")
    item = factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
                                 customer=factories.customer(clinic.tenant, name="Grace Hopper"),
                                 starts_at=clinic.at(clinic.day(3), "10:00"))
    db.session.commit()
    return desk, item


def _sign_in(page, live_server, clinic, desk):
    page.goto(live_server.url(clinic.tenant.slug, "/login"))
    page.get_by_label("Email").fill(desk.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


@pytest.mark.parametrize("javascript", [True, False], ids=["keyboard", "no-javascript"])
def test_the_change_time_form_moves_the_appointment(clinic, moving, live_server, page, page_without_js, javascript,
                                                    messages_stay_in_the_outbox):
    desk, item = moving
    browser = page if javascript else page_without_js
    _sign_in(browser, live_server, clinic, desk)
    browser.goto(live_server.url(clinic.tenant.slug, f"/dashboard/appointments/{item.id}"))
    time_field = browser.get_by_label("Time", exact=True)
    time_field.focus()
    if javascript:  # by keyboard alone: type the time, tab to the button, press Enter
        time_field.press("Control+a")
        browser.keyboard.type("1415")
        for _ in range(10):
            browser.keyboard.press("Tab")
            if browser.evaluate("document.activeElement.textContent") == "Move appointment":
                break
        browser.keyboard.press("Enter")
    else:
        time_field.fill("14:15")
        browser.get_by_role("button", name="Move appointment").click()
    expect(browser.get_by_text("Appointment moved.")).to_be_visible()
    expect(browser.get_by_text(re.compile(r"14:15–14:45"))).to_be_visible()
    db.session.rollback()  # end the test's own snapshot: read what the server committed
    (moved,) = rows(clinic.tenant, Appointment)
    assert moved.starts_at == clinic.at(clinic.day(3), "14:15") and moved.version == 2
    assert [n.kind for n in rows(clinic.tenant, Notification, Notification.kind != "reminder")] == ["rescheduled"]
