"""What PostgreSQL itself refuses, whatever the application does: overlapping active appointments
of one provider, and rows that point at another tenant's rows."""
import secrets
from datetime import datetime, time, timedelta, timezone
from itertools import product

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments.models import ACTIVE_STATUSES, APPOINTMENT_STATUSES, Appointment, AppointmentParticipant
from app.modules.catalogue.models import ProviderService
from app.modules.schedules.models import WorkingHours
from tests.support import factories, services

INACTIVE_STATUSES = [status for status in APPOINTMENT_STATUSES if status not in ACTIVE_STATUSES]
NO_OVERLAP = "ex_appointments_no_overlap"
TEN = datetime(2031, 3, 3, 10, 0, tzinfo=timezone.utc)
PATHS = ["orm", "sql"]


@pytest.fixture(autouse=True)
def postgres_only():
    services.require("postgres")


def members(slug: str) -> dict:
    """A tenant with one of everything a constrained row can reference, and an appointment."""
    tenant = factories.tenant(slug)
    location = factories.location(tenant)
    service = factories.service(tenant)
    provider = factories.provider(tenant)
    appointment = factories.appointment(
        tenant, location=location, provider=factories.provider(tenant), service=service,
        customer=factories.customer(tenant), starts_at=TEN - timedelta(days=7),
    )
    return {
        "tenant": tenant, "location": location, "service": service, "provider": provider,
        "customer": factories.customer(tenant), "appointment": appointment,
        "other_provider": factories.provider(tenant),
    }


@pytest.fixture
def clinic(app):
    made = members("clinic")
    db.session.commit()  # the tests roll back a refused write, which must not take these rows with it
    return made


@pytest.fixture
def rival(app):
    made = members("rival")
    db.session.commit()  # the tests roll back a refused write, which must not take these rows with it
    return made


def insert(table: str, values: dict) -> None:
    """A raw INSERT: nothing of the application's between the row and the database."""
    columns = ", ".join(values)
    placeholders = ", ".join(f":{name}" for name in values)
    db.session.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"), values)


def write(path: str, model, values: dict) -> None:
    """Write one row in its tenant's scope, through the ORM or as raw SQL, and commit."""
    with tenant_context(values["tenant_id"]):
        if path == "orm":
            db.session.add(model(**values))
            db.session.flush()
        else:
            insert(model.__tablename__, values)
        db.session.commit()


def violated_constraint(error: pytest.ExceptionInfo) -> str:
    return error.value.orig.diag.constraint_name


def count(table: str) -> int:
    return db.session.scalar(text(f"SELECT count(*) FROM {table}"))


# --- No double booking --------------------------------------------------------------------------


def appointment_row(clinic, starts_at, *, minutes=30, before=0, after=0, status="confirmed", provider="provider") -> dict:
    ends_at = starts_at + timedelta(minutes=minutes)
    return {
        "tenant_id": clinic["tenant"].id, "location_id": clinic["location"].id,
        "provider_id": clinic[provider].id, "service_id": clinic["service"].id,
        "starts_at": starts_at, "ends_at": ends_at,
        "blocked_from": starts_at - timedelta(minutes=before), "blocked_until": ends_at + timedelta(minutes=after),
        "status": status, "capacity": 1, "price": 0, "public_notes": "", "internal_notes": "",
        "source": "staff", "manage_token": secrets.token_urlsafe(32),
    }


def book(clinic, path="orm", starts_at=TEN, **fields) -> None:
    write(path, Appointment, appointment_row(clinic, starts_at, **fields))


def booked(clinic, provider="provider") -> list[tuple]:
    """The provider's appointments, straight from the table."""
    rows = db.session.execute(
        text("SELECT starts_at, ends_at, status FROM appointments WHERE provider_id = :p ORDER BY starts_at, id"),
        {"p": clinic[provider].id},
    )
    return [tuple(row) for row in rows]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("first, second", list(product(ACTIVE_STATUSES, repeat=2)))
