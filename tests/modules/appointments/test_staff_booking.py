"""Staff booking's rules, called directly: each online rule named when broken, and the exclusion
constraint as the final word against an overlap the application's own check missed."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments import staff_booking
from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.catalogue.models import LocationClosure
from app.modules.schedules.models import TimeOff
from tests.support import factories, services


def book(clinic, starts_at, *, override_rules=False, customer=None):
    with tenant_context(clinic.tenant):
        return staff_booking.book_by_staff(
            db.session, clinic.tenant, service=clinic.dental, provider=clinic.chloe, location=clinic.london,
            starts_at=starts_at, customer=customer or factories.customer(clinic.tenant), notify=False,
            override_rules=override_rules, actor=None, now=clock.now(),
        )


def test_time_off_and_closures_are_rules_the_override_lifts(clinic):
    day = clinic.day(3)
    factories.save(clinic.tenant, TimeOff(tenant_id=clinic.tenant.id, provider_id=clinic.chloe.id,
                                          starts_at=clinic.at(day, "12:00"), ends_at=clinic.at(day, "13:00")))
    with pytest.raises(staff_booking.OutsideRules, match="Chloe Martin has time off then") as refused:
        book(clinic, clinic.at(day, "12:15"))
    assert refused.value.field == "start"
    factories.save(clinic.tenant, LocationClosure(tenant_id=clinic.tenant.id, location_id=clinic.london.id,
                                                  starts_on=clinic.day(4), ends_on=clinic.day(4), reason="Holiday"))
    with pytest.raises(staff_booking.OutsideRules, match="Harbour Street is closed that day"):
        book(clinic, clinic.at(clinic.day(4), "10:00"))
    made = book(clinic, clinic.at(day, "12:15"), override_rules=True)
    with tenant_context(clinic.tenant):
        assert (made.appointment.source, made.appointment.status) == ("staff", "confirmed")


def test_a_time_in_the_past_is_named(clinic):
    with pytest.raises(staff_booking.OutsideRules, match="already passed"):
        book(clinic, clock.now() - timedelta(hours=2))


def test_the_exclusion_constraint_has_the_final_word(clinic, monkeypatch):
    services.require("postgres")
    start = clinic.at(clinic.day(3), "10:00")
    first = book(clinic, start)
    db.session.commit()
    # As if a competitor's appointment had committed between our check and our insert.
    real = staff_booking._in_the_way
    calls = []
    monkeypatch.setattr(staff_booking, "_in_the_way", lambda *args: calls.append(args) or (real(*args) if len(calls) > 1 else None))
    with pytest.raises(staff_booking.Overlap) as refused:
        book(clinic, start + timedelta(minutes=15))
    assert refused.value.appointment.id == first.appointment_id and "Dental check-up" in str(refused.value)
    with tenant_context(clinic.tenant):
        assert db.session.scalars(select(Appointment.id)).all() == [first.appointment_id]
        assert len(db.session.scalars(select(AppointmentParticipant)).all()) == 1
