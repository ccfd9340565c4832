"""Every route in the url_map: signed-out visitors of staff pages are sent to sign in, every page
carries the security headers, and every page renders within its budget of SQL statements."""
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.clients import ADMIN_HOST, host_of
from tests.support.routes import appointments_today, blueprint_of, hosts_of, methods_of, path_of, rules_of

# The most SQL statements each GET page may send (measured on a practice with three appointments,
# SQLite and PostgreSQL alike). A ceiling the code must not creep past: lower it when a page gets cheaper.
BUDGETS = {
    # Set-up pages: the tenant and the user, then the page's own rows.
    "dashboard.locations": 3,
    "dashboard.new_location": 2,
    "dashboard.edit_location": 4,  # the location, then its closures
    "dashboard.providers": 5,  # grows with the providers: their locations and services load one by one
    "dashboard.new_provider": 5,
    "dashboard.edit_provider": 8,
    "dashboard.services": 4,  # the services, then the categories they are grouped by
    "dashboard.new_service": 4,  # the categories, the kinds of resource a service may ask for
    "dashboard.edit_service": 8,  # the service, categories, resource kinds, both policies, active providers, its provider links
    "dashboard.categories": 3,
    "dashboard.edit_category": 3,
    # The tenant; whether it can take bookings online yet (one statement); its locations; its services.
    "booking.home": 4,
    # The waitlist: the join form (tenant, service with its providers); its thank-you; leaving (the entry by its
    # token's hash, then its service and location); an offer (the offer with its hold and entry, intake).
    "booking.waitlist_join": 2,
    "booking.waitlist_joined": 2,
    "booking.waitlist_leave": 4,
    "booking.waitlist_offer": 4,
    "booking.logo": 2,  # the tenant, then the logo's bytes (deferred: no other page loads them)
    "booking.brand_css": 1,
    # The provider, their locations and services; the weekly hours, overrides and time off; the engine's 3.
    "dashboard.provider_hours": 11,
    "dashboard.questions": 4,  # the questions, then the services whose forms are linked
    "dashboard.new_question": 2,
    "dashboard.edit_question": 6,  # the question, its options, then whether it has answers (two tables)
    # The service; its questions with their options; the questions it could ask; its rules; and the
    # preview, loaded as the booking site loads it (2).
    "dashboard.service_questions": 8,
    "booking.sign_in": 1,
    "booking.sign_in_link": 2,
    # The tenant, the customer, then every booking with its appointment, service, location and provider.
    "booking.account": 3,
    "booking.profile": 2,
    # The tenant; the service with its providers and their locations (one statement); the engine's 3;
    # and, on a day when the rest of the week has no times left, the engine's 3 again looking further
    # ahead for the next free day (so the ceiling holds whatever day and hour the suite runs at).
    "booking.service": 8,
    # The service page's 5 less the week's engine run (the slot's own day: 3); the intake questions
    # (2: questions with their definitions and options, then rules); the signed-in customer (1)
    # and their remembered answers (only with customer-scope questions).
    "booking.details": 8,
    # The booking with everything shown of it in one statement (manage adds the policy for its cutoffs).
    "booking.manage": 3,
    "booking.confirmation": 2,
    "booking.calendar_file": 2,
    "booking.reschedule": 9,  # 6, and 3 more looking ahead when this week has no times left
    # The calendar agenda of today (5: locations, providers, appointments), the locations closed today and,
    # for owners and admins, whether set-up is complete.
    "dashboard.agenda": 7,
    "dashboard.getting_started": 4,
    "dashboard.practice_settings": 3,
    # Lazy loads again: service, location, provider, participants and customers, one query each.
    "dashboard.appointment": 10,  # and the providers it can move to
    "dashboard.provider": 5,
    "dashboard.team": 5,  # the members, the providers not yet linked to one, the pending invitations
    "dashboard.reminder_settings": 2,
    "dashboard.new_blocked_time": 4,  # the providers and the locations to choose from
    "booking.calendar_feed": 4,  # the provider by the token's hash, the appointments, their customers
    # The calendar: the tenant and the user; the locations; the providers with their hours there; then the
    # day's or week's overrides, time off and closures (one statement) and its appointments with all they show.
    "dashboard.calendar": 6,
    "dashboard.calendar_week": 6,
    "dashboard.calendar_month": 5,  # the month's appointment starts instead of the last two
    "dashboard.calendar_agenda": 5,  # the period's appointments with all the list shows
    # By room: the day's exceptions, the location's resources, their uses that day, then the appointments.
    "dashboard.calendar_rooms": 8,
    "dashboard.resources": 3,  # the tenant, the user, the resources with their locations
    "dashboard.new_resource": 4,  # the active locations to choose from, the kinds already in use
    "dashboard.edit_resource": 5,  # the resource, then as a new one
    # The tenant, the user; the provider, the location, then the services offered there (one statement).
    # A no-JavaScript search (?q=) adds its one statement.
    "dashboard.new_appointment": 5,
    # A series' review: the tenant, the user, the provider, the location, the services offered, the customer
    # picked; the availability engine's 3 over the whole series; the provider's appointments in its range.
    "dashboard.series_review": 10,
    # A series: the tenant, the user, the series, its provider (who may see it); its appointments with their
    # providers, bookings and customers; the customer, service and location shown.
    "dashboard.series": 9,
    "dashboard.series_calendar": 11,  # as the page, and each booking's appointment's service and location for its event
    "dashboard.customer_search": 3,  # the tenant, the user, then the customers matching in one statement
    "dashboard.customers": 3,
    # The tenant, the user, the entries with their customers, services, locations and providers (one each),
    # their latest offers, the services to filter by.
    "dashboard.waitlist": 9,  # the tenant, the user, then a keyset page of the directory in one statement
    # The tenant, the user, the customer; their bookings with all the page shows (one statement); the
    # customer-scope questions with their options; the answers; the messages; the notes; and "book again":
    # the availability engine's 3 for their last booking's provider.
    "dashboard.customer": 11,
    # Duplicates: the tenant, the user, the matching customers (one statement), then their booking counts.
    "dashboard.customer_duplicates": 4,
    # The merge's confirmation: the two customers; the duplicate's bookings with all they show, the kept
    # customer's in the same appointments, both customers' answers, the notes and the messages not sent yet.
    "dashboard.customer_merge": 9,
    # An export: the customer; the bookings with all they show, their answers, the profile's answers,
    # the messages, the notes and the duplicates merged in (a download, not a page: its headers are
    # checked above all the same).
    "dashboard.export_customer_json": 9,
    "dashboard.export_customer_csv": 9,
    "dashboard.customer_erasure": 3,  # the confirmation: the customer alone
    # Reports: the tenant, the user, the locations and providers to filter by (one statement), then the
    # figures, aggregated in the database: one statement, or two for utilisation (the schedules, the booked
    # minutes). Each report's CSV costs what its page does.
    "dashboard.reports": 4,
    "dashboard.report_utilisation": 5,
    "dashboard.report_revenue": 4,
    "dashboard.report_customers": 4,
    "dashboard.report_lead_time": 4,
    "dashboard.report_busiest_hours": 4,
    "dashboard.reports_csv": 4,
    "dashboard.report_utilisation_csv": 5,
    "dashboard.report_revenue_csv": 4,
    "dashboard.report_customers_csv": 4,
    "dashboard.report_lead_time_csv": 4,
    "dashboard.report_busiest_hours_csv": 4,
    "dashboard.report_appointments_csv": 4,  # the appointments, streamed in batches by one statement
    # The tenant, the user; the subscription, its plan, three usage counts (providers, locations, SMS), the plans, the settings.
    "dashboard.plan": 9,
    # The tenant, the user; the subscription, its plan, the invoices, the plans on offer.
    "dashboard.billing": 6,
    "dashboard.export_page": 2,
    "dashboard.export_download": 12,  # the tenant, the user, the erased customers, the eight tables, the audit row
}

