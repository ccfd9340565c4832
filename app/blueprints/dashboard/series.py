"""Recurring appointments in the dashboard: a series' review before it is booked (every occurrence with its
status, each conflict skipped or given another time), booking it, its page and calendar file, and changing or
cancelling an occurrence, the following ones or all of them from the appointment page."""
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length

from app.blueprints.booking.params import parse_instant
from app.blueprints.dashboard import bp
from app.blueprints.dashboard.access import own_calendar_only, visible_appointment
from app.blueprints.dashboard.new_appointment import _calendar_of, _customer, _form
from app.core import clock
from app.core.database import db
from app.core.errors import DomainError
from app.modules.appointments import exports, lifecycle, series_booking, staff_booking
from app.modules.appointments.models import Series
from app.modules.catalogue.models import Provider
from app.modules.tenants import site_url
from app.web.forms import show_error
from app.web.loading import get_or_404
from app.web.rendering import render, see_other
from app.web.sites import current_tenant

REVIEW = "dashboard/series/review.html"
# The appointment page has its own move and cancel forms: these fields' ids and names must differ from theirs.
MOVE_PREFIX, CANCEL_PREFIX = "series_move", "series_cancel"
SCOPE_CHOICES = [("this", "This appointment"), ("following", "This and the following ones"),
                 ("all", "All of the series")]


class MoveSeriesForm(FlaskForm):
    """A new local time (each occurrence keeps its own date) and provider for occurrences of the series."""

    scope = RadioField("Change", choices=SCOPE_CHOICES, default="following", validators=[InputRequired()])
    starts_at = TimeField("New time", validators=[InputRequired("Give the time.")],
                          description="Local time at the location, on each appointment's own date.")
    provider_id = SelectField("With", coerce=int, validate_choice=False,
                              validators=[InputRequired("Choose who the appointments are with.")])
    notify = BooleanField("Tell the customer (an email for each moved appointment)", default=True)
    version = HiddenField()


class CancelSeriesForm(FlaskForm):
    scope = RadioField("Cancel", choices=SCOPE_CHOICES, default="following", validators=[InputRequired()])
    reason = TextAreaField("Reason", validators=[InputRequired("Give the reason for cancelling."), Length(max=500)],
                           description="Told to the customer, for each cancelled appointment.")
    version = HiddenField()


def _plan(form, provider, location, services, starts_at) -> series_booking.Plan:
    """The series the create form describes (its repeat fields checked: a domain error names the field)."""
    service = next(s for s in services if s.id == form.service_id.data)
    zone = ZoneInfo(location.timezone)
    local = starts_at.astimezone(zone)
    rule = series_booking.parse_rule(local.date(), weeks=form.repeat_weeks.data, days=form.repeat_days.data,
                                     count=form.repeat_count.data, until=form.repeat_until.data)
    return series_booking.Plan(service=service, provider=provider, location=location, rule=rule,
                               wall=local.time().replace(second=0, microsecond=0), seats=form.seats.data or 1,
                               note=form.note.data or "", notify=form.notify.data,
                               override_rules=form.override_rules.data)


def _decisions(source) -> dict[str, str]:
    """Each conflict's choice from the review: another time typed in wins over the list's choice."""
    decisions = {}
    for name, value in source.items():
        if name.startswith("choice-") and value:
            decisions.setdefault(name[len("choice-"):], value)
    for name, value in source.items():
        if name.startswith("time-") and value.strip():
            decisions[name[len("time-"):]] = value.strip()
    return {day: value[:10] for day, value in list(decisions.items())[:200]}


def _kept_fields(source) -> list[tuple[str, str]]:
    """The create form's fields as submitted, carried by the review as hidden inputs (its own choices aside)."""
    return [(k, v) for k, v in source.items(multi=True)
            if k not in ("csrf_token",) and not k.startswith(("choice-", "time-"))][:100]


