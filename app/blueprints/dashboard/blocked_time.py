"""Blocked time from the calendar: a break or time off for a provider, as a page (no JavaScript) or
posted from the calendar with htmx. Every member may block time; a provider only their own."""
from datetime import date

from flask import abort, flash, make_response, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField, TimeField
from wtforms.validators import InputRequired, Length, Optional

from app.blueprints.dashboard import bp
from app.blueprints.dashboard.access import own_calendar_only
from app.core import clock
from app.core.database import db
from app.core.errors import DomainError
from app.modules.catalogue.models import Location, Provider
from app.modules.schedules.blocked import block_time
from app.web.forms import show_error
from app.web.loading import get_or_404
from app.web.rendering import render, see_other, sent_by_htmx
from app.web.sites import current_tenant

CALENDAR_CHANGED = "calendar-changed"


class BlockedTimeForm(FlaskForm):
    provider_id = SelectField("Provider", coerce=int, validate_choice=False,
                              validators=[InputRequired("Choose the provider.")])
    location_id = SelectField("Location", coerce=int, validate_choice=False,
                              validators=[InputRequired("Choose the location.")])
    on_date = DateField("Date", name="date", validators=[InputRequired("Give the date.")])
    starts_time = TimeField("From", name="from", validators=[Optional()], description="Empty: from the start of the day.")
    ends_time = TimeField("To", name="to", validators=[Optional()], description="Empty: to the end of the day.")
    reason = StringField("Reason", validators=[Length(max=200)], description="For example “Lunch” or “Training”.")
    next = StringField(validators=[Optional(), Length(max=500)])


def _providers() -> list[Provider]:
    query = select(Provider).where(Provider.active).order_by(Provider.name, Provider.id)
    own = own_calendar_only()
    if own is not None:
        query = query.where(Provider.user_id == own)
    return list(db.session.scalars(query))


def _form(formdata=None, **data) -> BlockedTimeForm:
    form = BlockedTimeForm(formdata=formdata, **data) if formdata is None else BlockedTimeForm()
    form.provider_id.choices = [(p.id, p.name) for p in _providers()]
    locations = db.session.scalars(select(Location).where(Location.active).order_by(Location.name, Location.id))
    form.location_id.choices = [(loc.id, loc.name) for loc in locations]
    return form


def _back(form) -> str:
    """Where the desk came from (a calendar page), else the agenda."""
    target = form.next.data or ""
    if target.startswith("/dashboard/") and "//" not in target and "\\" not in target:
        return target
    return url_for("dashboard.agenda")


@bp.get("/calendar/blocked-time/new")
def new_blocked_time():
    """The form, filled from the calendar cell it was opened from (provider, location, date)."""
    data = {
        "provider_id": request.args.get("provider_id", type=int), "location_id": request.args.get("location_id", type=int),
        "on_date": _date_arg() or clock.today_in(current_tenant.timezone), "next": request.args.get("next"),
    }
    return render("dashboard/blocked_time/form.html", form=_form(**{k: v for k, v in data.items() if v is not None}))


def _date_arg() -> date | None:
    try:
        return date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return None


@bp.post("/calendar/blocked-time")
def add_blocked_time():
    form = _form(request.form)
    if form.validate_on_submit():
        provider = get_or_404(Provider, form.provider_id.data)
        own = own_calendar_only()
        if own is not None and provider.user_id != own:
            abort(404)
        location = get_or_404(Location, form.location_id.data)
        try:
            block_time(db.session, provider, location, on_date=form.on_date.data, starts_time=form.starts_time.data,
                       ends_time=form.ends_time.data, reason=form.reason.data or "", actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            if sent_by_htmx():
                response = make_response("", 204)
                response.headers["HX-Trigger"] = CALENDAR_CHANGED
                return response
            flash(f"Time blocked for {provider.name}.", "success")
            return see_other(_back(form))
    return render("dashboard/blocked_time/form.html", "blocked_time_form", status=422, form=form)
