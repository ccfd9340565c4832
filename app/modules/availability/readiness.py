"""Whether a practice can take a booking online yet, and which set-up steps it still lacks: an
active location, an active service, an active provider who offers it there, and their hours."""
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from app.modules.catalogue.models import Location, Provider, ProviderLocation, ProviderService, Service
from app.modules.schedules.models import WorkingHours


@dataclass(frozen=True)
class Readiness:
    location: bool  # an active location
    service: bool  # an active service
    provider: bool  # an active provider who offers an active service at an active location
    hours: bool  # such a provider has weekly hours at such a location

    @property
    def ready(self) -> bool:
        return self.location and self.service and self.provider and self.hours


def _offers_a_service(tenant_id: int, provider):
    link, service = aliased(ProviderService), aliased(Service)
    return sa.exists().where(link.tenant_id == tenant_id, link.provider_id == provider.id,
                             service.tenant_id == tenant_id, service.id == link.service_id, service.active)


def _works_at(tenant_id: int, provider, location_id=None):
    """The provider works at an active location (at ``location_id``, when given)."""
    link, location = aliased(ProviderLocation), aliased(Location)
    where = [link.tenant_id == tenant_id, link.provider_id == provider.id, location.tenant_id == tenant_id,
             location.id == link.location_id, location.active]
    if location_id is not None:
        where.append(link.location_id == location_id)
    return sa.exists().where(*where)


def readiness(session: Session, tenant) -> Readiness:
    """The four steps in one statement (the booking site's home page asks on every visit)."""
    tid = tenant.id
    provider, hours = aliased(Provider), aliased(WorkingHours)
    has_location = sa.exists().where(Location.tenant_id == tid, Location.active)
    has_service = sa.exists().where(Service.tenant_id == tid, Service.active)
    offering = sa.exists().where(
        provider.tenant_id == tid, provider.active, _offers_a_service(tid, provider), _works_at(tid, provider),
    )
    working = sa.exists().where(
        hours.tenant_id == tid, provider.tenant_id == tid, provider.id == hours.provider_id, provider.active,
        _offers_a_service(tid, provider), _works_at(tid, provider, hours.location_id),
    )
    row = session.execute(sa.select(has_location, has_service, offering, working)).one()
    return Readiness(*map(bool, row))
