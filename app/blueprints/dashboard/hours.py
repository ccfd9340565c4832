"""A provider's working hours at one of their locations: the weekly editor, date overrides, time off and
a preview of the online times they give. Owners and admins edit anyone's; a provider their own, when
the practice lets providers manage their own hours."""
from flask import abort, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FieldList, Form, FormField, IntegerField, StringField, TimeField
from wtforms.validators import InputRequired, Length, Optional

from app.blueprints.dashboard import bp
from app.core import clock
from app.core.database import db
from app.core.errors import DomainError
from app.modules.catalogue.models import Location, Provider
from app.modules.schedules import hours as schedules
from app.modules.schedules.models import ScheduleOverride, TimeOff
from app.web.forms import show_error
from app.web.loading import get_or_404
from app.web.rendering import render, see_other
from app.web.sites import current_tenant

MAX_ROWS = 12  # a day's rows, the empty one included: more than anyone works in a day, and a bound on a post
COPY_TO = range(1, 5)  # "Copy Monday to all weekdays": Tuesday to Friday; the weekend keeps its own hours


class IntervalForm(Form):
    starts_at = TimeField("From", validators=[Optional()])
    ends_at = TimeField("To", validators=[Optional()])


# One list of interval rows per weekday, named as the schedules module names them ("monday-0-starts_at").
WeeklyForm = type("WeeklyForm", (FlaskForm,), {
    day: FieldList(FormField(IntervalForm), label=day.title(), min_entries=1, max_entries=MAX_ROWS) for day in schedules.DAYS
})


class OverrideForm(FlaskForm):
    on_date = DateField("Date", validators=[InputRequired("Give the date.")])
    day_off = BooleanField("Day off: no online times that day")
    starts_at = TimeField("From", validators=[Optional()])
    ends_at = TimeField("To", validators=[Optional()])


class TimeOffForm(FlaskForm):
    starts_on = DateField("First day", validators=[InputRequired("Give the first day.")])
    starts_time = TimeField("From", validators=[Optional()], description="Empty: from the start of the day.")
    ends_on = DateField("Last day", validators=[Optional()], description="Empty: the first day.")
    ends_time = TimeField("Until", validators=[Optional()], description="Empty: to the end of the day.")
    reason = StringField("Reason", validators=[Length(max=200)])


class RemoveForm(FlaskForm):
    item_id = IntegerField(validators=[InputRequired()])


# Loading, with who may edit whose hours


def _editable_provider(provider_id: int) -> Provider:
    if current_user.has_role("owner", "admin"):
        return get_or_404(Provider, provider_id)
    if current_user.has_role("provider") and current_tenant.providers_manage_own_hours:
        provider = get_or_404(Provider, provider_id)
        if provider.user_id != current_user.id:
            abort(404)  # another provider's hours: not even whether they exist
        return provider
    abort(403)


def _locations_of(provider: Provider) -> list[Location]:
    return sorted((loc for loc in provider.locations if loc.active), key=lambda loc: loc.name)


def _location(provider: Provider, offered: list[Location]) -> Location | None:
    """The location asked for (404 unless the provider works there), else their first."""
    location_id = request.args.get("location_id", type=int)
    if location_id is None:
        return offered[0] if offered else None
    location = get_or_404(Location, location_id)
    if location not in offered:
        abort(404)
    return location


def _loaded(provider_id: int) -> tuple[Provider, Location]:
    provider = _editable_provider(provider_id)
    location = _location(provider, _locations_of(provider))
    if location is None:
        abort(404)
    return provider, location


def _page_url(provider: Provider, location: Location, **args) -> str:
    return url_for("dashboard.provider_hours", provider_id=provider.id, location_id=location.id, **args)


# The weekly form: rows in, rows out


def _weekly_form(week) -> FlaskForm:
    form = WeeklyForm(formdata=None, **{
        day: [{"starts_at": s, "ends_at": e} for s, e in week.get(weekday, [])[:MAX_ROWS]]
        for weekday, day in enumerate(schedules.DAYS)
    })
    _keep_an_empty_row(form)
    return form


def _rows(form) -> dict:
    return {weekday: [(entry.form.starts_at.data, entry.form.ends_at.data) for entry in getattr(form, day).entries]
            for weekday, day in enumerate(schedules.DAYS)}


def _keep_an_empty_row(form) -> None:
    """Every day ends with an empty row, where another interval is typed."""
    for day in schedules.DAYS:
        rows = getattr(form, day)
        last = rows.entries[-1].form if rows.entries else None
        typed_in = last is None or any(field.data is not None or any(field.raw_data or ()) for field in last)
        if typed_in and len(rows.entries) < MAX_ROWS:
            rows.append_entry()


