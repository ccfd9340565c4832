"""What a tenant offers: its active locations, services by category, and who provides them."""
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.modules.catalogue.models import Location, Provider, ProviderService, Service, ServiceCategory


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


def offered_by(session: Session, service: Service) -> list[Provider]:
    return list(
        session.scalars(
            select(Provider)
            .join(ProviderService, ProviderService.provider_id == Provider.id)
            .where(ProviderService.service_id == service.id, Provider.active)
            .options(selectinload(Provider.locations))
            .order_by(Provider.name)
        )
    )
