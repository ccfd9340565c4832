"""Small factories for test data. Each commits, inside the tenant's scope, and returns the row."""
import secrets
from datetime import datetime, time, timedelta, timezone
from itertools import count

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
    """Add and commit ``rows`` of ``tenant``; returns them refreshed (one row alone)."""
    with tenant_context(tenant):
        db.session.add_all(rows)
        db.session.commit()
        for row in rows:
            db.session.refresh(row)
    return rows[0] if len(rows) == 1 else rows


def tenant(slug: str | None = None, **fields) -> Tenant:
    with all_tenants():
        record = tenants.create_tenant(
            db.session, slug=slug or f"practice{next(_seq)}", name=fields.pop("name", "Test Practice"), actor=None, **fields
        )
        db.session.commit()
        db.session.refresh(record)
    return record


def user(tenant: Tenant | None, role: str = "owner", *, email: str | None = None, password: str = PASSWORD) -> User:
    email = email or f"{role}{next(_seq)}@example.com"
    if tenant is None:
        with all_tenants():
            record = accounts.create_superadmin(db.session, email=email, name="Super Admin", password=password)
            db.session.commit()
            db.session.refresh(record)
        return record
    with tenant_context(tenant):
        record = accounts.create_user(db.session, tenant, email=email, name=f"{role.title()} Person", password=password, role=role)
        db.session.commit()
        db.session.refresh(record)
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
    starts_at: datetime | None = None, status: str = "confirmed",
) -> Appointment:
    starts_at = starts_at or clock.now().replace(microsecond=0) + timedelta(days=1)
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


def practice(slug: str | None = None, **fields):
    """A tenant with an owner, a location, a service, a provider, a customer and an appointment."""
    t = tenant(slug, **fields)
    owner = user(t, "owner")
    loc = location(t)
    svc = service(t)
    prov = provider(t, location=loc, services=[svc])
    cust = customer(t)
    appt = appointment(t, location=loc, provider=prov, service=svc, customer=cust)
    return {"tenant": t, "owner": owner, "location": loc, "service": svc, "provider": prov, "customer": cust, "appointment": appt}
