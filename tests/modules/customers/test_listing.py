"""The directory's keyset pages and its search conditions, called directly: any spelling of a phone
number, pages without repeats or gaps, and on PostgreSQL a statement its trigram indexes can serve."""
import pytest
import sqlalchemy as sa

from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.customers import listing
from app.modules.customers.models import Customer
from app.modules.customers.search import matching, phone_fragments
from tests.support import factories, services


@pytest.mark.parametrize("typed, region, expected", [
    ("07700 900123", "GB", {"07700900123", "7700900123"}),
    ("+44 7700-900-123", "GB", {"447700900123", "7700900123"}),
    ("+44 7700-900-123", None, {"447700900123", "7700900123"}),
    ("(212) 555-0123", "US", {"2125550123"}),
    ("0123", "GB", {"0123"}),  # "123" is too short to search by
    ("grace", "GB", set()),
])
def test_phone_fragments_are_the_digits_a_stored_number_contains(typed, region, expected):
    assert phone_fragments(typed, region) == expected


def test_too_short_a_search_is_no_condition():
    assert matching("a") is None and matching("  ") is None and matching("ab") is not None


def page_through(sort, **kwargs) -> list[int]:
    ids, after = [], None
    for _ in range(50):
        found = listing.page(db.session, sort=sort, after=after, size=7, **kwargs)
        ids += [c.id for c in found.customers]
        if found.next is None:
            return ids
        after = found.next
    raise AssertionError("paging does not end")


def test_keyset_pages_cover_everyone_once_in_order(clinic):
    made = [factories.customer(clinic.tenant, name=f"Name {n % 4}") for n in range(30)]
    factories.customer(clinic.tenant, name="Name 0 (merged)", active=False)
    with tenant_context(clinic.tenant):
        assert page_through("name") == [c.id for c in sorted(made, key=lambda c: (c.name, c.id))]
        assert page_through("newest") == [c.id for c in reversed(made)]
        assert page_through("name", q="name 3") == [c.id for c in sorted(made, key=lambda c: c.id) if c.name == "Name 3"]


def test_the_last_page_has_no_next_key(clinic):
    made = [factories.customer(clinic.tenant, name=f"Name {n}") for n in range(7)]
    with tenant_context(clinic.tenant):
        full = listing.page(db.session, size=7)
        assert [c.id for c in full.customers] == [c.id for c in made] and full.next is None
        first = listing.page(db.session, size=6)
        assert first.next == listing.After(made[5].id, "Name 5")


def test_a_provider_pages_through_only_the_customers_they_have_seen(clinic):
    user = factories.user(clinic.tenant, "provider")
    factories.save(clinic.tenant, clinic.chloe).user_id = user.id
    seen, unseen = factories.customer(clinic.tenant, name="Seen"), factories.customer(clinic.tenant, name="Unseen")
    for customer, provider, location in ((seen, clinic.chloe, clinic.london), (unseen, clinic.ben, clinic.brooklyn)):
        factories.appointment(clinic.tenant, location=location, provider=provider, service=clinic.dental,
                              customer=customer, days=-2, at="10:00", status="completed")
    with tenant_context(clinic.tenant):
        assert [c.name for c in listing.page(db.session, provider_user_id=user.id).customers] == ["Seen"]


def test_on_postgresql_every_branch_of_the_search_can_use_a_trigram_index(clinic):
    """Each branch is a LIKE on the very expression a trigram index holds, so PostgreSQL can OR the three
    index scans (bench/customers_search.py shows it choosing to, for the whole statement, at 50,000)."""
    services.require("postgres")
    for n in range(300):
        factories.customer(clinic.tenant, name=f"Person {n}", email=f"person{n}@example.com", phone=f"+4479111{n:05d}")
    factories.customer(clinic.tenant, name="Grace Hopper", phone="+447700900123")
    with tenant_context(clinic.tenant):
        compiled = sa.select(Customer.id).where(matching("07700 900123", phone_region="GB")).compile(db.engine)
        db.session.execute(sa.text("ANALYZE customers"))
        # A table this small is cheaper to read whole; what matters is that the plan can use the indexes.
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        cursor = db.session.connection().connection.dbapi_connection.cursor()
        cursor.execute("EXPLAIN " + str(compiled), compiled.params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        db.session.execute(sa.text("SET LOCAL enable_seqscan = on"))
    assert "BitmapOr" in plan, plan
    for index in ("ix_customers_name_trgm", "ix_customers_email_trgm", "ix_customers_phone_trgm"):
        assert f"Bitmap Index Scan on {index}" in plan, plan
