"""What the booking path costs in round trips to the database: statements, plus the pre-ping that
every connection checkout sends (``pool_pre_ping``). PostgreSQL is what production runs; SQLite
inserts rows one by one where PostgreSQL batches them, so it gets ceilings of its own."""
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import event

from app.core.database import db
from tests.support import services
from tests.support.booking import filled_form, service_url
from tests.support.queries import counting_queries

# (with Redis, without it): without Redis the confirmation is also sent in-process, after the commit,
# reading the platform's settings for its footer (one row).
BOOKING_ROUND_TRIPS = {"postgresql": (20, 31), "sqlite": (23, 31)}
FRAGMENT_ROUND_TRIPS = 6


@dataclass
class RoundTrips:
    statements: list
    checkouts: int = 0

    @property
    def count(self) -> int:
        return len(self.statements) + self.checkouts

    def __str__(self) -> str:
        return f"{len(self.statements)} statements + {self.checkouts} pre-pings:\n" + "\n".join(
            f"  {statement[:140]}" for statement in self.statements
        )


@contextmanager
def counting_round_trips():
    engine = db.engine
    with counting_queries(engine) as queries:
        trips = RoundTrips(queries.statements)

        def checked_out(*args):
            trips.checkouts += 1

        event.listen(engine, "checkout", checked_out)
        try:
            yield trips
        finally:
            event.remove(engine, "checkout", checked_out)


@pytest.mark.parametrize("delivery", ["redis", "in-process"])
def test_a_booking_costs_at_most_its_round_trips(app, clinic, visitor, delivery):
    if delivery == "redis":
        services.require("redis")
        app.config["REDIS_URL"] = services.REDIS_URL
    guest = visitor(clinic.host)
    form = filled_form(guest, clinic, clinic.at(clinic.day(3), "10:00"))
    path = f"/services/{clinic.dental.id}/book"
    db.session.commit()  # the test's own reads stay out of the count
    with counting_round_trips() as trips:
        response = guest.post(path, form, csrf=False)
    assert response.status_code == 303
    with_redis, without = BOOKING_ROUND_TRIPS[db.engine.dialect.name]
    assert trips.count <= (with_redis if delivery == "redis" else without), str(trips)
    # Availability is computed once, inside the lock; the idempotency key is looked up once.
    assert sum("FROM appointments" in s and "GROUP BY appointments.id" in s for s in trips.statements) == 1, str(trips)
    assert sum("appointment_participants.idempotency_key =" in s for s in trips.statements) == 1, str(trips)


def test_the_slots_fragment_costs_at_most_six_round_trips(app, clinic, visitor):
    guest = visitor(clinic.host)
    path = service_url(clinic, day=clinic.day(3).isoformat())
    guest.get(path)  # the first request of a process opens its connection; count a later one
    db.session.commit()
    with counting_round_trips() as trips:
        response = guest.get(path, htmx=True)
    assert response.status_code == 200 and 'class="slot"' in response.get_data(as_text=True)
    assert trips.count <= FRAGMENT_ROUND_TRIPS, str(trips)


def test_a_service_needing_a_room_costs_the_slots_fragment_one_statement_more(app, clinic, visitor):
    from sqlalchemy import update

    from app.core.tenancy import tenant_context
    from app.modules.catalogue.models import Service
    from app.modules.resources.models import Resource

    guest = visitor(clinic.host)
    path = service_url(clinic, day=clinic.day(3).isoformat())
    guest.get(path)
    db.session.commit()
    with counting_round_trips() as plain:
        guest.get(path, htmx=True)
    with tenant_context(clinic.tenant):
        db.session.add(Resource(tenant_id=clinic.tenant.id, location_id=clinic.london.id, name="Surgery 1",
                                kind="surgery"))
        db.session.execute(update(Service).where(Service.id == clinic.dental.id).values(resource_kind="surgery"))
        db.session.commit()
    with counting_round_trips() as roomed:
        response = guest.get(path, htmx=True)
    assert 'class="slot"' in response.get_data(as_text=True)
    assert len(roomed.statements) == len(plain.statements) + 1, str(roomed)
    assert sum("FROM resources" in s for s in roomed.statements) == 1, str(roomed)
    assert not any("resources" in s for s in plain.statements), str(plain)
