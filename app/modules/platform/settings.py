"""Reading and changing the platform's settings; until the operator saves them, the defaults stand."""
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules import audit
from app.modules.billing.models import Plan
from app.modules.platform.models import SETTINGS_ID, PlatformSettings

DEFAULTS = {"platform_name": "Sloty", "support_email": "support@sloty.example", "default_plan_id": None,
            "trial_days": 14, "dunning_grace_days": 7}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_DAYS = 365


@dataclass(frozen=True)
class Settings:
    platform_name: str
    support_email: str
    default_plan_id: int | None
    trial_days: int
    dunning_grace_days: int


def current(session: Session) -> Settings:
    row = session.get(PlatformSettings, SETTINGS_ID)
    if row is None:
        return Settings(**DEFAULTS)
    return Settings(**{key: getattr(row, key) for key in DEFAULTS})


def update(session: Session, *, platform_name: str, support_email: str, default_plan_id: int | None,
           trial_days: int, dunning_grace_days: int, actor) -> Settings:
    """Save the settings, audited with the values before and after; a bad value is a DomainError at its field."""
    platform_name = (platform_name or "").strip()
    if not platform_name:
        raise DomainError("Enter the platform's name.", field="platform_name")
    if len(platform_name) > 100:
        raise DomainError("At most 100 characters.", field="platform_name")
    support_email = (support_email or "").strip()
    if not EMAIL.match(support_email) or len(support_email) > 254:
        raise DomainError("An email address such as support@example.com.", field="support_email")
    if default_plan_id is not None:
        plan = session.get(Plan, default_plan_id)
        if plan is None or not plan.active:
            raise DomainError("Choose an active plan.", field="default_plan_id")
    for field, days in (("trial_days", trial_days), ("dunning_grace_days", dunning_grace_days)):
        if days is None or not 0 <= days <= MAX_DAYS:
            raise DomainError(f"A whole number of days from 0 to {MAX_DAYS}.", field=field)
    wanted = {"platform_name": platform_name, "support_email": support_email, "default_plan_id": default_plan_id,
              "trial_days": trial_days, "dunning_grace_days": dunning_grace_days}
    row = session.get(PlatformSettings, SETTINGS_ID)
    before = current(session).__dict__
    if row is None:
        row = PlatformSettings(id=SETTINGS_ID, **wanted)
        session.add(row)
    else:
        for key, value in wanted.items():
            setattr(row, key, value)
    session.flush()
    changed = {key: value for key, value in wanted.items() if before[key] != value}
    if changed:
        audit.record(session, "platform.settings_changed", row, actor=actor,
                     before={key: before[key] for key in changed}, after=changed)
    return Settings(**wanted)


def default_plan_choices(session: Session) -> list[Plan]:
    return session.scalars(sa.select(Plan).where(Plan.active).order_by(Plan.price, Plan.name)).all()