def test_overlapping_active_appointments_of_one_provider_are_refused(clinic, path, first, second):
    book(clinic, path, TEN, status=first)

    with pytest.raises(IntegrityError, match=NO_OVERLAP) as error:
        book(clinic, path, TEN + timedelta(minutes=15), status=second)

    assert violated_constraint(error) == NO_OVERLAP
    db.session.rollback()
    assert booked(clinic) == [(TEN, TEN + timedelta(minutes=30), first)]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "first, second",
    [
        # 10:00–10:30 blocks until 10:45; 10:40–11:10 starts after it ends.
        ({"after": 15}, {"starts_at": TEN + timedelta(minutes=40)}),
        # 10:00–10:30; 10:40–11:10 with 15 minutes of preparation blocks from 10:25.
        ({}, {"starts_at": TEN + timedelta(minutes=40), "before": 15}),
    ],
    ids=["buffer-after-the-first", "buffer-before-the-second"],
)
def test_buffers_count_as_booked_time(clinic, path, first, second):
    book(clinic, path, **first)

    with pytest.raises(IntegrityError, match=NO_OVERLAP):
        book(clinic, path, **second)

    db.session.rollback()
    assert len(booked(clinic)) == 1


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "first, second",
    [
        ({}, {"starts_at": TEN + timedelta(minutes=30)}),
        ({"after": 15}, {"starts_at": TEN + timedelta(minutes=60), "before": 15}),
    ],
    ids=["end-meets-start", "buffer-meets-buffer"],
)
def test_back_to_back_appointments_are_fine_because_ranges_are_half_open(clinic, path, first, second):
    book(clinic, path, **first)
    book(clinic, path, **second)
    assert [starts_at for starts_at, _, _ in booked(clinic)] == [TEN, second["starts_at"]]


@pytest.mark.parametrize("inactive", INACTIVE_STATUSES)
@pytest.mark.parametrize("inactive_first", [True, False], ids=["inactive-first", "active-first"])
def test_an_overlapping_inactive_appointment_is_fine(clinic, inactive, inactive_first):
    statuses = [inactive, "confirmed"] if inactive_first else ["confirmed", inactive]
    for status in statuses:
        book(clinic, status=status)
    assert [status for _, _, status in booked(clinic)] == statuses


def test_reactivating_a_cancelled_appointment_that_now_overlaps_is_refused(clinic):
    book(clinic, status="cancelled")
    book(clinic, status="confirmed")

    with pytest.raises(IntegrityError, match=NO_OVERLAP):
        db.session.execute(text("UPDATE appointments SET status = 'pending' WHERE status = 'cancelled'"))
    db.session.rollback()

    assert sorted(status for _, _, status in booked(clinic)) == ["cancelled", "confirmed"]


def test_another_provider_may_be_booked_at_the_same_time(clinic):
    book(clinic, provider="provider")
    book(clinic, provider="other_provider")
    assert booked(clinic, "provider") == booked(clinic, "other_provider") == [(TEN, TEN + timedelta(minutes=30), "confirmed")]


# --- No row references another tenant's row ------------------------------------------------------

MODELS = {
    "appointments": Appointment,
    "appointment_participants": AppointmentParticipant,
    "provider_services": ProviderService,
    "working_hours": WorkingHours,
}
# Which of members() each reference column points at.
TARGETS = {
    "location_id": "location", "provider_id": "provider", "service_id": "service",
    "customer_id": "customer", "appointment_id": "appointment",
}
CROSS_TENANT_REFERENCES = [
    ("appointments", "location_id"),
    ("appointments", "provider_id"),
    ("appointments", "service_id"),
    ("appointment_participants", "appointment_id"),
    ("appointment_participants", "customer_id"),
    ("provider_services", "provider_id"),
    ("provider_services", "service_id"),
    ("working_hours", "location_id"),
    ("working_hours", "provider_id"),
]


def valid_row(table: str, tenant: dict) -> dict:
    """A row of ``table`` that only references ``tenant``'s own rows."""
    own = {"tenant_id": tenant["tenant"].id}
    if table == "appointments":
        return appointment_row(tenant, TEN + timedelta(days=1))
    if table == "appointment_participants":
        return own | {"appointment_id": tenant["appointment"].id, "customer_id": tenant["customer"].id, "role": "attendee", "seats": 1}
    if table == "provider_services":
        return own | {"provider_id": tenant["provider"].id, "service_id": tenant["service"].id}
    return own | {"provider_id": tenant["provider"].id, "location_id": tenant["location"].id,
                  "weekday": 6, "starts_at": time(9), "ends_at": time(12)}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("table", MODELS)
def test_a_row_referencing_its_own_tenants_rows_is_accepted(clinic, rival, path, table):
    before = count(table)
    write(path, MODELS[table], valid_row(table, clinic))
    assert count(table) == before + 1


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("table, column", CROSS_TENANT_REFERENCES, ids=lambda value: value)
def test_a_row_referencing_another_tenants_row_is_refused(clinic, rival, path, table, column):
    before = count(table)
    row = valid_row(table, clinic) | {column: rival[TARGETS[column]].id}

    with pytest.raises(IntegrityError, match=f"fk_{table}_{column}_same_tenant") as error:
        write(path, MODELS[table], row)

    assert violated_constraint(error) == f"fk_{table}_{column}_same_tenant"
    db.session.rollback()
    assert count(table) == before