STAFF_BLUEPRINTS = ("dashboard", "backoffice")


@pytest.fixture
def practice(route_practice) -> dict:
    return route_practice
BUDGETED_BLUEPRINTS = ("booking", "dashboard")


def test_the_sweeps_find_every_face_of_the_app(app):
    staff = {rule.endpoint for rule in rules_of(app, *STAFF_BLUEPRINTS)}
    pages = {rule.endpoint for rule in rules_of(app, method="GET")}
    assert {"dashboard.agenda", "dashboard.cancel_appointment", "dashboard.retry_notification",
            "backoffice.index", "backoffice.tenant_status"} <= staff
    assert {"booking.home", "booking.details", "booking.manage", "booking.sign_in_link", "auth.login",
            "dashboard.agenda", "backoffice.health", "static"} <= pages


def test_a_route_taking_an_unknown_argument_fails_the_sweeps(app, practice):
    app.add_url_rule("/dashboard/widgets/<int:widget_id>", "dashboard.widget", lambda widget_id: "")
    [widget] = [rule for rule in rules_of(app, "dashboard") if rule.endpoint == "dashboard.widget"]
    with pytest.raises(AssertionError, match=r"takes <widget_id>: add it to ARGUMENTS in tests/support/routes\.py"):
        path_of(widget, practice)


