"""A provider's private calendar feed: an iCalendar subscription (Google, Apple, Outlook) of their
upcoming appointments, at a URL holding a secret token. Only the token's SHA-256 is stored: it can be
regenerated (the old URL stops working) and revoked. The feed carries the customer's first name and
the service, never contact details: a calendar app is no place for a patient's email or phone."""
import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from icalendar import Calendar, Event, vText
from sqlalchemy.orm import Session, joinedload, selectinload

from app.modules import audit
from app.modules.appointments.models import ACTIVE_STATUSES, Appointment, AppointmentParticipant
from app.modules.catalogue.models import Provider

TOKEN_BYTES = 32
HORIZON = timedelta(days=366)  # how far ahead the feed looks
MAX_EVENTS = 2000


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def regenerate(session: Session, provider: Provider, *, actor) -> str:
    """A new secret for the provider's feed, replacing any earlier one; returns it (shown once)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    replaced = provider.feed_token_hash is not None
    provider.feed_token_hash = _hash(token)
    session.flush()
    audit.record(session, "provider.calendar_feed.regenerate" if replaced else "provider.calendar_feed.create",
                 provider, actor=actor)
    return token


def revoke(session: Session, provider: Provider, *, actor) -> None:
    """No feed any more: its URL answers 404."""
    if provider.feed_token_hash is None:
        return
    provider.feed_token_hash = None
    session.flush()
    # The secret itself is never recorded: only whether there is one.
    audit.record(session, "provider.calendar_feed.revoke", provider, actor=actor, before={"feed": True},
                 after={"feed": False})


def provider_by_token(session: Session, token: str) -> Provider | None:
    """The provider (of the tenant in scope) whose feed ``token`` opens, if any."""
    if not token or len(token) > 100:
        return None
    return session.scalar(sa.select(Provider).where(Provider.feed_token_hash == _hash(token)))


def first_name(name: str) -> str:
    parts = (name or "").split()
    return parts[0] if parts else "Customer"


def upcoming(session: Session, provider: Provider, *, now: datetime) -> list[Appointment]:
    return list(session.scalars(
        sa.select(Appointment)
        .where(Appointment.provider_id == provider.id, Appointment.status.in_(ACTIVE_STATUSES),
               Appointment.ends_at > now, Appointment.starts_at < now + HORIZON)
        .options(joinedload(Appointment.service), joinedload(Appointment.location),
                 selectinload(Appointment.participants).joinedload(AppointmentParticipant.customer))
        .order_by(Appointment.starts_at)
        .limit(MAX_EVENTS)
    ).unique())


def feed(session: Session, provider: Provider, *, practice: str, now: datetime) -> bytes:
    """The provider's upcoming appointments as an iCalendar feed."""
    calendar = Calendar()
    calendar.add("prodid", "-//Sloty//Provider calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{provider.name} — {practice}")
    calendar.add("refresh-interval", timedelta(minutes=30), parameters={"VALUE": "DURATION"})
    for appointment in upcoming(session, provider, now=now):
        names = [first_name(p.customer.name) for p in appointment.participants if not p.is_cancelled]
        who = ", ".join(names) if len(names) <= 3 else f"{len(names)} people"
        event = Event()
        event.add("uid", f"appointment-{appointment.id}-{appointment.tenant_id}@sloty")
        event.add("dtstamp", now)
        event.add("dtstart", appointment.starts_at)
        event.add("dtend", appointment.ends_at)
        event.add("summary", f"{appointment.service.name}: {who}" if who else appointment.service.name)
        event.add("location", vText(appointment.location.name))
        event.add("sequence", appointment.version - 1)
        event.add("status", "TENTATIVE" if appointment.status == "pending" else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
