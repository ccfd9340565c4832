"""The intake form builder through a real browser: the preview re-evaluates the rules live, as the
booking site does, and a question's key is suggested as its label is typed."""
import pytest
from playwright.sync_api import expect

from app.core.database import db
from tests.support import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def owner_page(clinic, live_server, page):
    owner = factories.user(clinic.tenant, "owner")
    db.session.commit()
    page.goto(live_server.url(clinic.tenant.slug, "/login"))
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Questions")).to_be_visible()
    return page


def test_the_preview_shows_and_hides_questions_live(clinic, live_server, owner_page):
    page = owner_page
    page.goto(live_server.url(clinic.tenant.slug, f"/dashboard/setup/services/{clinic.dental.id}/questions"))
    preview = page.locator("#preview-form")
    pain_level = preview.get_by_label("How bad is the pain?")
    expect(preview.get_by_label("Are you in any pain at the moment?")).to_be_visible()
    expect(pain_level).to_be_hidden()
    page.evaluate("document.querySelector('h1').dataset.mark = 'still here'")

    preview.get_by_label("Are you in any pain at the moment?").select_option("Yes")
    expect(pain_level).to_be_visible()
    expect(preview.locator("#field-pain_level")).to_contain_text("(required)")
    preview.get_by_label("Are you in any pain at the moment?").select_option("No")
    expect(pain_level).to_be_hidden()
    assert page.evaluate("document.querySelector('h1').dataset.mark") == "still here", "no page load"


def test_the_key_is_suggested_as_the_label_is_typed(clinic, live_server, owner_page):
    page = owner_page
    page.goto(live_server.url(clinic.tenant.slug, "/dashboard/setup/questions/new"))
    page.get_by_label("Question").fill("Do you have insurance?")
    page.get_by_label("Question").blur()
    expect(page.get_by_label("Key")).to_have_attribute("placeholder", "do_you_have_insurance")
    page.get_by_label("Type").select_option("Yes or no")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Do you have insurance?")
    expect(page.get_by_label("Key")).to_have_value("do_you_have_insurance")
