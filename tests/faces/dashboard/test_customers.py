"""The customer directory: active search by name, email or any spelling of a phone number, as you type
with htmx or as a plain GET form; keyset pages by name or newest; providers see only their customers."""
from urllib.parse import urlencode

import pytest

from tests.support import factories
from tests.support.clients import signed_in
from tests.support.pages import html, is_fragment, links, query, text

PHONE_SPELLINGS = ("07700 900123", "+44 7700-900-123", "7700900123", "(0)7700 900 123", "900123")


def listed(markup: str) -> list[str]:
    """The names the directory lists, in order (each is a link to the customer's record)."""
    return [label for href, label in links(markup) if href.startswith("/dashboard/customers/") and href[21:].isdigit()]


def directory(member, htmx=False, **params):
    response = member.get("/dashboard/customers?" + urlencode(params), htmx=htmx)
    assert response.status_code == 200, text(html(response))[:300]
    return html(response)


@pytest.fixture
def some_customers(clinic):
    return [
        factories.customer(clinic.tenant, name="Grace Hopper", email="admiral@navy.example", phone="+447700900123"),
        factories.customer(clinic.tenant, name="Alan Turing", email="alan@example.com", phone="+447911123456"),
        factories.customer(clinic.tenant, name="Ada Lovelace", email="ada@example.com"),
    ]


@pytest.mark.parametrize("spelling", PHONE_SPELLINGS)
def test_a_phone_number_finds_the_customer_however_it_is_written(clinic, visitor, some_customers, spelling):
    desk = signed_in(visitor, clinic, "staff")
    assert listed(directory(desk, q=spelling)) == ["Grace Hopper"]


def test_search_by_part_of_a_name_or_email_any_case(clinic, visitor, some_customers):
    desk = signed_in(visitor, clinic, "staff")
    assert listed(directory(desk, q="HOPP")) == ["Grace Hopper"]
    assert listed(directory(desk, q="example.com")) == ["Ada Lovelace", "Alan Turing"]
    assert listed(directory(desk, q="navy.ex")) == ["Grace Hopper"]
    page = directory(desk, q="nobody at all")
    assert listed(page) == [] and "No customers matching “nobody at all”." in text(page)
    # A wildcard typed is a character searched for, not a wildcard.
    assert listed(directory(desk, q="a%e")) == []


def test_htmx_gets_the_results_alone_and_the_pushed_url_renders_the_whole_page(clinic, visitor, some_customers):
    desk = signed_in(visitor, clinic, "staff")
    response = desk.get("/dashboard/customers?q=07700+900123", htmx=True)
    fragment = html(response)
    assert is_fragment(fragment) and fragment.lstrip().startswith('<div id="customer-directory">')
    assert listed(fragment) == ["Grace Hopper"] and "HX-Request" in response.headers["Vary"]
    # The URL htmx pushed, loaded directly (a bookmark, a reload): the whole page, search box filled in.
    page = directory(desk, q="07700 900123")
    assert page.startswith("<!doctype html>") and listed(page) == ["Grace Hopper"]
    assert 'name="q" value="07700 900123"' in page


def test_the_search_is_a_plain_get_form_that_htmx_runs_as_you_type(clinic, visitor, some_customers):
    desk = signed_in(visitor, clinic, "staff")
    page = directory(desk)
    assert '<form method="get" action="/dashboard/customers" role="search" id="directory-search"' in page
    assert 'hx-trigger="input changed delay:300ms, keyup changed delay:300ms, search"' in page
    assert 'hx-push-url="true"' in page and 'hx-target="#customer-directory"' in page
    assert listed(page) == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]  # everyone, by name
    assert "Customers" in [label for href, label in links(page) if href == "/dashboard/customers"]  # in the nav


def follow_pages(member, **params) -> tuple[list[str], list[dict]]:
    """Every name listed, following "Next page" to the end; and the query of each next link."""
    names, nexts = [], []
    page = directory(member, **params)
    while True:
        names += listed(page)
        following = [href for href, label in links(page) if label == "Next page"]
        if not following:
            return names, nexts
        nexts.append(query(following[0]))
        page = html(member.get(following[0]))
        assert len(nexts) < 20, "paging does not end"