def _review_page(form, provider, location, services, starts_at, *, occurrences=None, plan=None, status=200):
    source = request.form if request.method == "POST" else request.args
    return render(REVIEW, "series_review", status=status, form=form, provider=provider, location=location,
                  starts_at=starts_at, services=services, occurrences=occurrences, plan=plan,
                  kept=_kept_fields(source), decisions=_decisions(source), book_form=FlaskForm())


def _reviewed(source_form_data, *, csrf: bool):
    provider, location = _calendar_of()
    services = staff_booking.offered_services(db.session, provider, location)
    form = _form(provider, location, services, formdata=source_form_data, meta={"csrf": csrf})
    starts_at = parse_instant(form.start.data)
    return provider, location, services, form, starts_at


@bp.get("/series/review")
def series_review():
    """Every occurrence of the series the create form describes, checked; nothing is written."""
    provider, location, services, form, starts_at = _reviewed(request.args, csrf=False)
    if starts_at is None:
        abort(404)
    if not form.validate() or not form.repeat_weeks.data:
        if not form.repeat_weeks.data:
            form.repeat_weeks.errors = [*form.repeat_weeks.errors, "Choose how often it repeats."]
        return _review_page(form, provider, location, services, starts_at, status=422)
    try:
        plan = _plan(form, provider, location, services, starts_at)
        occurrences = series_booking.review(db.session, plan, decisions=_decisions(request.args), now=clock.now())
    except DomainError as error:
        show_error(form, error)
        return _review_page(form, provider, location, services, starts_at, status=422)
    return _review_page(form, provider, location, services, starts_at, occurrences=occurrences, plan=plan)


@bp.post("/series")
def create_series():
    """Book every kept occurrence of the reviewed series in one transaction, or none (409, the review again)."""
    provider, location, services, form, starts_at = _reviewed(request.form, csrf=True)
    if starts_at is None:
        abort(404)
    if not form.validate_on_submit() or not form.repeat_weeks.data:
        return _review_page(form, provider, location, services, starts_at, status=422)
    decisions = _decisions(request.form)
    try:
        plan = _plan(form, provider, location, services, starts_at)
        with db.session.begin_nested():
            customer = _customer(form)
            made = series_booking.book_series(
                db.session, current_tenant, plan, customer=customer, decisions=decisions, actor=current_user,
                now=clock.now(), idempotency_key=form.idempotency_key.data or None,
            )
    except series_booking.SeriesConflicts as error:
        form.form_errors.append(str(error))
        return _review_page(form, provider, location, services, starts_at, occurrences=error.occurrences, plan=plan,
                            status=409)
    except DomainError as error:
        show_error(form, error)
        return _review_page(form, provider, location, services, starts_at, status=422)
    kept = sum(1 for a in series_booking.occurrences(db.session, made))
    flash(f"Booked {kept} appointments for {made.customer.name}." +
          (" One confirmation lists them all." if plan.notify else ""), "success")
    return see_other(url_for("dashboard.series", series_id=made.id))


def _visible_series(series_id: int) -> Series:
    """The series, if the signed-in member may see it (a provider: their own); 404 otherwise."""
    made = get_or_404(Series, series_id)
    own = own_calendar_only()
    if own is not None and made.provider.user_id != own:
        abort(404)
    return made


@bp.get("/series/<int:series_id>")
def series(series_id: int):
    made = _visible_series(series_id)
    return render("dashboard/series/series.html", made=made,
                  appointments=series_booking.occurrences(db.session, made))


