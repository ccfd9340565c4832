"""The demo practice, seen through a real browser."""
import re

import pytest
from playwright.sync_api import expect

from app.core import clock
from app.core.database import db
from app.modules.demo.seed import seed_demo

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(app):
    summary = seed_demo(db.session, now=clock.now())
    db.session.commit()
    return summary


def test_demo_booking_home_shows_the_practice_and_its_services(demo, live_server, page):
    page.goto(live_server.url("demo"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbour Health Clinic")
    services = page.locator(".services a")
    expect(services.filter(has_text="Initial consultation")).to_be_visible()
    expect(services.filter(has_text="Pilates group class")).to_be_visible()
    expect(page.get_by_text("Brooklyn Studio")).to_be_visible()


# The demo books its appointments on working days: on a Sunday, or at another instant's weekend, today's
# agenda is rightly empty. A Wednesday morning, whenever the suite runs.
@pytest.mark.now("2031-03-12T09:30:00+00:00")
def test_front_desk_signs_in_and_sees_todays_agenda(demo, live_server, page):
    page.goto(live_server.url("demo", "/dashboard/"))
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Email").fill("frontdesk@demo.test")
    page.get_by_label("Password").fill("demo-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Today’s agenda")
    expect(page.locator("table.agenda tbody tr").first).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Sign out Tom Reed"))).to_be_visible()
