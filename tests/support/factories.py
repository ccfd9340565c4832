"""Small factories for test data. Each flushes, inside the tenant's scope, and returns the row.

Nothing is committed here: a Visitor's request commits what the test built, and a test whose data
is read from another connection (a live server, threads, worker processes) commits once itself."""
import secrets
from datetime import datetime, time, timedelta, timezone
from itertools import count
from zoneinfo import ZoneInfo

from app.core import clock
from app.core.database import db
from app.core.tenancy import all_tenants, tenant_context
from app.modules import accounts, tenants
from app.modules.accounts.models import User
from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.catalogue.models import Location, Provider, ProviderLocation, ProviderService, Service
from app.modules.customers.models import Customer
from app.modules.schedules.models import WorkingHours
from app.modules.tenants.models import Tenant

PASSWORD = "correct horse battery"
_seq = count(1)


def save(tenant: Tenant, *rows):
    """Add and flush ``rows`` of ``tenant``, so they have ids; returns them (one row alone)."""
    with tenant_context(tenant):
        db.session.add_all(rows)
        db.session.flush()
    return rows[0] if len(rows) == 1 else rows


def unique_slug() -> str:
    return f"practice{next(_seq)}"


def tenant(slug: str | None = None, **fields) -> Tenant:
    with all_tenants():
        record = tenants.create_tenant(
            db.session, slug=slug or unique_slug(), name=fields.pop("name", "Test Practice"), actor=None, **fields
        )
        db.session.flush()
    return record


def user(tenant: Tenant | None, role: str = "owner", *, email: str | None = None, password: str = PASSWORD) -> User:
    email = email or f"{role}{next(_seq)}@example.com"
    if tenant is None:
        with all_tenants():
            record = accounts.create_superadmin(db.session, email=email, name="Super Admin", password=password)
            db.session.flush()
        return record
    with tenant_context(tenant):
        record = accounts.create_user(db.session, tenant, email=email, name=f"{role.title()} Person", password=password, role=role)
        db.session.flush()
    return record


def location(tenant: Tenant, **fields) -> Location:
    fields = {"name": f"Location {next(_seq)}", "address": "1 High Street", "timezone": "Europe/London"} | fields
    return save(tenant, Location(tenant_id=tenant.id, **fields))


def service(tenant: Tenant, **fields) -> Service:
    fields = {"name": f"Service {next(_seq)}", "duration_minutes": 30, "price": 4500} | fields
    return save(tenant, Service(tenant_id=tenant.id, **fields))


def provider(tenant: Tenant, *, location: Location | None = None, services=(), user: User | None = None, **fields) -> Provider:
    record = save(tenant, Provider(tenant_id=tenant.id, name=fields.pop("name", f"Provider {next(_seq)}"), user_id=user.id if user else None, **fields))
    links = [ProviderService(tenant_id=tenant.id, provider_id=record.id, service_id=s.id) for s in services]
    if location is not None:
        links.append(ProviderLocation(tenant_id=tenant.id, provider_id=record.id, location_id=location.id))
        links += [
            WorkingHours(tenant_id=tenant.id, provider_id=record.id, location_id=location.id, weekday=day, starts_at=time(9), ends_at=time(17))
            for day in range(5)
        ]
    if links:
        save(tenant, *links)
    return record


def customer(tenant: Tenant, **fields) -> Customer:
    n = next(_seq)
    fields = {"name": f"Customer {n}", "email": f"customer{n}@example.com"} | fields
    return save(tenant, Customer(tenant_id=tenant.id, **fields))


def appointment(
    tenant: Tenant, *, location: Location, provider: Provider, service: Service, customer: Customer,
    starts_at: datetime | None = None, days: int | None = None, at: str | None = None, status: str = "confirmed",
) -> Appointment:
    """An appointment at ``starts_at``, or ``days`` days from now at the location's wall-clock time ``at``
    ("HH:MM") or else on the hour; by default a day from now."""
    if starts_at is None:
        starts_at = clock.now().replace(microsecond=0) + timedelta(days=1) if days is None else days_from_now(days, at, location)
    ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    record = save(
        tenant,
        Appointment(
            tenant_id=tenant.id, location_id=location.id, provider_id=provider.id, service_id=service.id,
            starts_at=starts_at, ends_at=ends_at,
            blocked_from=starts_at - timedelta(minutes=service.buffer_before_minutes),
            blocked_until=ends_at + timedelta(minutes=service.buffer_after_minutes),
            status=status, capacity=service.capacity, price=service.price, manage_token=secrets.token_urlsafe(32),
        ),
    )
    save(tenant, AppointmentParticipant(
        tenant_id=tenant.id, appointment_id=record.id, customer_id=customer.id, manage_token=secrets.token_urlsafe(32),
    ))
    return record


def days_from_now(days: int, at: str | None, location: Location) -> datetime:
    """``days`` days from the clock's now: at local time ``at`` at ``location``, or on the hour."""
    if at is None:
        return (clock.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    zone = ZoneInfo(location.timezone)
    day = clock.now().astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(day, time.fromisoformat(at), tzinfo=zone).astimezone(timezone.utc)

