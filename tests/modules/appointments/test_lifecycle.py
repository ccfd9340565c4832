"""The appointment's life as a state machine: every legal transition, and every impossible one refused;
and moves racing for one time."""
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments import lifecycle
from app.modules.appointments.models import APPOINTMENT_STATUSES, Appointment
from app.modules.audit.models import AuditEvent
from app.modules.catalogue.models import Provider
from app.modules.notifications import outbox
from app.modules.notifications.models import Notification
from tests.support import factories, services
from tests.support.practice import build_practice

# (from, action): (to, the customer's message). Anything not here is refused.
LEGAL = {
    ("pending", "approve"): ("confirmed", "booking_approved"),
    ("pending", "decline"): ("declined", "cancelled"),
    ("confirmed", "check_in"): ("checked_in", None),
    ("checked_in", "complete"): ("completed", None),
    ("confirmed", "no_show"): ("no_show", None),
    ("checked_in", "no_show"): ("no_show", None),
    ("pending", "cancel"): ("cancelled", "cancelled"),
    ("confirmed", "cancel"): ("cancelled", "cancelled"),
    ("checked_in", "cancel"): ("cancelled", "cancelled"),
}
ACTIONS = ("approve", "decline", "check_in", "complete", "no_show", "cancel")
EVERY_CASE = [(status, action) for status in APPOINTMENT_STATUSES for action in ACTIONS]


@pytest.fixture
def practice(app):
    made = build_practice()
    made["desk"] = factories.user(made["tenant"], "staff")
    return made


def _appointment(practice, status: str, *, starts_in=timedelta(days=3)) -> Appointment:
    item = factories.appointment(practice["tenant"], location=practice["location"], provider=practice["provider"],
                                 service=practice["service"], customer=factories.customer(practice["tenant"]),
                                 status=status, starts_at=clock.now().replace(microsecond=0) + starts_in)
    with tenant_context(practice["tenant"]):
        item = db.session.get(Appointment, item.id)
        outbox.schedule_reminders(db.session, item.participants[0], now=clock.now())
        db.session.flush()
    return item


def _messages(item) -> list[tuple[str, str]]:
    return [(n.kind, n.status) for n in db.session.scalars(
        sa.select(Notification).where(Notification.appointment_id == item.id).order_by(Notification.id)
        .execution_options(populate_existing=True))]


@pytest.mark.parametrize(("status", "action"), EVERY_CASE, ids=[f"{s}-{a}" for s, a in EVERY_CASE])
def test_every_transition(practice, status, action):
    item = _appointment(practice, status)
    with tenant_context(practice["tenant"]):
        reminders_before = _messages(item)
        if (status, action) not in LEGAL:
            with pytest.raises(lifecycle.TransitionRefused) as refused:
                lifecycle.transition(db.session, item, action, reason="Ill", actor=practice["desk"], now=clock.now())
            assert f"A {status.replace('_', ' ')} appointment cannot be" in str(refused.value)
            assert (item.status, item.version) == (status, 1)
            assert _messages(item) == reminders_before
            assert db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_id == item.id,
                                                                  AuditEvent.entity_type == "Appointment")).all() == []
            return
        target, message = LEGAL[status, action]
        lifecycle.transition(db.session, item, action, reason="Ill", actor=practice["desk"], now=clock.now())
        assert (item.status, item.version) == (target, 2)
        (event,) = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_id == item.id,
                                                                   AuditEvent.entity_type == "Appointment")).all()
        assert event.actor_user_id == practice["desk"].id
        assert event.details["before"] == {"status": status} and event.details["after"] == {"status": target}
        told = [kind for kind, state in _messages(item) if kind != "reminder"]
        assert told == ([message] if message else [])
        reminders = {state for kind, state in _messages(item) if kind == "reminder"}
        assert reminders == ({"queued"} if target in ("confirmed", "checked_in") else {"cancelled"})
        if action == "check_in":
            assert item.participants[0].checked_in_at is not None
        if action in ("cancel", "decline"):
            assert item.cancellation_reason == "Ill" and item.cancelled_at is not None


def test_the_page_offers_exactly_the_legal_actions(practice):
    for status in APPOINTMENT_STATUSES:
        item = Appointment(status=status)
        assert lifecycle.allowed_actions(item) == [a for a in ACTIONS if (status, a) in LEGAL]


def test_cancelling_needs_a_reason(practice):
    item = _appointment(practice, "confirmed")
    with tenant_context(practice["tenant"]):
        with pytest.raises(lifecycle.AppointmentError) as refused:
            lifecycle.cancel(db.session, item, reason="  ", actor=practice["desk"], now=clock.now())
        assert refused.value.field == "reason" and not isinstance(refused.value, lifecycle.Conflict)
        assert (item.status, item.version) == ("confirmed", 1)


@pytest.mark.parametrize(("starts_in", "late"), [(timedelta(hours=2), True), (timedelta(days=3), False)])
def test_a_cancellation_inside_the_cutoff_is_late(practice, starts_in, late):
    item = _appointment(practice, "confirmed", starts_in=starts_in)  # the default policy: a 24-hour cutoff
    with tenant_context(practice["tenant"]):
        lifecycle.cancel(db.session, item, reason="Ill", actor=practice["desk"], now=clock.now())
        assert item.cancelled_late is late
        (event,) = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_id == item.id)).all()
        assert event.details["late"] is late


def test_a_stale_version_is_refused(practice):
    item = _appointment(practice, "confirmed")
    with tenant_context(practice["tenant"]):
        lifecycle.transition(db.session, item, "check_in", actor=practice["desk"], now=clock.now(), version=1)
        with pytest.raises(lifecycle.StaleVersion):
            lifecycle.transition(db.session, item, "complete", actor=practice["desk"], now=clock.now(), version=1)
        assert (item.status, item.version) == ("checked_in", 2)
        lifecycle.transition(db.session, item, "complete", actor=practice["desk"], now=clock.now(), version=2)
        assert (item.status, item.version) == ("completed", 3)


def test_two_moves_to_one_time_at_once_make_one_move_and_one_refusal(app, clinic):
    """On PostgreSQL the providers' row locks serialise the two: the second sees the first's and is refused."""
    services.require("postgres")
    made = [factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
                                  customer=factories.customer(clinic.tenant), starts_at=clinic.at(clinic.day(3), hhmm))
            for hhmm in ("09:00", "12:00")]
    db.session.commit()
    target, barrier, results = clinic.at(clinic.day(3), "15:00"), threading.Barrier(2), []

    def mover(appointment_id):
        with app.app_context(), tenant_context(clinic.tenant):
            item = db.session.get(Appointment, appointment_id)
            provider = db.session.get(Provider, clinic.chloe.id)
            barrier.wait(timeout=10)
            try:
                lifecycle.move(db.session, item, starts_at=target, provider=provider, duration_minutes=30, version=1,
                               notify=False, actor=None, now=clock.now())
                db.session.commit()
                results.append("moved")
            except lifecycle.TimeTaken as error:
                db.session.rollback()
                results.append(str(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=mover, args=(item.id,)) for item in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 2 and results.count("moved") == 1
    [refusal] = [r for r in results if r != "moved"]
    assert refusal.startswith("That time overlaps Dental check-up")
    with tenant_context(clinic.tenant):
        db.session.expire_all()
        starts = db.session.scalars(sa.select(Appointment.starts_at).order_by(Appointment.starts_at)).all()
    assert target in starts and len(starts) == 2
