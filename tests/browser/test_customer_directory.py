"""The customer directory in Chromium: a customer found by a phone number written differently from how
it is stored, as you type with JavaScript (the list swapped in place, the URL pushed) and by the plain
GET form without it; then their record, reached from the list."""
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.core.database import db
from app.core.tenancy import tenant_context
from tests.support import factories
from tests.support.practice import build_clinic

pytestmark = pytest.mark.browser


@pytest.fixture
def clinic(app):
    """The clinic with Grace on +447700900123 among 40 other customers, and a front desk member. Committed
    before the live server starts (SQLite would otherwise be locked by this test's open transaction)."""
    clinic = build_clinic()
    factories.customer(clinic.tenant, name="Grace Hopper", email="admiral@navy.example", phone="+447700900123")
    for n in range(40):
        factories.customer(clinic.tenant, name=f"Customer {n:02d}", phone=f"+4479111{n:05d}")
    clinic.desk_email = factories.user(clinic.tenant, "staff").email
    with tenant_context(clinic.tenant):
        db.session.commit()
    return clinic


def sign_in(page, live_server, clinic):
    page.goto(live_server.url(clinic.tenant.slug, "/login"))
    page.get_by_label("Email").fill(clinic.desk_email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")


def serious_violations(page) -> list[str]:
    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']}" for v in found if v["impact"] in ("serious", "critical")]


def rows(page):
    return page.locator("#customers tbody tr")


def test_with_javascript_the_list_follows_the_typing_and_the_url_is_pushed(clinic, live_server, page):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, clinic)
    page.get_by_role("link", name="Customers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers")
    expect(rows(page)).to_have_count(25)  # the first page, by name
    page.evaluate("document.body.dataset.marker = 'same page'")
    page.get_by_label("Find a customer").press_sequentially("07700 900123", delay=20)  # no submit: as you type
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Grace Hopper")
    expect(page).to_have_url(re.compile(r"/dashboard/customers\?q=07700(%20|\+)900123"))
    assert page.evaluate("document.body.dataset.marker") == "same page"  # swapped by htmx, not reloaded
    # The pushed URL, reloaded, is the whole page with the same result.
    page.reload()
    expect(page.get_by_label("Find a customer")).to_have_value("07700 900123")
    expect(rows(page)).to_have_count(1)
    assert serious_violations(page) == []
    page.get_by_role("link", name="Grace Hopper").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Hopper")
    expect(page.get_by_label("Dental insurance provider")).to_be_visible()  # her record, with its kept answers
    assert serious_violations(page) == []
    assert errors == []


def test_without_javascript_the_search_is_a_plain_get_form(clinic, live_server, page_without_js):
    page = page_without_js
    sign_in(page, live_server, clinic)
    page.goto(live_server.url(clinic.tenant.slug, "/dashboard/customers"))
    page.get_by_label("Find a customer").fill("+44 7700-900-123")
    page.get_by_role("button", name="Search").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Grace Hopper")
    assert "/dashboard/customers?q=%2B44+7700-900-123" in page.url
    # Paging is links too: the next page of everyone, by name, has no one from the first.
    page.goto(live_server.url(clinic.tenant.slug, "/dashboard/customers"))
    first = rows(page).all_inner_texts()
    page.get_by_role("link", name="Next page").click()
    expect(rows(page)).to_have_count(41 - 25)
    assert not set(first) & set(rows(page).all_inner_texts())