# Signed out: every staff page sends the visitor to sign in


def sign_in_target(location: str) -> tuple[str, dict]:
    parts = urlsplit(location)
    return parts.path, parse_qs(parts.query)


def test_signed_out_visitors_of_every_staff_page_are_sent_to_sign_in(app, practice, visitor):
    failures = []
    for rule in rules_of(app, *STAFF_BLUEPRINTS):
        [host] = hosts_of(rule, practice)
        path = path_of(rule, practice)
        for method in methods_of(rule):
            where = f"{method} {host}{path} ({rule.endpoint})"
            # A GET comes back to the page after signing in; a form's POST cannot be replayed.
            expected_query = {"next": [path]} if method == "GET" else {}
            guest = visitor(host)
            send = guest.get if method == "GET" else guest.post
            plain, htmx = send(path), send(path, htmx=True)

            if plain.status_code not in (302, 303):
                failures.append(f"{where} answered {plain.status_code}, not a redirect to sign in")
            elif sign_in_target(plain.headers["Location"]) != ("/login", expected_query):
                failures.append(f"{where} redirected to {plain.headers['Location']}, not /login with {expected_query}")
            if htmx.status_code != 401:
                failures.append(f"{where} as htmx answered {htmx.status_code}, not 401")
            elif sign_in_target(htmx.headers.get("HX-Redirect", "")) != ("/login", expected_query):
                failures.append(f"{where} as htmx sent HX-Redirect {htmx.headers.get('HX-Redirect')!r}, not /login")
            if htmx.get_data():
                failures.append(f"{where} as htmx sent a body for htmx to swap in: {htmx.get_data()[:80]!r}")
            if "Location" in htmx.headers:
                failures.append(f"{where} as htmx sent a Location header, which htmx ignores")

    assert failures == [], "\n".join(failures)


# Security headers on every page


def csp_directives(response) -> dict[str, str]:
    policy = response.headers.get("Content-Security-Policy", "")
    return dict(directive.strip().partition(" ")[::2] for directive in policy.split(";") if directive.strip())


def header_problems(response) -> list[str]:
    """What ``response`` lacks of the headers app/web/security.py promises on every answer."""
    policy = response.headers.get("Content-Security-Policy", "")
    directives = csp_directives(response)
    expected = {
        "script-src": "'self'", "style-src": "'self'", "object-src": "'none'", "frame-ancestors": "'none'",
        "default-src": "'self'",
    }
    problems = [f"CSP {name} is {directives.get(name)!r}, not {value!r}" for name, value in expected.items()
                if directives.get(name) != value]
    if "unsafe-inline" in policy or "unsafe-eval" in policy:
        problems.append(f"CSP allows unsafe code: {policy}")
    for name, value in {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                        "Referrer-Policy": "strict-origin-when-cross-origin"}.items():
        if response.headers.get(name) != value:
            problems.append(f"{name} is {response.headers.get(name)!r}, not {value!r}")
    if response.mimetype == "text/html" and "HX-Request" not in response.vary:
        problems.append(f"HTML without Vary: HX-Request (Vary: {response.headers.get('Vary')!r})")
    return problems


# Links whose whole point is to send their visitor on (signed in) elsewhere.
ANSWERED_BY_A_REDIRECT = {"auth.welcome"}


