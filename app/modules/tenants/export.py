"""A practice's core data as one JSON document, for its owner to take away (after cancelling, too)."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.modules import audit
from app.modules.accounts.models import User
from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.catalogue.models import Location, Provider, Service, ServiceCategory
from app.modules.customers.models import Customer
from app.modules.tenants import lifecycle
from app.modules.tenants.models import Tenant

FORMAT = "sloty-practice-export/1"


def _rows(session: Session, model, tenant_id: int, columns: tuple[str, ...]) -> list[dict]:
    rows = session.scalars(sa.select(model).where(model.tenant_id == tenant_id).order_by(model.id)).all()
    return [{column: _plain(getattr(row, column)) for column in columns} for row in rows]


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def practice_data(session: Session, tenant: Tenant, *, now: datetime, actor) -> dict:
    """Everything a practice would need to move elsewhere: its locations, services, providers, staff
    (never their passwords), customers (not erased ones' details) and appointments. Audited."""
    erased = {row.id for row in session.scalars(sa.select(Customer).where(
        Customer.tenant_id == tenant.id, Customer.erased_at.is_not(None)))}
    customers = [row for row in _rows(session, Customer, tenant.id, (
        "id", "name", "email", "phone", "notes", "email_consent", "sms_consent", "active", "created_at"))
        if row["id"] not in erased]
    data = {
        "format": FORMAT,
        "exported_at": now.isoformat(),
        "practice": {"name": tenant.name, "slug": tenant.slug, "timezone": tenant.timezone, "currency": tenant.currency,
                     "custom_domain": tenant.custom_domain, "status": tenant.status},
        "locations": _rows(session, Location, tenant.id, ("id", "name", "address", "timezone", "active")),
        "service_categories": _rows(session, ServiceCategory, tenant.id, ("id", "name")),
        "services": _rows(session, Service, tenant.id, (
            "id", "name", "category_id", "duration_minutes", "buffer_before_minutes", "buffer_after_minutes", "price",
            "capacity", "active")),
        "providers": _rows(session, Provider, tenant.id, ("id", "name", "bio", "user_id", "active")),
        "staff": _rows(session, User, tenant.id, ("id", "name", "email", "role", "active")),
        "customers": customers,
        "appointments": _rows(session, Appointment, tenant.id, (
            "id", "location_id", "provider_id", "service_id", "starts_at", "ends_at", "status", "price", "public_notes",
            "internal_notes", "source", "cancellation_reason", "cancelled_at")),
        "appointment_participants": _rows(session, AppointmentParticipant, tenant.id, (
            "id", "appointment_id", "customer_id", "role", "seats", "checked_in_at")),
    }
    audit.record(session, "tenant.exported", tenant, actor=actor, tenant_id=tenant.id,
                 counts={key: len(value) for key, value in data.items() if isinstance(value, list)})
    session.flush()
    return data


def export_deadline(tenant: Tenant) -> datetime | None:
    """Until when a cancelled practice's owner may still export (None: the practice is not cancelled)."""
    return lifecycle.export_ends(tenant.status, tenant.status_changed_at)
