"""One appointment in the dashboard: its details and messages; approve, cancel, retry a message."""
from flask import abort, flash, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from app.blueprints.dashboard import bp
from app.blueprints.dashboard.access import visible_appointment
from app.blueprints.dashboard.forms import CancelAppointmentForm
from app.core import clock
from app.core.database import db
from app.modules.appointments import lifecycle
from app.modules.appointments.models import Appointment
from app.modules.notifications import outbox
from app.modules.notifications.models import Notification
from app.web.loading import get_or_404
from app.web.rendering import render, see_other


def _appointment_page(item: Appointment, *, form=None, status: int = 200, block: str | None = None):
    return render(
        "dashboard/appointments/appointment.html", block, status=status, appointment=item,
        form=form or CancelAppointmentForm(), action_form=FlaskForm(), notifications=outbox.history(db.session, item.id),
    )


@bp.get("/appointments/<int:appointment_id>")
def appointment(appointment_id: int):
    return _appointment_page(visible_appointment(appointment_id))


def _button_action(item: Appointment, action, done: str):
    """A one-button POST on the appointment page (CSRF is checked app-wide): do it, or say why not."""
    try:
        action()
    except (lifecycle.AppointmentError, outbox.NotRetryable) as error:
        flash(str(error), "error")
        return _appointment_page(item, status=422)
    flash(done, "success")
    return see_other(url_for("dashboard.appointment", appointment_id=item.id))


@bp.post("/appointments/<int:appointment_id>/approve")
def approve_appointment(appointment_id: int):
    item = visible_appointment(appointment_id)
    return _button_action(
        item, lambda: lifecycle.approve(db.session, item, actor=current_user, now=clock.now()),
        "Appointment confirmed; the customer has been told.",
    )


@bp.post("/notifications/<int:notification_id>/retry")
def retry_notification(notification_id: int):
    message = get_or_404(Notification, notification_id)
    if message.appointment_id is None:
        abort(404)
    item = visible_appointment(message.appointment_id)
    return _button_action(item, lambda: outbox.retry(db.session, message, now=clock.now()), "The message will be sent again.")


@bp.post("/appointments/<int:appointment_id>/cancel")
def cancel_appointment(appointment_id: int):
    item = visible_appointment(appointment_id)
    form = CancelAppointmentForm()
    if form.validate_on_submit():
        try:
            lifecycle.cancel(db.session, item, reason=form.reason.data or "", actor=current_user, now=clock.now())
        except lifecycle.AppointmentError as error:
            form.form_errors.append(str(error))
        else:
            flash("Appointment cancelled.", "success")
            return see_other(url_for("dashboard.appointment", appointment_id=item.id))
    return _appointment_page(item, form=form, status=422, block="cancel_form")
