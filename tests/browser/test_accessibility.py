"""axe-core over every page a practice sets itself up with, and the pages around them (sign-up,
sign-in, the booking site's home): no serious or critical violation."""
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from redis import Redis
from rq import Queue, SimpleWorker

from app.core.database import db
from app.modules.notifications import jobs
from tests.support import factories, services
from tests.support.routes import a_waitlist_offer, path_of, rules_of

pytestmark = pytest.mark.browser

SERIOUS = ("serious", "critical")
# GET routes that answer a download, not a page: axe has nothing to read (a browser saves them instead of
# showing them). The pages linking to them are swept; their headers are checked with every other answer's
# in tests/faces/test_every_route.py, and their contents in test_reports.py, test_customer_privacy.py and
# test_series.py (the series' .ics, parsed back).
DOWNLOADS = {
    "dashboard.export_customer_json", "dashboard.export_customer_csv",
    "dashboard.reports_csv", "dashboard.report_utilisation_csv", "dashboard.report_revenue_csv",
    "dashboard.report_customers_csv", "dashboard.report_lead_time_csv", "dashboard.report_busiest_hours_csv",
    "dashboard.report_appointments_csv", "dashboard.export_download", "dashboard.series_calendar",
}


@pytest.fixture
def practice(route_practice):
    """The route sweeps' practice, its rows committed and the test's session done with them (with someone on
    the waitlist, so that its pages show their rows and forms)."""
    route_practice["slug"] = route_practice["tenant"].slug
    a_waitlist_offer(route_practice)
    db.session.commit()
    return route_practice


def violations(page) -> list[str]:
    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in found if v["impact"] in SERIOUS]


def test_public_pages_have_no_serious_violations(app, practice, live_server, page):
    slug = practice["slug"]
    failures = {}
    waitlist = a_waitlist_offer(practice)
    joining = f"/services/{practice['service'].id}/waitlist?location={practice['location'].id}&provider=any"
    for subdomain, path in (("www", "/signup"), (slug, "/"), (slug, "/login"), (slug, "/password-reset"),
                            (slug, joining), (slug, f"/waitlist/leave/{waitlist['leave_token']}"),
                            (slug, f"/waitlist/offers/{waitlist['offer_token']}")):
        page.goto(live_server.url(subdomain, path))
        if found := violations(page):
            failures[f"{subdomain}{path}"] = found
    assert failures == {}


def test_every_dashboard_page_has_no_serious_violations(app, practice, live_server, page):
    slug = practice["slug"]
    page.goto(live_server.url(slug, "/login"))
    page.get_by_label("Email").fill(practice["owner"].email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")
    failures, pages = {}, [rule for rule in rules_of(app, "dashboard", method="GET") if rule.endpoint not in DOWNLOADS]
    assert len(pages) > 20
    for rule in pages:
        if rule.endpoint in DOWNLOADS:
            continue
        path = path_of(rule, practice)
        response = page.goto(live_server.url(slug, path))
        assert response.status == 200, f"{path} ({rule.endpoint}) answered {response.status}"
        if found := violations(page):
            failures[f"{path} ({rule.endpoint})"] = found
    assert failures == {}, "\n".join(f"{where}: {problems}" for where, problems in failures.items())


def test_every_backoffice_page_has_no_serious_violations(app, practice, live_server, page):
    """With a real failed job when Redis is at hand, so that the health page shows its table and forms."""
    factories.user(None, email="root@sloty.test")
    db.session.commit()
    if services.PROBLEMS["redis"] is None:
        connection = Redis.from_url(services.REDIS_URL)
        connection.flushdb()
        app.config["REDIS_URL"] = services.REDIS_URL
        queue = Queue(jobs.QUEUE, connection=connection)
        queue.enqueue(divmod, 1, 0, job_id="a-failed-job")  # ZeroDivisionError
        SimpleWorker([queue], connection=connection).work(burst=True)
    try:
        page.goto(live_server.url("admin", "/login"))
        page.get_by_label("Email").fill("root@sloty.test")
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Tenants")
        failures, pages = {}, rules_of(app, "backoffice", method="GET")
        assert {"backoffice.users", "backoffice.user", "backoffice.health"} <= {rule.endpoint for rule in pages}
        for rule in pages:
            path = path_of(rule, practice)
            response = page.goto(live_server.url("admin", path))
            assert response.status == 200, f"{path} ({rule.endpoint}) answered {response.status}"
            if rule.endpoint == "backoffice.health" and app.config["REDIS_URL"]:
                expect(page.locator("#failed-a-failed-job")).to_be_visible()
            if found := violations(page):
                failures[f"{path} ({rule.endpoint})"] = found
        assert failures == {}, "\n".join(f"{where}: {problems}" for where, problems in failures.items())
    finally:
        if app.config["REDIS_URL"]:
            Redis.from_url(services.REDIS_URL).flushdb()
