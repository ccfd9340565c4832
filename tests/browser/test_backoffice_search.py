"""The backoffice's tenant search, in a real browser: typing narrows the list in place (htmx) and the
address follows, so the filtered list can be bookmarked and reloaded."""
import re

import pytest
from playwright.sync_api import expect

from app.core.database import db
from tests.support import factories

pytestmark = pytest.mark.browser


def test_typing_in_the_search_narrows_the_tenants_in_place(app, live_server, page):
    factories.tenant("acme", name="Acme Dental")
    factories.tenant("globex", name="Globex Physio")
    factories.user(None, email="root@sloty.test")
    db.session.commit()
    page.goto(live_server.url("admin", "/login"))
    page.get_by_label("Email").fill("root@sloty.test")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(2)

    page.get_by_label("Search").press_sequentially("glob")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Globex Physio")
    expect(page).to_have_url(re.compile(r"/backoffice/\?q=glob"))
    page.reload()
    expect(rows).to_have_count(1)
    expect(page.get_by_label("Search")).to_have_value("glob")
