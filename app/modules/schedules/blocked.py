"""Blocked time: a break or time off that staff add for a provider from the calendar, on one local date
at a location. It is a TimeOff like any other (see ``hours.add_time_off``): online slots go at once."""
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules.catalogue.models import Location, Provider, ProviderLocation
from app.modules.schedules import hours
from app.modules.schedules.models import TimeOff

# add_time_off's field names, as the blocked-time form calls them.
FIELDS = {"starts_on": "on_date", "ends_on": "ends_time"}


def block_time(session: Session, provider: Provider, location: Location, *, on_date: date | None,
               starts_time: time | None, ends_time: time | None, reason: str = "", actor) -> TimeOff:
    """Block ``provider``'s time at ``location`` on ``on_date`` from ``starts_time`` to ``ends_time``
    (local, in the location's zone; an empty start is the day's start, an empty end its end)."""
    works_there = session.scalar(select(ProviderLocation.id).where(
        ProviderLocation.provider_id == provider.id, ProviderLocation.location_id == location.id))
    if not provider.active or not location.active or works_there is None:
        raise DomainError(f"{provider.name} does not work at {location.name}.", field="location_id")
    if starts_time is not None and ends_time is not None and ends_time <= starts_time:
        raise DomainError("The end must be after the start.", field="ends_time")
    try:
        return hours.add_time_off(session, provider, zone=location.timezone, starts_on=on_date, starts_time=starts_time,
                                  ends_on=on_date, ends_time=ends_time, reason=reason, actor=actor)
    except DomainError as error:
        raise DomainError(str(error), field=FIELDS.get(error.field, error.field)) from None