def _edit_rows(form, action: str) -> None:
    """"add-<weekday>", "remove-<weekday>-<row>" or "copy": the form changed, nothing saved."""
    verb, _, where = action.partition("-")
    if verb == "copy":
        monday = [(e.form.starts_at.data, e.form.ends_at.data) for e in form.monday.entries
                  if e.form.starts_at.data or e.form.ends_at.data]
        for weekday in COPY_TO:
            rows = getattr(form, schedules.DAYS[weekday])
            while rows.entries:
                rows.pop_entry()
            for start, end in monday[:MAX_ROWS]:
                rows.append_entry({"starts_at": start, "ends_at": end})
    elif verb in ("add", "remove"):
        weekday, _, row = where.partition("-")
        if not weekday.isdigit() or int(weekday) > 6:
            abort(400)
        rows = getattr(form, schedules.DAYS[int(weekday)])
        if verb == "add" and len(rows.entries) < MAX_ROWS:
            rows.append_entry()
        elif row.isdigit() and int(row) < len(rows.entries):
            del rows.entries[int(row)]
    else:
        abort(400)
    _keep_an_empty_row(form)


def _blame(form, error: DomainError) -> None:
    """The error at its input, also one inside a weekday's rows ("monday-1-ends_at")."""
    for top in form:
        if isinstance(top, FieldList):
            for entry in top.entries:
                for inner in entry.form:
                    if inner.name == error.field:
                        inner.errors = [*inner.errors, str(error)]
                        return
    show_error(form, error)


# Pages


@bp.route("/setup/providers/<int:provider_id>/hours", methods=["GET", "POST"])
def provider_hours(provider_id: int):
    provider = _editable_provider(provider_id)
    offered = _locations_of(provider)
    location = _location(provider, offered)
    if location is None:
        return render("dashboard/hours/edit.html", provider=provider, location=None, locations=offered)
    if request.method == "GET":
        return _page(provider, location, offered)
    form = WeeklyForm()
    action = request.form.get("action", "save")
    if action != "save":
        _edit_rows(form, action)
        return _page(provider, location, offered, form=form)
    if form.validate_on_submit():
        try:
            schedules.save_weekly_hours(db.session, provider, location, _rows(form),
                                        today=clock.today_in(location.timezone), actor=current_user)
        except DomainError as error:
            _blame(form, error)
        else:
            flash(f"Weekly hours at {location.name} saved.", "success")
            return see_other(_page_url(provider, location))
    return _page(provider, location, offered, form=form, status=422)


def _page(provider, location, offered=None, *, form=None, override_form=None, time_off_form=None, status=200,
          block="hours_form"):
    now = clock.now()
    services = sorted((s for s in provider.services if s.active), key=lambda s: s.name)
    service_id = request.args.get("service_id", type=int)
    service = next((s for s in services if s.id == service_id), services[0] if services else None)
    return render(
        "dashboard/hours/edit.html", block, status=status, provider=provider, location=location,
        locations=offered if offered is not None else _locations_of(provider),
        form=form or _weekly_form(schedules.weekly_hours(db.session, provider, location)),
        override_form=override_form or OverrideForm(formdata=None),
        time_off_form=time_off_form or TimeOffForm(formdata=None),
        overrides=schedules.upcoming_overrides(db.session, provider, location, today=clock.today_in(location.timezone)),
        time_off=schedules.current_time_off(db.session, provider, now=now),
        remove_form=RemoveForm(formdata=None), services=services, service=service,
        preview=schedules.online_times(db.session, provider, location, service, now=now) if service else [],
        copy_to=[schedules.DAYS[d].title() for d in COPY_TO], zone=location.timezone,
    )


@bp.post("/setup/providers/<int:provider_id>/hours/overrides")
def add_hours_override(provider_id: int):
    provider, location = _loaded(provider_id)
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            schedules.add_override(db.session, provider, location, on_date=form.on_date.data, day_off=form.day_off.data,
                                   starts_at=form.starts_at.data, ends_at=form.ends_at.data, actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Day off added." if form.day_off.data else "Hours for that date added.", "success")
            return see_other(_page_url(provider, location))
    return _page(provider, location, override_form=form, status=422, block="override_form")


@bp.post("/setup/providers/<int:provider_id>/hours/overrides/remove")
def remove_hours_override(provider_id: int):
    provider, location = _loaded(provider_id)
    form = RemoveForm()
    if form.validate_on_submit():
        override = get_or_404(ScheduleOverride, form.item_id.data)
        if (override.provider_id, override.location_id) != (provider.id, location.id):
            abort(404)
        schedules.remove_override(db.session, override, actor=current_user)
        flash("Removed.", "success")
    return see_other(_page_url(provider, location))


@bp.post("/setup/providers/<int:provider_id>/time-off")
def add_time_off(provider_id: int):
    provider, location = _loaded(provider_id)
    form = TimeOffForm()
    if form.validate_on_submit():
        try:
            schedules.add_time_off(db.session, provider, zone=location.timezone, starts_on=form.starts_on.data,
                                   starts_time=form.starts_time.data, ends_on=form.ends_on.data,
                                   ends_time=form.ends_time.data, reason=form.reason.data, actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Time off added.", "success")
            return see_other(_page_url(provider, location))
    return _page(provider, location, time_off_form=form, status=422, block="time_off_form")


@bp.post("/setup/providers/<int:provider_id>/time-off/remove")
def remove_time_off(provider_id: int):
    provider, location = _loaded(provider_id)
    form = RemoveForm()
    if form.validate_on_submit():
        time_off = get_or_404(TimeOff, form.item_id.data)
        if time_off.provider_id != provider.id:
            abort(404)
        schedules.remove_time_off(db.session, time_off, actor=current_user)
        flash("Time off removed.", "success")
    return see_other(_page_url(provider, location))
