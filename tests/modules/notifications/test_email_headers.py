"""Every kind of email the app sends carries an RFC 5322 Date: the app clock's instant of sending,
as a real SMTP server receives it."""
from datetime import timedelta

import pytest

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments.models import AppointmentParticipant
from app.modules.notifications import content, delivery, outbox
from tests.support.database import rows
from tests.support.mail import SMTPServer

# Messages about an account rather than a booking: they carry a link instead.
ACCOUNT_KINDS = {"magic_link", "password_reset", "invitation"}


@pytest.fixture
def smtp(app):
    with SMTPServer() as server:
        yield server


@pytest.mark.parametrize("kind", sorted(content.SUBJECTS))
def test_every_email_kind_is_dated_with_the_app_clock_at_sending(app, clinic, booked, smtp, kind):
    (booking,) = rows(clinic.tenant, AppointmentParticipant, AppointmentParticipant.manage_token == booked.token)
    app.config.update(smtp.config())  # the booking's own confirmation went to the log, before this
    about = {} if kind in ACCOUNT_KINDS else {"appointment_id": booking.appointment_id, "participant_id": booking.id}
    with tenant_context(clinic.tenant):
        notification = outbox.queue(
            db.session, now=clock.now(), tenant_id=clinic.tenant.id, kind=kind, recipient="grace@example.com",
            link="https://riverside.sloty.test/sign-in/token", **about,
        )
        db.session.commit()
        notification_id = notification.id

    before = clock.now()
    assert delivery.send(clinic.tenant.id, notification_id) == "sent"
    after = clock.now()

    (message,) = smtp.inbox.messages
    assert message["Subject"].startswith(content.SUBJECTS[kind])
    dated = message["Date"].datetime  # parsed by the email package's default policy
    assert dated.utcoffset() == timedelta(0), message["Date"]  # a known offset, not "-0000"
    assert before.replace(microsecond=0) <= dated <= after, (message["Date"], before, after)