def test_pages_by_name_have_no_repeats_and_no_gaps(clinic, visitor):
    # 60 customers, several sharing a name: the id breaks the tie, so no page boundary can skip or repeat one.
    made = [factories.customer(clinic.tenant, name=f"Patient {n % 23:02d}") for n in range(60)]
    desk = signed_in(visitor, clinic, "staff")
    names, nexts = follow_pages(desk)
    assert names == sorted(c.name for c in made)
    assert len(nexts) == 2  # 25 + 25 + 10
    assert all(set(n) == {"after_id", "after_name"} for n in nexts), "the last key, never an offset"
    last_of_first_page = sorted(made, key=lambda c: (c.name, c.id))[24]
    assert nexts[0] == {"after_id": str(last_of_first_page.id), "after_name": last_of_first_page.name}


def test_pages_newest_first_and_pages_of_a_search(clinic, visitor):
    made = [factories.customer(clinic.tenant, name=f"Smith {n:02d}" if n % 2 else f"Jones {n:02d}") for n in range(70)]
    desk = signed_in(visitor, clinic, "staff")
    names, nexts = follow_pages(desk, sort="newest")
    assert names == [c.name for c in reversed(made)]
    assert [set(n) for n in nexts] == [{"sort", "after_id"}] * 2
    names, nexts = follow_pages(desk, q="smith")
    assert names == sorted(c.name for c in made if c.name.startswith("Smith"))
    assert len(nexts) == 1 and nexts[0]["q"] == "smith"


def test_a_provider_finds_only_the_customers_they_have_seen(clinic, visitor, some_customers):
    grace, alan, _ = some_customers
    user = factories.user(clinic.tenant, "provider")
    factories.save(clinic.tenant, clinic.chloe).user_id = user.id
    factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
                          customer=grace, days=-7, at="10:00", status="completed")
    factories.appointment(clinic.tenant, location=clinic.brooklyn, provider=clinic.ben, service=clinic.dental,
                          customer=alan, days=-7, at="10:00", status="completed")
    chloe = signed_in(visitor, clinic, user=user)
    assert listed(directory(chloe)) == ["Grace Hopper"]
    assert listed(directory(chloe, q="alan")) == []
    assert listed(directory(chloe, q="7700900123")) == ["Grace Hopper"]


def test_another_practices_customers_are_never_listed(clinic, elsewhere, visitor, some_customers):
    desk = signed_in(visitor, clinic, "staff")
    theirs = elsewhere["customer"]
    assert theirs.name not in text(directory(desk))
    assert listed(directory(desk, q=theirs.email)) == []


def test_a_malformed_page_key_shows_the_first_page_not_an_error(clinic, visitor, some_customers):
    desk = signed_in(visitor, clinic, "staff")
    for params in ({"after_id": "x"}, {"after_id": "99999999999999"}, {"after_id": "1"}, {"sort": "bogus"}):
        assert listed(directory(desk, **params)) == ["Ada Lovelace", "Alan Turing", "Grace Hopper"], params


def test_a_search_page_costs_the_same_statements_for_few_customers_or_many(clinic, visitor, count_queries):
    desk = signed_in(visitor, clinic, "staff")
    factories.customer(clinic.tenant, name="Grace Hopper", phone="+447700900123")
    costs = {}
    for size in ("few", "many"):
        if size == "many":
            for n in range(80):
                factories.customer(clinic.tenant, name=f"Grace {n:02d}", phone=f"+4477009{n:05d}")
        for params in ({"q": "07700 900"}, {"q": "grace", "after_id": "1", "after_name": "Grace"}, {"sort": "newest"}):
            desk.get("/dashboard/customers")  # the test's rows committed, outside the count
            with count_queries() as queries:
                page = directory(desk, **params)
            assert listed(page), params
            costs[size, tuple(params)] = queries.count
    # The tenant, the signed-in member, then the page of customers in one statement: 3 however many there are.
    assert set(costs.values()) == {3}, costs
