"""The front desk's waitlist: entries by service and day, and offering a chosen time to one of them (audited)."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.modules import audit, availability
from app.modules.appointments.lifecycle import local_start
from app.modules.waitlist.joining import WaitlistError
from app.modules.waitlist.models import ENTRY_STATUSES, WaitlistEntry, WaitlistHold, WaitlistOffer
from app.modules.waitlist.offers import offer_time

SHOWN = 200  # entries on one page; a waitlist longer than that is narrowed by its filters


def entries(session: Session, *, service_id: int | None, day: date | None, status: str | None) -> list[WaitlistEntry]:
    """The waitlist, first joined first: for a service, for those whose range holds ``day``, in a status."""
    query = (
        sa.select(WaitlistEntry)
        .options(selectinload(WaitlistEntry.customer), selectinload(WaitlistEntry.service),
                 selectinload(WaitlistEntry.location), selectinload(WaitlistEntry.provider))
        .order_by(WaitlistEntry.joined_at, WaitlistEntry.id)
        .limit(SHOWN)
    )
    if service_id is not None:
        query = query.where(WaitlistEntry.service_id == service_id)
    if day is not None:
        query = query.where(WaitlistEntry.first_day <= day, WaitlistEntry.last_day >= day)
    if status in ENTRY_STATUSES:
        query = query.where(WaitlistEntry.status == status)
    return list(session.scalars(query))


def latest_offers(session: Session, entry_ids: list[int]) -> dict[int, tuple[str, datetime]]:
    """Each entry's latest offer: its status and the time it was for."""
    if not entry_ids:
        return {}
    found = {}
    for entry_id, status, starts_at in session.execute(
        sa.select(WaitlistOffer.entry_id, WaitlistOffer.status, WaitlistHold.starts_at)
        .join(WaitlistHold, WaitlistHold.id == WaitlistOffer.hold_id)
        .where(WaitlistOffer.entry_id.in_(entry_ids)).order_by(WaitlistOffer.id)
    ):
        found[entry_id] = (status, starts_at)
    return found


def offer_to(session: Session, entry: WaitlistEntry, *, on: date, at, actor, now: datetime) -> WaitlistHold:
    """Staff offer the free time on ``on`` at ``at`` (the location's wall clock) to ``entry``: held for them alone."""
    if entry.status != "waiting":
        raise WaitlistError("Only a customer still waiting can be offered a time.")
    starts_at = local_start(on, at, entry.location.timezone)
    calendar = availability.load(session, service=entry.service, location=entry.location, first_day=on,
                                 last_day=on, provider_id=entry.provider_id, now=now)
    slot = calendar.slot_at(starts_at, now)
    if slot is None:
        raise WaitlistError("That time is not free for this service.", field="time")
    provider_id = entry.provider_id or calendar.least_busy(slot)
    hold = offer_time(session, service=entry.service, location=entry.location, provider_id=provider_id,
                      starts_at=starts_at, entries=[entry], now=now, offered_by="staff")
    if hold is None:
        raise WaitlistError("That time is not free for this service.", field="time")
    audit.record(session, "waitlist.offered", entry, actor=actor, before={"offer": None},
                 after={"hold_id": hold.id, "starts_at": starts_at.isoformat(), "provider_id": provider_id,
                        "held_until": hold.held_until.isoformat()})
    return hold


HOLD_MINUTES = (5, 24 * 60)


def set_hold_minutes(session: Session, tenant, minutes: int, *, actor):
    """How long an offer holds its time, for the practice (audited)."""
    if not HOLD_MINUTES[0] <= minutes <= HOLD_MINUTES[1]:
        raise WaitlistError(f"Between {HOLD_MINUTES[0]} minutes and {HOLD_MINUTES[1] // 60} hours.", field="hold_minutes")
    before = tenant.waitlist_hold_minutes
    tenant.waitlist_hold_minutes = minutes
    session.flush()
    audit.record(session, "tenant.waitlist_hold_changed", tenant, actor=actor, tenant_id=tenant.id,
                 before={"waitlist_hold_minutes": before}, after={"waitlist_hold_minutes": minutes})
    return tenant
