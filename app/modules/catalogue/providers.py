"""Providers: who they are, where they work, what they offer and which account is theirs."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules import audit
from app.modules.billing import limits
from app.modules.catalogue.models import Location, Provider, ProviderLocation, ProviderService, Service


def save_provider(session: Session, tenant, provider: Provider | None, *, name: str, bio: str, location_ids,
                  service_ids, user_id: int | None, actor) -> Provider:
    """Create (``provider`` None) or update a provider with its locations and services."""
    name = (name or "").strip()
    if not name:
        raise DomainError("Enter the provider's name.", field="name")
    creating = provider is None
    if creating:
        limits.check_room_for(session, tenant.id, "providers")
        provider = Provider(tenant_id=tenant.id, name=name, bio=bio or "", user_id=user_id)
        session.add(provider)
        before = {}
    else:
        before = {**audit.snapshot(provider, ("name", "bio", "user_id")), **_links_of(session, provider)}
        provider.name, provider.bio, provider.user_id = name, bio or "", user_id
    session.flush()
    # Only what the form could offer is replaced: links to inactive locations and services stay.
    locations, services = choices(session)
    _replace_links(session, tenant, provider, ProviderLocation, "location_id", set(location_ids), {loc.id for loc in locations})
    _replace_links(session, tenant, provider, ProviderService, "service_id", set(service_ids), {svc.id for svc in services})
    after = {**audit.snapshot(provider, ("name", "bio", "user_id")), **_links_of(session, provider)}
    if creating:
        audit.record(session, "provider.created", provider, actor=actor, before={}, after=after)
    else:
        before, after = audit.changes(before, after)
        audit.record(session, "provider.updated", provider, actor=actor, before=before, after=after)
    return provider


def _links_of(session: Session, provider: Provider) -> dict:
    """The provider's locations and services, by id, as the audit trail records them."""
    return {
        "locations": sorted(session.scalars(select(ProviderLocation.location_id)
                                            .where(ProviderLocation.provider_id == provider.id))),
        "services": sorted(session.scalars(select(ProviderService.service_id)
                                           .where(ProviderService.provider_id == provider.id))),
    }


def _replace_links(session, tenant, provider, model, column, wanted: set[int], offered: set[int]) -> None:
    existing = {getattr(row, column): row for row in session.scalars(select(model).where(model.provider_id == provider.id))}
    for ident, row in existing.items():
        if ident in offered and ident not in wanted:
            session.delete(row)
    for ident in wanted - existing.keys():
        session.add(model(tenant_id=tenant.id, provider_id=provider.id, **{column: ident}))
    session.flush()


def set_active(session: Session, provider: Provider, active: bool, *, actor) -> None:
    if active and not provider.active:
        limits.check_room_for(session, provider.tenant_id, "providers")
    before, provider.active = provider.active, active
    session.flush()
    audit.record(session, "provider.reactivated" if active else "provider.deactivated", provider, actor=actor,
                 before={"active": before}, after={"active": active})


def choices(session: Session):
    """The practice's active locations and services, to pick a provider's from."""
    locations = session.scalars(select(Location).where(Location.active).order_by(Location.name)).all()
    services = session.scalars(select(Service).where(Service.active).order_by(Service.name)).all()
    return locations, services
