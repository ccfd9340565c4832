"""Today's agenda, the dashboard's front page: the calendar's agenda of today at every location (a
provider sees only their own), with what the practice still lacks and the locations closed today."""
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.dashboard import bp
from app.blueprints.dashboard.calendar import todays_agenda
from app.core.database import db
from app.modules.availability.readiness import readiness
from app.modules.catalogue.locations import closed_on
from app.modules.catalogue.models import Provider
from app.web.rendering import render
from app.web.sites import current_tenant


@bp.get("/")
def agenda():
    place, today, listing = todays_agenda()
    # Those who set the practice up see what it still lacks before customers can book online.
    steps = readiness(db.session, current_tenant) if current_user.has_role("owner", "admin") else None
    # Providers who may keep their own hours find them from here.
    own_hours = None
    if current_user.has_role("provider") and current_tenant.providers_manage_own_hours:
        own_hours = db.session.scalar(select(Provider.id).where(Provider.user_id == current_user.id, Provider.active))
    return render("dashboard/calendar/agenda.html", place=place, today=today, front=True, steps=steps,
                  own_hours=own_hours, closures=closed_on(db.session, today), **listing)
