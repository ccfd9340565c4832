"""What a tenant offers: its active locations, services by category, and who provides them."""
from itertools import groupby

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from app.core.tenancy import reused
from app.modules.catalogue.models import Location, Provider, Service, ServiceCategory


def active_locations(session: Session) -> list[Location]:
    return list(session.scalars(select(Location).where(Location.active).order_by(Location.name)))


def services_by_category(session: Session) -> list[tuple[str, list[Service]]]:
    """Active services grouped under their category's name, categories in their set order."""
    rows = session.execute(
        select(Service, ServiceCategory)
        .outerjoin(ServiceCategory, ServiceCategory.id == Service.category_id)
        .where(Service.active)
        .order_by(ServiceCategory.position.nulls_last(), ServiceCategory.name, Service.name)
    ).all()
    return [
        (category.name if category else "Services", [service for service, _ in group])
        for category, group in groupby(rows, key=lambda row: row[1])
    ]


def active_service(session: Session, service_id: int) -> Service | None:
    """The active service with its providers and their locations, in one statement (the booking
    site reads them on every step)."""
    return session.scalars(_ACTIVE_SERVICE, {"service_id": service_id}).unique().one_or_none()


# Built once, and reused: every step of the booking site runs it.
_ACTIVE_SERVICE = reused(
    select(Service)
    .where(Service.id == bindparam("service_id"), Service.active)
    .options(joinedload(Service.providers).joinedload(Provider.locations))
)


def offered_by(service: Service) -> list[Provider]:
    """The service's active providers, by name, with their locations (loaded by ``active_service``)."""
    return sorted((provider for provider in service.providers if provider.active), key=lambda p: p.name)
