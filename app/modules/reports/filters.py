"""What a report can be narrowed to: the practice's locations (with their zones) and the providers the
member may see (a provider only themself), in one statement."""
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.modules.catalogue.models import Location, Provider


@dataclass(frozen=True)
class Choices:
    locations: dict[int, tuple[str, str]]  # id → (name, IANA zone), active ones first
    providers: dict[int, str]  # id → name

    @property
    def zones(self) -> dict[int, str]:
        return {location_id: zone for location_id, (_, zone) in self.locations.items()}


def choices(session: Session, *, provider_user_id: int | None = None) -> Choices:
    """Every location, and every provider or, for a provider's own account (``provider_user_id``), only
    theirs. Inactive ones too: a report looks back at the time they were working."""
    providers = sa.select(sa.literal("provider"), Provider.id, Provider.name, sa.cast(sa.null(), sa.String),
                          Provider.active)
    if provider_user_id is not None:
        providers = providers.where(Provider.user_id == provider_user_id)
    locations = sa.select(sa.literal("location").label("kind"), Location.id.label("id"), Location.name.label("name"),
                          Location.timezone.label("zone"), Location.active.label("active"))
    rows = session.execute(
        sa.union_all(locations, providers).order_by(sa.text("kind"), sa.text("active DESC"), sa.text("name"), sa.text("id"))
    ).all()
    return Choices(
        locations={row.id: (row.name, row.zone) for row in rows if row.kind == "location"},
        providers={row.id: row.name for row in rows if row.kind == "provider"},
    )