def test_every_page_renders_with_the_security_headers(app, practice, browsers):
    failures = []
    for rule in rules_of(app, method="GET"):
        for host in hosts_of(rule, practice):
            path = path_of(rule, practice)
            response = browsers[(host, blueprint_of(rule))].get(path)
            where = f"GET {host}{path} ({rule.endpoint})"
            if rule.endpoint in ANSWERED_BY_A_REDIRECT:
                if response.status_code != 303:
                    failures.append(f"{where} answered {response.status_code}, not its redirect")
            elif response.status_code != 200:
                failures.append(f"{where} answered {response.status_code}, so its headers were not those of the page")
            elif response.mimetype == "text/html" and not response.get_data(as_text=True).startswith("<!doctype html>"):
                failures.append(f"{where} did not render a whole page")
            failures += [f"{where}: {problem}" for problem in header_problems(response)]

    assert failures == [], "\n".join(failures)


# Answers that no rule makes, so the url_map cannot list them.
NOT_ROUTES = {
    "404 on a tenant host": (lambda p: host_of(p["tenant"]), "/no-such-page", 404),
    "404 for an unknown host": (lambda p: "nobody.sloty.test", "/", 404),
    "the admin host's root, sent to the backoffice": (lambda p: ADMIN_HOST, "/", 302),
}


@pytest.mark.parametrize("name", NOT_ROUTES)
def test_answers_no_route_makes_carry_the_security_headers_too(practice, visitor, name):
    host, path, status = NOT_ROUTES[name]
    response = visitor(host(practice)).get(path)
    assert response.status_code == status
    if status == 404:
        assert "Not found" in response.get_data(as_text=True)
    else:
        assert response.headers["Location"] == "/backoffice/"
    assert header_problems(response) == []


# What each page costs in SQL statements


def page_cost(browser, path, count_queries):
    with count_queries() as queries:
        response = browser.get(path)
    return response, queries


def test_every_page_renders_within_its_budget_of_sql_statements(app, practice, browsers, count_queries):
    appointments_today(practice, 2)  # and the practice's own, tomorrow: three appointments
    pages = rules_of(app, *BUDGETED_BLUEPRINTS, method="GET")
    failures = [f"BUDGETS has {endpoint}, which is no page any more: remove it"
                for endpoint in sorted(BUDGETS.keys() - {rule.endpoint for rule in pages})]
    for rule in pages:
        [host] = hosts_of(rule, practice)
        path = path_of(rule, practice)
        response, queries = page_cost(browsers[(host, blueprint_of(rule))], path, count_queries)
        where = f"GET {path} ({rule.endpoint})"
        if response.status_code != 200:
            failures.append(f"{where} answered {response.status_code}, not the page whose cost is budgeted")
        budget = BUDGETS.get(rule.endpoint)
        if budget is None:
            failures.append(f"{where} has no budget: it sent {queries.count} statements; add "
                            f"\"{rule.endpoint}\": {queries.count} to BUDGETS in tests/faces/test_every_route.py")
        elif queries.count > budget:
            failures.append(f"{where} sent {queries.count} statements, over its budget of {budget}:\n{queries}")

    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("page", ["agenda", "slot picker"])
def test_a_page_costs_the_same_with_one_appointment_or_twenty(practice, browsers, count_queries, page):
    browser = browsers[(host_of(practice["tenant"]), "dashboard" if page == "agenda" else "booking")]
    path = "/dashboard/" if page == "agenda" else f"/services/{practice['service'].id}"
    appointments_today(practice, 1)
    few, with_one = page_cost(browser, path, count_queries)
    appointments_today(practice, 19)
    many, with_twenty = page_cost(browser, path, count_queries)

    assert few.status_code == many.status_code == 200
    assert practice["service"].name in many.get_data(as_text=True)
    if page == "agenda":
        # Every one of today's appointments is listed: the twenty were really loaded.
        assert many.get_data(as_text=True).count('href="/dashboard/appointments/') == 20
    assert with_twenty.count == with_one.count, (
        f"{path} sent {with_one.count} statements with one appointment today, {with_twenty.count} with twenty:\n{with_twenty}"
    )
