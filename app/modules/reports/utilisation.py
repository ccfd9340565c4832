"""Utilisation: each provider's booked minutes over their working minutes, the working time worked out by
the availability engine's own rules (``engine.working_time``) from what ``loading.load_working`` reads."""
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.modules.availability.engine import working_time
from app.modules.availability.loading import load_working
from app.modules.reports.figures import Scope, booked_minutes


@dataclass(frozen=True)
class ProviderUtilisation:
    provider_id: int
    name: str
    working_minutes: int
    booked_minutes: int

    @property
    def rate(self) -> float | None:
        return self.booked_minutes / self.working_minutes if self.working_minutes else None


def utilisation(
    session: Session, scope: Scope, *, first_day: date, last_day: date, providers: dict[int, str],
) -> list[ProviderUtilisation]:
    """One row per provider in ``providers`` (id → name) who worked or was booked, in two statements: their
    schedules at the scope's locations (``scope.zones``), then their booked minutes. Each location's days
    are its own local dates ``first_day``..``last_day``."""
    provider_ids = list(scope.provider_ids if scope.provider_ids is not None else providers)
    zones = {location_id: zone for location_id, zone in scope.zones.items()
             if scope.location_id is None or location_id == scope.location_id}
    schedules = load_working(session, location_ids=list(zones), provider_ids=provider_ids,
                             first_day=first_day, last_day=last_day)
    working = dict.fromkeys(provider_ids, 0)
    for location_id, (closures, calendars) in schedules.items():
        for provider_id, calendar in calendars.items():
            worked = working_time(calendar, first_day, last_day, ZoneInfo(zones[location_id]), closures)
            working[provider_id] += int(worked.total_seconds() // 60)
    booked = booked_minutes(session, scope)
    return [
        ProviderUtilisation(provider_id, providers.get(provider_id, ""), working[provider_id], booked.get(provider_id, 0))
        for provider_id in sorted(provider_ids, key=lambda pid: (providers.get(pid, ""), pid))
        if working[provider_id] or booked.get(provider_id)
    ]
