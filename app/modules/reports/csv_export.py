"""Reports as CSV: each report's table, and the appointments of a range, one line at a time (a generator
for a streamed response). Times in the practice's time zone, and again in ISO 8601 UTC."""
import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.catalogue.models import Location, Provider, Service
from app.modules.catalogue.money import amount_text
from app.modules.customers.models import Customer
from app.modules.reports.figures import Scope

APPOINTMENT_COLUMNS = (
    "Appointment", "Starts (local)", "Ends (local)", "Time zone", "Starts (UTC)", "Ends (UTC)", "Status",
    "Cancelled late", "Location", "Provider", "Service", "Customers", "Places", "Price per place", "Currency",
    "Booked (local)", "Booked (UTC)",
)
# Rows fetched from the database at a time: memory stays flat however many appointments a range holds.
BATCH = 500


def lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """Each row as one line of CSV (quoted as the csv module quotes, CRLF-terminated)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def utc_text(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def local_text(instant: datetime, zone: ZoneInfo) -> str:
    """The wall-clock time with its offset, so that autumn's repeated hour stays unambiguous."""
    return instant.astimezone(zone).isoformat(timespec="minutes")


def appointment_rows(session: Session, scope: Scope, *, zone: ZoneInfo, currency: str) -> Iterator[tuple]:
    """Every appointment of the scope (declined requests too: the status says so), earliest first, with
    the header first. One statement, read in batches."""
    yield APPOINTMENT_COLUMNS
    # A group session's customers in one cell; its places are those of the bookings still standing.
    standing = AppointmentParticipant.cancelled_at.is_(None)
    customers = sa.func.aggregate_strings(sa.case((standing, Customer.name)), "; ")  # NULLs are left out
    places = sa.func.coalesce(sa.func.sum(sa.case((standing, AppointmentParticipant.seats), else_=0)), 0)
    statement = (
        sa.select(Appointment.id, Appointment.starts_at, Appointment.ends_at, Appointment.status,
                  Appointment.cancelled_late, Location.name, Provider.name, Service.name, customers, places,
                  Appointment.price, Appointment.created_at)
        .join(Location, Location.id == Appointment.location_id)
        .join(Provider, Provider.id == Appointment.provider_id)
        .join(Service, Service.id == Appointment.service_id)
        .outerjoin(AppointmentParticipant, AppointmentParticipant.appointment_id == Appointment.id)
        .outerjoin(Customer, Customer.id == AppointmentParticipant.customer_id)
        .where(*scope.where())
        .group_by(Appointment.id, Location.name, Provider.name, Service.name)
        .order_by(Appointment.starts_at, Appointment.id)
        .execution_options(yield_per=BATCH)
    )
    for (appointment_id, starts, ends, status, late, location, provider, service, names, seats, price,
         booked) in session.execute(statement):
        yield (appointment_id, local_text(starts, zone), local_text(ends, zone), zone.key, utc_text(starts),
               utc_text(ends), status, "yes" if late else "no", location, provider, service, names or "", seats,
               amount_text(price, currency), currency, local_text(booked, zone), utc_text(booked))
