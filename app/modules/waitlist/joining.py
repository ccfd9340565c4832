"""Joining the waitlist and leaving it by the emailed link."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules import notifications
from app.modules.customers.directory import Contact, find_or_create_customer
from app.modules.tenants import site_url
from app.modules.tenants.models import Tenant
from app.modules.waitlist import offers, tokens
from app.modules.waitlist.models import PARTS_OF_DAY, WaitlistEntry, WaitlistHold, WaitlistOffer

LONGEST_RANGE = timedelta(days=90)


class WaitlistError(DomainError):
    """A waitlist change that cannot be made; the message is for the customer."""


def join(
    session: Session, *, service, location, provider_id: int | None, contact: Contact, first_day: date,
    last_day: date, parts: tuple[str, ...] = (), from_time: time | None = None, until_time: time | None = None,
    text_me: bool = False, now: datetime,
) -> WaitlistEntry:
    """Put ``contact`` on the service's waitlist at ``location``; emails them the link to leave it again."""
    today = now.astimezone(ZoneInfo(location.timezone)).date()
    if first_day < today:
        raise WaitlistError("Choose a first day from today on.", field="first_day")
    if last_day < first_day:
        raise WaitlistError("The last day comes on or after the first.", field="last_day")
    if last_day - first_day > LONGEST_RANGE:
        raise WaitlistError("At most 90 days at a time.", field="last_day")
    if unknown := [p for p in parts if p not in PARTS_OF_DAY]:
        raise WaitlistError(f"Unknown time of day: {', '.join(unknown)}.", field="parts")
    if from_time and until_time and from_time >= until_time:
        raise WaitlistError("The end of the times you can come is after their start.", field="until_time")
    if text_me and not contact.phone:
        raise WaitlistError("Give a mobile number to be texted.", field="phone")
    customer, created = find_or_create_customer(session, contact, tenant_id=service.tenant_id)
    if created and contact.phone:
        customer.phone = contact.phone
    token, token_hash = tokens.new_token()
    entry = WaitlistEntry(
        tenant_id=service.tenant_id, service_id=service.id, location_id=location.id, provider_id=provider_id,
        customer_id=customer.id, first_day=first_day, last_day=last_day, parts_of_day=",".join(parts),
        from_time=from_time, until_time=until_time, joined_at=now, leave_token_hash=token_hash,
        sms_phone=contact.phone if text_me else None,
    )
    session.add(entry)
    session.flush()
    tenant = session.get(Tenant, service.tenant_id)
    notifications.queue(
        session, now=now, tenant_id=entry.tenant_id, kind="waitlist_joined", recipient=customer.email,
        link=site_url(tenant, f"/waitlist/leave/{token}"), details=[
            f"Service: {service.name}", f"Where: {location.name}",
            f"Days: {first_day.strftime('%-d %B %Y')} to {last_day.strftime('%-d %B %Y')}",
            f"Times: {describe_times(entry)}",
        ],
    )
    return entry


def describe_times(entry) -> str:
    """The entry's preferred times of day, as the customer and staff read them."""
    if entry.from_time or entry.until_time:
        start = entry.from_time.strftime("%H:%M") if entry.from_time else "any time"
        end = entry.until_time.strftime("%H:%M") if entry.until_time else "closing"
        return f"{start} to {end}"
    return ", ".join(entry.parts) if entry.parts else "any time"


def by_leave_token(session: Session, token: str) -> WaitlistEntry | None:
    if not tokens.plausible(token):
        return None
    return session.scalar(sa.select(WaitlistEntry).where(WaitlistEntry.leave_token_hash == tokens.digest(token)))


def leave(session: Session, entry: WaitlistEntry, *, now: datetime) -> WaitlistEntry:
    """Take ``entry`` off the list; its open offers close (a time offered to nobody else passes on)."""
    if entry.status != "waiting":
        return entry
    entry.status, entry.left_at = "left", now
    open_offers = list(session.scalars(
        sa.select(WaitlistOffer).where(WaitlistOffer.entry_id == entry.id, WaitlistOffer.status == "open")
    ))
    for offer in open_offers:
        offer.status = "gone"
    session.flush()
    for offer in open_offers:
        others = session.scalar(sa.select(sa.func.count()).select_from(WaitlistOffer).where(
            WaitlistOffer.hold_id == offer.hold_id, WaitlistOffer.status == "open"))
        if not others:  # nobody else was offered that time: it passes on to the next customers
            offers.expire(session, session.get(WaitlistHold, offer.hold_id), now=now)
    return entry
