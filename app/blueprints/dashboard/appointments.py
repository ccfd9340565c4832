"""One appointment in the dashboard: its details and messages; its life (approve, decline, check in,
complete, no-show, cancel), moving it, retrying a message."""
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, make_response, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from app.blueprints.dashboard import bp
from app.blueprints.dashboard.access import visible_appointment
from app.blueprints.dashboard.calendar import Shown
from app.blueprints.dashboard.forms import AppointmentActionForm, CancelAppointmentForm, MoveAppointmentForm, version_of
from app.blueprints.dashboard.series import series_forms
from app.core import clock
from app.core.database import db
from app.core.errors import DomainError
from app.modules.appointments import lifecycle
from app.modules.appointments.models import Appointment
from app.modules.catalogue.models import Provider
from app.modules.notifications import outbox
from app.modules.notifications.models import Notification
from app.modules.resources import usage
from app.web.forms import show_error
from app.web.loading import get_or_404
from app.web.rendering import render, render_blocks_response, see_other, sent_by_htmx

CALENDAR_CHANGED = "calendar-changed"


def _move_form(item: Appointment, form=None) -> MoveAppointmentForm:
    if form is None:
        local = item.starts_at.astimezone(ZoneInfo(item.location.timezone))
        form = MoveAppointmentForm(formdata=None, data={
            "starts_on": local.date(), "starts_at": local.time().replace(second=0, microsecond=0),
            "provider_id": item.provider_id, "duration_minutes": int((item.ends_at - item.starts_at).total_seconds() // 60),
            "version": item.version, "notify": True,
        })
    form.provider_id.choices = [(p.id, p.name) for p in lifecycle.movable_providers(db.session, item) if _may_move_to(p)]
    return form


def _appointment_page(item: Appointment, *, form=None, move_form=None, status: int = 200, block: str | None = None,
                      series_move_form=None, series_cancel_form=None, series_conflicts=None):
    move_form = move_form or (_move_form(item) if item.is_active else None)  # a refused move shows why
    served_move, served_cancel = series_forms(item, move_form.provider_id.choices if move_form else [])
    return render(
        "dashboard/appointments/appointment.html", block, status=status, appointment=item,
        form=form or CancelAppointmentForm(formdata=None, version=item.version), action_form=FlaskForm(),
        version_form=AppointmentActionForm(formdata=None, version=item.version),
        actions=lifecycle.allowed_actions(item) if item.is_active else [],
        move_form=move_form,
        notifications=outbox.history(db.session, item.id),
        # Only a service that needs a resource asks which one: the others cost nothing more.
        room=usage.resource_of(db.session, item.id) if item.service.resource_kind else None,
        series_move_form=series_move_form or served_move, series_cancel_form=series_cancel_form or served_cancel,
        series_conflicts=series_conflicts,
    )


@bp.get("/appointments/<int:appointment_id>")
def appointment(appointment_id: int):
    return _appointment_page(visible_appointment(appointment_id))


def _button_action(item: Appointment, action, done: str):
    """A one-button POST on the appointment page (CSRF is checked app-wide): do it, or say why not
    (409 when the appointment's state or version forbids it)."""
    try:
        action()
    except (lifecycle.AppointmentError, outbox.NotRetryable) as error:
        db.session.rollback()  # the page shows the appointment as it is, not as the refused change left it
        flash(str(error), "error")
        return _appointment_page(item, status=409 if isinstance(error, lifecycle.Conflict) else 422)
    flash(done, "success")
    return see_other(url_for("dashboard.appointment", appointment_id=item.id))


def _transition_view(action: str, done: str):
    def view(appointment_id: int):
        item = visible_appointment(appointment_id)
        version = version_of(AppointmentActionForm())
        return _button_action(
            item, lambda: lifecycle.transition(db.session, item, action, actor=current_user, now=clock.now(),
                                               version=version),
            done,
        )

    view.__name__ = f"{action}_appointment"
    return view


for _action, _path, _done in (
    ("approve", "approve", "Appointment confirmed; the customer has been told."),
    ("decline", "decline", "Request declined; the customer has been told."),
    ("check_in", "check-in", "Checked in."),
    ("complete", "complete", "Appointment completed."),
    ("no_show", "no-show", "Marked as a no-show."),
):
    bp.add_url_rule(f"/appointments/<int:appointment_id>/{_path}", f"{_action}_appointment",
                    _transition_view(_action, _done), methods=["POST"])


@bp.post("/notifications/<int:notification_id>/retry")
def retry_notification(notification_id: int):
    message = get_or_404(Notification, notification_id)
    if message.appointment_id is None:
        abort(404)
    item = visible_appointment(message.appointment_id)
    return _button_action(item, lambda: outbox.retry(db.session, message, now=clock.now(), actor=current_user), "The message will be sent again.")


@bp.post("/appointments/<int:appointment_id>/cancel")
def cancel_appointment(appointment_id: int):
    item = visible_appointment(appointment_id)
    form = CancelAppointmentForm()
    status = 422
    if form.validate_on_submit():
        try:
            lifecycle.cancel(db.session, item, reason=form.reason.data or "", actor=current_user, now=clock.now(),
                             version=version_of(form))
        except lifecycle.AppointmentError as error:
            status = 409 if isinstance(error, lifecycle.Conflict) else 422
            db.session.rollback()
            show_error(form, error)
            form.version.data = str(item.version)
        else:
            flash("Appointment cancelled.", "success")
            return see_other(url_for("dashboard.appointment", appointment_id=item.id))
    return _appointment_page(item, form=form, status=status, block="cancel_form")


@bp.post("/appointments/<int:appointment_id>/move")
def move_appointment(appointment_id: int):
    """Move to a local date and time at the appointment's location, with a provider, for a duration."""
    item = visible_appointment(appointment_id)
    form = _move_form(item, MoveAppointmentForm())
    status = 422
    if form.validate_on_submit():
        # A move dragged on the calendar names the view it was made on: read it as it was, to answer with
        # the columns the move changed.
        shown = Shown(request.form["calendar"]) if sent_by_htmx() and request.form.get("calendar") else None
        touched = _columns_of(item)
        try:
            if form.version.data is None:
                raise lifecycle.StaleVersion("This page is out of date: reload the appointment and try again.")
            provider = get_or_404(Provider, form.provider_id.data)
            if not _may_move_to(provider):
                abort(404)
            lifecycle.move(
                db.session, item, provider=provider, duration_minutes=form.duration_minutes.data,
                starts_at=lifecycle.local_start(form.starts_on.data, form.starts_at.data, item.location.timezone),
                version=form.version.data, notify=form.notify.data, actor=current_user, now=clock.now(),
            )
        except DomainError as error:
            status = 409 if isinstance(error, lifecycle.Conflict) else 422
            db.session.rollback()  # the page shows the appointment as it is now
            show_error(form, error)
            if isinstance(error, lifecycle.StaleVersion):
                # The page now shows the appointment as it is: a retry from it is a deliberate one.
                form.version.data, form.version.raw_data = item.version, [str(item.version)]
        else:
            answer = shown.changed(touched | _columns_of(item)) if shown else None
            if answer is not None:
                return render_blocks_response(shown.template, ["moved"], moved=item, **answer)
            if sent_by_htmx():
                response = make_response("", 204)
                response.headers["HX-Trigger"] = CALENDAR_CHANGED
                return response
            flash("Appointment moved." + (" The customer has been told." if form.notify.data else ""), "success")
            return see_other(url_for("dashboard.appointment", appointment_id=item.id))
    response = _appointment_page(item, move_form=form, status=status, block="move_form")
    if status == 409 and sent_by_htmx():
        # A move refused from a stale calendar: the calendar reloads, fresh, beside the answer.
        response.headers["HX-Trigger"] = CALENDAR_CHANGED
    return response


def _columns_of(item: Appointment) -> set[tuple[int, date]]:
    """The calendar columns (provider, local day) an appointment is drawn in: its start's day and, past
    midnight, the days it runs into."""
    zone = ZoneInfo(item.location.timezone)
    day = item.starts_at.astimezone(zone).date()
    last = (item.ends_at - timedelta(microseconds=1)).astimezone(zone).date()
    found = set()
    while day <= last:
        found.add((item.provider_id, day))
        day += timedelta(days=1)
    return found


def _may_move_to(provider: Provider) -> bool:
    """A provider moves appointments within their own calendar only."""
    return current_user.role != "provider" or provider.user_id == current_user.id