@bp.get("/series/<int:series_id>/calendar.ics")
def series_calendar(series_id: int):
    """The series as the customer's emails describe it: one event per occurrence, cancelled ones marked."""
    made = _visible_series(series_id)
    bookings = [p for a in series_booking.occurrences(db.session, made) for p in a.participants]
    body = exports.series_invitation(
        bookings, organizer=current_tenant.name, organizer_email=current_app.config["MAIL_FROM"],
        manage_urls=[site_url(current_tenant, f"/bookings/{b.manage_token}") for b in bookings], now=clock.now(),
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="series-{made.id}.ics"'
    return response


def move_series_form(item, form=None, choices=None) -> MoveSeriesForm:
    """The series' move form, its providers those the appointment's own move form offers (``choices``, when
    the page has them already: no second query)."""
    if form is None:
        local = item.starts_at.astimezone(ZoneInfo(item.location.timezone))
        form = MoveSeriesForm(formdata=None, prefix=MOVE_PREFIX, data={"starts_at": local.time().replace(second=0, microsecond=0),
                                                   "provider_id": item.provider_id, "version": item.version,
                                                   "scope": "following", "notify": True})
    form.provider_id.choices = choices if choices is not None else [
        (p.id, p.name) for p in lifecycle.movable_providers(db.session, item)
        if own_calendar_only() is None or p.user_id == own_calendar_only()]
    return form


def _series_page(item, *, move_form=None, cancel_form=None, conflicts=None, status):
    from app.blueprints.dashboard.appointments import _appointment_page  # it imports this module's forms

    return _appointment_page(item, status=status, series_move_form=move_form, series_cancel_form=cancel_form,
                             series_conflicts=conflicts)


def _version(form) -> int | None:
    return int(form.version.data) if (form.version.data or "").isdigit() else None


@bp.post("/appointments/<int:appointment_id>/series/move")
def move_series(appointment_id: int):
    """Move this occurrence, this and the following ones, or all, each re-checked; none moves when one cannot."""
    item = visible_appointment(appointment_id)
    if item.series_id is None:
        abort(404)
    form = move_series_form(item, MoveSeriesForm(prefix=MOVE_PREFIX))
    if not form.validate_on_submit():
        return _series_page(item, move_form=form, status=422)
    provider = get_or_404(Provider, form.provider_id.data)
    if provider.id not in {value for value, _ in form.provider_id.choices}:
        abort(404)
    try:
        moved = series_booking.move_occurrences(
            db.session, item, scope=form.scope.data, wall=form.starts_at.data.replace(second=0), provider=provider,
            notify=form.notify.data, actor=current_user, now=clock.now(), version=_version(form),
        )
    except series_booking.SeriesConflicts as error:
        db.session.rollback()
        form.form_errors.append(str(error).replace("booked", "moved"))
        return _series_page(item, move_form=form, conflicts=error.occurrences, status=409)
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        return _series_page(item, move_form=form, status=409 if isinstance(error, lifecycle.Conflict) else 422)
    flash(f"Moved {len(moved)} appointment{'s' if len(moved) != 1 else ''} to {form.starts_at.data:%H:%M}.", "success")
    return see_other(url_for("dashboard.appointment", appointment_id=item.id))


@bp.post("/appointments/<int:appointment_id>/series/cancel")
def cancel_series(appointment_id: int):
    """Cancel this occurrence, this and the following ones, or all, with a reason (the earlier ones untouched)."""
    item = visible_appointment(appointment_id)
    if item.series_id is None:
        abort(404)
    form = CancelSeriesForm(prefix=CANCEL_PREFIX)
    if not form.validate_on_submit():
        return _series_page(item, cancel_form=form, status=422)
    try:
        cancelled = series_booking.cancel_occurrences(db.session, item, scope=form.scope.data, reason=form.reason.data,
                                                      actor=current_user, now=clock.now(), version=_version(form))
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        return _series_page(item, cancel_form=form, status=409 if isinstance(error, lifecycle.Conflict) else 422)
    flash(f"Cancelled {len(cancelled)} appointment{'s' if len(cancelled) != 1 else ''}.", "success")
    return see_other(url_for("dashboard.appointment", appointment_id=item.id))


def series_forms(item, choices):
    """The appointment page's series forms, as served (None when it is not an active occurrence of a series)."""
    if item.series_id is None or not item.is_active:
        return None, None
    return move_series_form(item, choices=choices), CancelSeriesForm(formdata=None, prefix=CANCEL_PREFIX, version=item.version,
                                                                  scope="following")

