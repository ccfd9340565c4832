"""Offering freed times: a hold keeps the time aside while the first waiting customers are told; it passes on
when it expires. Detects freed times after a cancellation or a move, and in the sweep (new hours, a closure lifted)."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from app.core.zones import wall_time
from app.modules import availability, notifications
from app.modules.catalogue.models import Location, Service
from app.modules.tenants import site_url
from app.modules.tenants.models import Tenant
from app.modules.waitlist import tokens
from app.modules.waitlist.matching import OFFERED_AT_ONCE, Wish, first_suited, suits
from app.modules.waitlist.models import WaitlistEntry, WaitlistHold, WaitlistOffer

# The sweep's bounded work: entries re-checked, holds expired, and how far ahead it looks for each entry.
RECHECKED_PER_SWEEP = 20
EXPIRED_PER_SWEEP = 100
LOOK_AHEAD = timedelta(days=14)


def offer_time(
    session: Session, *, service: Service, location: Location, provider_id: int, starts_at: datetime,
    entries: list[WaitlistEntry], now: datetime, offered_by: str = "system",
) -> WaitlistHold | None:
    """Hold the free time at ``starts_at`` with ``provider_id`` for ``entries`` and send each an offer.
    None when that time is not free (any more)."""
    day = starts_at.astimezone(ZoneInfo(location.timezone)).date()
    calendar = availability.load(session, service=service, location=location, first_day=day, last_day=day,
                                 provider_id=provider_id, now=now)
    slot = calendar.slot_at(starts_at, now)
    if slot is None or provider_id not in slot.provider_ids or not entries:
        return None
    ends_at = next((t.ends_at for t in slot.terms if t.provider_id == provider_id), slot.ends_at)
    tenant = session.get(Tenant, service.tenant_id)
    hold = WaitlistHold(
        tenant_id=service.tenant_id, service_id=service.id, location_id=location.id, provider_id=provider_id,
        starts_at=starts_at, ends_at=ends_at, blocked_from=starts_at - calendar.buffer_before,
        blocked_until=ends_at + calendar.buffer_after,
        held_until=now + timedelta(minutes=tenant.waitlist_hold_minutes),
    )
    session.add(hold)
    session.flush()
    for entry in entries:
        token, token_hash = tokens.new_token()
        session.add(WaitlistOffer(tenant_id=hold.tenant_id, hold_id=hold.id, entry_id=entry.id,
                                  token_hash=token_hash, offered_by=offered_by))
        _tell(session, tenant, entry, hold, service, location, token, now=now)
    session.flush()
    return hold


def _tell(session, tenant, entry, hold, service, location, token, *, now) -> None:
    """The offer by email, and by SMS only to a customer who asked to be texted."""
    zone = ZoneInfo(location.timezone)
    when = wall_time(hold.starts_at, zone, "%A %-d %B %Y at %H:%M")
    until = wall_time(hold.held_until, zone, "%H:%M")
    link = site_url(tenant, f"/waitlist/offers/{token}")
    details = [f"Service: {service.name}", f"When: {when}", f"Where: {location.name}",
               f"Held for you until {until}."]
    recipients = [("email", entry.customer.email)]
    if entry.sms_phone:
        recipients.append(("sms", entry.sms_phone))
    for channel, recipient in recipients:
        notifications.queue(session, now=now, tenant_id=hold.tenant_id, kind="waitlist_offer", channel=channel,
                            recipient=recipient, link=link, details=details)


def waiting_for(session: Session, *, service_id: int, location_id: int, provider_id: int, day: date,
                excluding: set[int] = frozenset()) -> list[WaitlistEntry]:
    """Waiting entries whose range holds ``day``, for this provider or anyone, with no open offer, in order."""
    open_offer = sa.exists().where(WaitlistOffer.entry_id == WaitlistEntry.id, WaitlistOffer.status == "open")
    query = sa.select(WaitlistEntry).where(
        WaitlistEntry.service_id == service_id, WaitlistEntry.location_id == location_id,
        WaitlistEntry.status == "waiting", WaitlistEntry.first_day <= day, WaitlistEntry.last_day >= day,
        sa.or_(WaitlistEntry.provider_id.is_(None), WaitlistEntry.provider_id == provider_id), ~open_offer,
    ).order_by(WaitlistEntry.joined_at, WaitlistEntry.id)
    if excluding:
        query = query.where(WaitlistEntry.id.not_in(list(excluding)))
    return list(session.scalars(query))


def freed(session: Session, *, service_id: int, location_id: int, provider_id: int, starts_at: datetime,
          now: datetime, excluding: set[int] = frozenset()) -> WaitlistHold | None:
    """A time may have come free (a cancellation, a move, an offer expired): offer it to the first customers
    it suits. One statement when nobody waits for that day."""
    location = session.get(Location, location_id)
    zone = ZoneInfo(location.timezone)
    if starts_at <= now:
        return None
    entries = waiting_for(session, service_id=service_id, location_id=location_id, provider_id=provider_id,
                          day=starts_at.astimezone(zone).date(), excluding=excluding)
    chosen = first_suited(entries, location_id=location_id, provider_id=provider_id, starts_at=starts_at,
                          zone=zone, limit=OFFERED_AT_ONCE)
    if not chosen:
        return None
    return offer_time(session, service=session.get(Service, service_id), location=location,
                      provider_id=provider_id, starts_at=starts_at, entries=chosen, now=now)


def freed_by(session: Session, appointment, starts_at: datetime, provider_id: int, *, now: datetime):
    """An appointment was cancelled, or moved away from ``starts_at`` with ``provider_id``: offer that time."""
    session.flush()
    return freed(session, service_id=appointment.service_id, location_id=appointment.location_id,
                 provider_id=provider_id, starts_at=starts_at, now=now)


def expire(session: Session, hold: WaitlistHold, *, now: datetime) -> WaitlistHold | None:
    """An offer's time ran out: its offers close (those customers stay on the list) and the time passes to
    the next customers it suits. Returns the new hold, if any."""
    if hold.status != "held":
        return None
    hold.status = "expired"
    offered = set(session.scalars(sa.select(WaitlistOffer.entry_id).join(WaitlistHold).where(
        WaitlistHold.provider_id == hold.provider_id, WaitlistHold.starts_at == hold.starts_at,
        WaitlistHold.service_id == hold.service_id,
    )))
    session.execute(sa.update(WaitlistOffer).where(WaitlistOffer.hold_id == hold.id, WaitlistOffer.status == "open")
                    .values(status="expired").execution_options(synchronize_session="fetch"))
    session.flush()
    return freed(session, service_id=hold.service_id, location_id=hold.location_id, provider_id=hold.provider_id,
                 starts_at=hold.starts_at, now=now, excluding=offered)


def sweep(session: Session, *, now: datetime) -> tuple[int, int]:
    """The sweep's share: expire holds whose time ran out (passing them on), then re-check the least
    recently checked waiting entries for a time that came free otherwise. Bounded; (expired, offered)."""
    due = list(session.scalars(sa.select(WaitlistHold).where(
        WaitlistHold.status == "held", WaitlistHold.held_until <= now,
    ).order_by(WaitlistHold.held_until).limit(EXPIRED_PER_SWEEP)))
    for hold in due:
        expire(session, hold, now=now)
    open_offer = sa.exists().where(WaitlistOffer.entry_id == WaitlistEntry.id, WaitlistOffer.status == "open")
    entries = list(session.scalars(sa.select(WaitlistEntry).where(
        WaitlistEntry.status == "waiting", WaitlistEntry.last_day >= (now - timedelta(days=1)).date(), ~open_offer,
    ).order_by(WaitlistEntry.checked_at.is_not(None), WaitlistEntry.checked_at, WaitlistEntry.joined_at)
        .limit(RECHECKED_PER_SWEEP)))
    offered = 0
    for entry in entries:
        entry.checked_at = now
        if recheck(session, entry, now=now) is not None:
            offered += 1
    session.flush()
    return len(due), offered


def recheck(session: Session, entry: WaitlistEntry, *, now: datetime) -> WaitlistHold | None:
    """Look for the first free time that suits ``entry`` within its range (at most LOOK_AHEAD ahead) and offer
    it to the first customers it suits (who may be others who joined earlier)."""
    zone = ZoneInfo(entry.location.timezone)
    today = now.astimezone(zone).date()
    first, last = max(entry.first_day, today), min(entry.last_day, today + LOOK_AHEAD)
    if first > last:
        return None
    calendar = availability.load(session, service=entry.service, location=entry.location, first_day=first,
                                 last_day=last, provider_id=entry.provider_id, now=now)
    wish = Wish.of(entry)
    for slot in calendar.slots(now):
        for provider_id in slot.provider_ids:
            if suits(wish, location_id=entry.location_id, provider_id=provider_id, starts_at=slot.starts_at, zone=zone):
                return freed(session, service_id=entry.service_id, location_id=entry.location_id,
                             provider_id=provider_id, starts_at=slot.starts_at, now=now)
    return None


def by_token(session: Session, token: str) -> WaitlistOffer | None:
    if not tokens.plausible(token):
        return None
    hold = joinedload(WaitlistOffer.hold)
    return session.scalar(
        sa.select(WaitlistOffer).where(WaitlistOffer.token_hash == tokens.digest(token)).options(
            hold.joinedload(WaitlistHold.service), hold.joinedload(WaitlistHold.location),
            hold.joinedload(WaitlistHold.provider), joinedload(WaitlistOffer.entry).joinedload(WaitlistEntry.customer),
        )
    )
