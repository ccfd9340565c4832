"""Claiming an offer: race-free, through the same locked path as an online booking."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.modules.appointments import booking
from app.modules.appointments.models import AppointmentParticipant
from app.modules.customers.directory import Contact
from app.modules.intake.rules import Intake
from app.modules.waitlist import offers
from app.modules.waitlist.joining import WaitlistError
from app.modules.waitlist.models import WaitlistEntry, WaitlistHold, WaitlistOffer


class OfferGone(WaitlistError):
    """Someone else claimed the time first, or it was taken: the customer stays on the list."""

    def __init__(self):
        super().__init__("Sorry — someone else has just taken that time. You are still on the waitlist: "
                         "we will write again when another time frees up.")


class OfferExpired(WaitlistError):
    """The hold ran out before the customer claimed it: it has passed on; they stay on the list."""

    def __init__(self):
        super().__init__("Sorry — this offer has expired and the time has passed to the next person waiting. "
                         "You are still on the waitlist.")


def idempotency_key(offer: WaitlistOffer) -> str:
    return f"waitlist-offer-{offer.id}"


def claim(session: Session, offer: WaitlistOffer, *, intake: Intake, answers: dict[str, str],
          now: datetime) -> AppointmentParticipant:
    """Book the held time for the offer's customer. The hold's row is locked first, so claims of one hold
    run one at a time: the first books; the others find it claimed (OfferGone). The booking itself goes
    through ``booking.book``: its providers' lock, its re-check, and the exclusion constraint's final word."""
    hold = session.scalar(sa.select(WaitlistHold).where(WaitlistHold.id == offer.hold_id)
                          .with_for_update().execution_options(populate_existing=True))
    session.refresh(offer)  # as of now, after the lock
    if offer.status == "claimed":  # a double submit: the booking it made
        return booking.by_idempotency_key(session, idempotency_key(offer))
    if offer.status != "open" or hold.status != "held":
        raise OfferGone()
    if hold.held_until <= now:
        offers.expire(session, hold, now=now)
        raise OfferExpired()
    entry = session.get(WaitlistEntry, offer.entry_id)
    customer = entry.customer
    choice = booking.Choice(hold.service, hold.location, hold.provider_id, hold.starts_at)
    contact = Contact(name=customer.name, email=customer.email, phone=customer.phone)
    try:
        with session.begin_nested():
            hold.status = "claimed"  # no longer busy for the booked-times statement: ours to book
            session.flush()
            made = booking.book(session, choice, contact=contact, intake=intake, answers=answers,
                                idempotency_key=idempotency_key(offer), now=now, signed_in_customer_id=customer.id)
    except booking.BookingError:
        # Taken under the hold (staff may book over it): nobody can have it through the waitlist now.
        hold.status = "lost"
        _close_others(session, hold, keep=None)
        session.flush()
        raise OfferGone() from None
    hold.participant_id = made.id
    offer.status = "claimed"
    entry.status = "booked"
    _close_others(session, hold, keep=offer.id)
    session.flush()
    return made


def _close_others(session, hold: WaitlistHold, *, keep: int | None) -> None:
    session.execute(
        sa.update(WaitlistOffer)
        .where(WaitlistOffer.hold_id == hold.id, WaitlistOffer.status == "open",
               *([WaitlistOffer.id != keep] if keep else []))
        .values(status="gone").execution_options(synchronize_session="fetch")
    )
