"""A customer's record, called directly: details refused at the field, answers all or nothing, the
messages that are the customer's, notes signed and audited, and what "book again" offers."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core import clock
from app.core.database import db
from app.core.errors import DomainError
from app.core.tenancy import tenant_context
from app.modules.audit.models import AuditEvent
from app.modules.customers import notes, record
from app.modules.customers.models import CustomerNote
from app.modules.intake.models import CustomerParameter
from app.modules.notifications.models import Notification
from tests.support import factories


def customer_events() -> list[AuditEvent]:
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "Customer")
                              .order_by(AuditEvent.id)).all()


@pytest.fixture
def grace(clinic):
    return factories.customer(clinic.tenant, name="Grace Hopper", email="grace@example.com")


@pytest.fixture
def desk(clinic):
    return factories.user(clinic.tenant, "staff")


@pytest.mark.parametrize("changes, field", [
    ({"name": ""}, "name"), ({"name": "x" * 201}, "name"), ({"email": "not-an-email"}, "email"),
    ({"email": "taken@example.com"}, "email"), ({"phone": "0207"}, "phone"),
])
def test_details_are_refused_at_the_field_and_nothing_changes(clinic, grace, desk, changes, field):
    factories.customer(clinic.tenant, email="taken@example.com")
    with tenant_context(clinic.tenant):
        with pytest.raises(DomainError) as refused:
            record.update_details(db.session, grace, **({"name": "Grace", "email": "grace@example.com", "phone": None}
                                                        | changes), phone_region="GB", actor=desk)
        assert refused.value.field == field
        assert (grace.name, grace.email) == ("Grace Hopper", "grace@example.com")
        assert customer_events() == []


def test_unchanged_details_write_no_audit_event(clinic, grace, desk):
    with tenant_context(clinic.tenant):
        assert record.update_details(db.session, grace, name="Grace Hopper", email="GRACE@example.com", phone="",
                                     phone_region="GB", actor=desk) == []
        assert customer_events() == []


def test_answers_are_stored_all_or_nothing(clinic, grace, desk):
    with tenant_context(clinic.tenant):
        intake = record.customer_questions(db.session)
        assert [q.key for q in intake.questions] == ["date_of_birth", "insurance_provider"]  # by label
        with pytest.raises(record.AnswerErrors) as refused:
            record.save_answers(db.session, grace, intake, {"insurance_provider": "Bupa", "date_of_birth": "soon"},
                                actor=desk)
        assert refused.value.errors == {"date_of_birth": "Please enter a date as YYYY-MM-DD."}
        assert db.session.scalars(sa.select(CustomerParameter)).all() == []
        assert record.save_answers(db.session, grace, intake, {"insurance_provider": "Bupa", "date_of_birth": ""},
                                   actor=desk) == ["insurance_provider"]
        assert record.answers(db.session, grace, intake) == {"insurance_provider": "Bupa"}


def test_a_note_is_signed_dated_and_audited_and_an_empty_one_refused(clinic, grace, desk):
    with tenant_context(clinic.tenant):
        with pytest.raises(DomainError, match="Write the note first."):
            notes.add_note(db.session, grace, "  ", actor=desk, now=clock.now())
        first = notes.add_note(db.session, grace, "Prefers mornings.", actor=desk, now=clock.now() - timedelta(days=1))
        second = notes.add_note(db.session, grace, " Allergic to latex. ", actor=desk, now=clock.now())
        assert [n.body for n in notes.notes_of(db.session, grace)] == ["Allergic to latex.", "Prefers mornings."]
        assert (second.author_user_id, second.author_name) == (desk.id, "Staff Person")
        events = customer_events()
        assert [(e.action, e.entity_id, e.details["note_id"]) for e in events] == [
            ("customer.note", grace.id, first.id), ("customer.note", grace.id, second.id)]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CustomerNote)) == 2


def test_messages_are_those_about_their_bookings_and_their_sign_in_links(clinic, grace):
    other = factories.customer(clinic.tenant, email="other@example.com")
    mine = factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
                                 customer=grace, days=2, at="10:00")
    theirs = factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
                                   customer=other, days=3, at="10:00")
    with tenant_context(clinic.tenant):
        participant = {a.id: a.participants[0].id for a in (mine, theirs)}
        now = clock.now()
        factories.save(clinic.tenant, *(
            Notification(tenant_id=clinic.tenant.id, channel=channel, kind=kind, recipient=to, scheduled_for=now + ahead,
                         appointment_id=appointment, participant_id=participant.get(appointment))
            for channel, kind, to, appointment, ahead in (
                ("email", "booking_confirmed", "grace@example.com", mine.id, timedelta(0)),
                ("sms", "reminder", "+447911123456", mine.id, timedelta(days=1)),
                ("email", "booking_confirmed", "other@example.com", theirs.id, timedelta(0)),
                ("email", "magic_link", "grace@example.com", None, timedelta(minutes=-5)),
                ("email", "magic_link", "other@example.com", None, timedelta(minutes=-5)),
            )))
        history = record.history(db.session, grace, now=now)
        shown = record.messages(db.session, grace, history.bookings)
        assert [(m.kind, m.channel) for m in shown] == [("reminder", "sms"), ("booking_confirmed", "email"),
                                                        ("magic_link", "email")]


def test_book_again_offers_the_last_bookings_provider_at_their_next_free_time(clinic, grace):
    factories.appointment(clinic.tenant, location=clinic.brooklyn, provider=clinic.ben, service=clinic.dental,
                          customer=grace, days=-40, at="10:00", status="completed")
    factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
                          customer=grace, days=-7, at="10:00", status="completed")
    with tenant_context(clinic.tenant):
        again = record.book_again(db.session, record.history(db.session, grace, now=clock.now()), now=clock.now())
        assert (again.provider_id, again.location_id, again.service_id) == (clinic.chloe.id, clinic.london.id,
                                                                            clinic.dental.id)
        # The online rules' first start: at least the hour's notice ahead, inside Chloe's hours.
        assert timedelta(hours=1) <= again.starts_at - clock.now() < timedelta(days=2)
        clinic.chloe.active = False
        assert record.book_again(db.session, record.history(db.session, grace, now=clock.now()), now=clock.now()) is None
        assert record.book_again(db.session, record.History([], [], 0), now=clock.now()) is None
