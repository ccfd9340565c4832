"""Bad input never gives a 500: every route and form, fuzzed with hypothesis, answers below 500, and a
refusal (4xx) writes nothing. Classes of input: NUL bytes, absurdly long text and numbers, malformed
URLs, control characters, odd Unicode, in the path, the query, form fields and headers."""
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.booking import filled_form
from tests.support.clients import host_of
from tests.support.database import changed_tables, snapshot
from tests.support.pages import form_fields, html, text
from tests.support.routes import blueprint_of, hosts_of, methods_of, path_of, rules_of

NASTY = st.one_of(
    st.text(min_size=0, max_size=20).map(lambda s: f"{s}\x00{s}"),  # PostgreSQL refuses NUL in text
    st.sampled_from(["9" * 400, "-" + "9" * 40, "1e999", "NaN", "²", "٣", "0x10", "+1", " 7 "]),
    st.sampled_from(["http://[", "//evil.example", "/\\evil", "javascript:alert(1)", "%", "%ff%fe", "..%2f..%2f"]),
    st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=0x1F), min_size=1, max_size=10),
    st.text(min_size=1000, max_size=1001).map(lambda s: s * 6),  # beyond every column's length
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30),
)
# Every field name a form of the app reads, so that a bad value reaches validation and the domain.
FIELDS = [
    "email", "password", "next", "name", "phone", "reason", "start", "end", "attendees", "idempotency_key",
    "location", "provider", "day", "hours", "slug", "timezone", "currency", "owner_email", "owner_name",
    "owner_password", "status", "shown", "q_has_pain", "q_pain_level", "q_date_of_birth", "q_pain_area",
    "email_consent", "sms_consent", "csrf_token", "q", "page",
]
PLACES = st.sampled_from(["path", "query", "form", "header"])
FUZZ = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


def with_value_in_path(path: str, value: str) -> str:
    """The path with its last segment (an id or a token) replaced by ``value``."""
    head, _, _ = path.rstrip("/").rpartition("/")
    return f"{head}/{quote(value, safe='')}"


def bad_request(path: str, place: str, field: str, value: str) -> tuple[str, dict, dict]:
    """(url, form, headers) of a request with ``value`` put in ``place``."""
    url, _, query = path.partition("?")
    params, form, headers = parse_qsl(query), {}, {}
    if place == "path":
        url = with_value_in_path(url, value)
    elif place == "query":
        params.append((field, value))
    elif place == "form":
        form[field] = value
    else:  # a header cannot carry a line break; anything else goes
        headers["User-Agent" if field != "csrf_token" else "X-CSRFToken"] = value.replace("\r", " ").replace("\n", " ")
    return (f"{url}?{urlencode(params)}" if params else url), form, headers


@FUZZ
@given(value=NASTY, place=PLACES, field=st.sampled_from(FIELDS))
def test_no_route_answers_bad_input_with_a_500_or_a_half_write(app, route_practice, browsers, value, place, field):
    failures = []
    for rule in rules_of(app):
        host = hosts_of(rule, route_practice)[0]
        browser = browsers[(host, blueprint_of(rule))]
        for method in methods_of(rule):
            url, form, headers = bad_request(path_of(rule, route_practice), place, field, value)
            before = snapshot()
            if method == "GET":
                response = browser.get(url, headers=headers)
            else:
                response = browser.post(url, form, headers=headers)
            where = f"{method} {host}{url[:120]} ({rule.endpoint}) with {field}={value[:40]!r} in the {place}"
            if response.status_code >= 500:
                failures.append(f"{where}: {response.status_code} {text(response.get_data(as_text=True))[:200]}")
            elif response.status_code >= 400 and (changed := changed_tables(before)):
                failures.append(f"{where}: {response.status_code}, yet it wrote to {changed}")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("where", ["path", "query", "form", "header"])
def test_a_nul_byte_anywhere_gets_a_400_that_says_why(route_practice, visitor, where):
    guest = visitor(host_of(route_practice["tenant"]))
    if where == "path":
        response = guest.get("/bookings/a%00b")
    elif where == "query":
        response = guest.get("/?day=2031%00")
    elif where == "form":
        response = guest.post("/account/sign-in", {"email": "pat\x00@example.com"})
    else:
        response = guest.get("/", headers={"User-Agent": "curl\x00"})
    assert response.status_code == 400
    assert "NUL" in text(response.get_data(as_text=True))


def test_a_malformed_next_after_a_correct_sign_in_lands_on_the_dashboard(route_practice, visitor):
    owner = visitor(host_of(route_practice["tenant"]))
    response = owner.post("/login?next=http://[", {"email": route_practice["owner"].email,
                                                   "password": "correct horse battery", "next": "http://["})
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard/"


def test_a_number_of_four_hundred_digits_is_a_field_error_not_a_500(clinic, visitor):
    customer = visitor(clinic.host)
    form = filled_form(customer, clinic, clinic.at(clinic.day(3), "10:00"), service=clinic.pilates, attendees="9" * 400)
    before = snapshot()
    response = customer.post(f"/services/{clinic.pilates.id}/book", form, csrf=False)
    assert response.status_code == 422
    assert "That number is too large." in text(html(response))
    assert form_fields(html(response), "booking-form")["attendees"] == "9" * 400
    assert changed_tables(before) == []
