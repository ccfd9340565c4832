"""Today's agenda: the practice's appointments of the day, or a provider's own."""
from zoneinfo import ZoneInfo

from flask_login import current_user
from sqlalchemy import select

from app.blueprints.dashboard import bp
from app.blueprints.dashboard.access import own_calendar_only
from app.core import clock
from app.core.database import db
from app.modules.appointments import calendars
from app.modules.availability import local_day_bounds
from app.modules.availability.readiness import readiness
from app.modules.catalogue.locations import closed_on
from app.modules.catalogue.models import Provider
from app.web.rendering import render
from app.web.sites import current_tenant


@bp.get("/")
def agenda():
    zone = ZoneInfo(current_tenant.timezone)
    today = clock.today_in(current_tenant.timezone)
    starts, ends = local_day_bounds(today, today, zone)  # right even where a clock change skips midnight
    items = calendars.day_agenda(db.session, starts, ends, provider_user_id=own_calendar_only())
    # Those who set the practice up see what it still lacks before customers can book online.
    steps = readiness(db.session, current_tenant) if current_user.has_role("owner", "admin") else None
    # Providers who may keep their own hours find them from here.
    own_hours = None
    if current_user.has_role("provider") and current_tenant.providers_manage_own_hours:
        own_hours = db.session.scalar(select(Provider.id).where(Provider.user_id == current_user.id, Provider.active))
    return render("dashboard/agenda/today.html", today=today, appointments=items, steps=steps, own_hours=own_hours,
                  closures=closed_on(db.session, today))
