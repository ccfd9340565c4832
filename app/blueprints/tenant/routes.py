"""The dashboard: today's agenda, appointments and their messages, customers, providers, the team."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app import appointments, tenants
from app.availability import local_day_bounds
from app.blueprints.auth.guards import roles_required
from app.blueprints.loading import get_or_404
from app.blueprints.tenant import bp
from app.blueprints.tenant.forms import CancelAppointmentForm, ReminderSettingsForm
from app.extensions import db
from app.models import Appointment, AppointmentParticipant, Customer, Notification, Provider, User, utcnow
from app.notifications import outbox
from app.rendering import render, see_other
from app.sites import current_tenant


def _own_calendar_only() -> int | None:
    """Providers see only their own calendar; everyone else sees the practice's."""
    return current_user.id if current_user.role == "provider" else None


@bp.get("/")
def agenda():
    zone = ZoneInfo(current_tenant.timezone)
    today = datetime.now(zone).date()
    starts, ends = local_day_bounds(today, today, zone)  # right even where a clock change skips midnight
    items = appointments.day_agenda(starts, ends, provider_user_id=_own_calendar_only())
    return render("tenant/agenda.html", today=today, appointments=items)


def _visible_appointment(appointment_id: int) -> Appointment:
    appointment = get_or_404(Appointment, appointment_id)
    own = _own_calendar_only()
    if own is not None and appointment.provider.user_id != own:
        abort(404)
    return appointment


def _appointment_page(item: Appointment, *, form=None, status: int = 200, block: str | None = None):
    return render(
        "tenant/appointment.html", block, status=status, appointment=item, form=form or CancelAppointmentForm(),
        action_form=FlaskForm(), notifications=outbox.history(db.session, item.id),
    )


@bp.get("/appointments/<int:appointment_id>")
def appointment(appointment_id: int):
    return _appointment_page(_visible_appointment(appointment_id))


def _button_action(item: Appointment, action, done: str):
    """A one-button POST on the appointment page (CSRF is checked app-wide): do it, or say why not."""
    try:
        action()
    except (appointments.AppointmentError, outbox.NotRetryable) as error:
        flash(str(error), "error")
        return _appointment_page(item, status=422)
    db.session.commit()
    flash(done, "success")
    return see_other(url_for("tenant.appointment", appointment_id=item.id))


@bp.post("/appointments/<int:appointment_id>/approve")
def approve_appointment(appointment_id: int):
    item = _visible_appointment(appointment_id)
    return _button_action(
        item, lambda: appointments.approve(item, actor=current_user), "Appointment confirmed; the customer has been told."
    )


@bp.post("/notifications/<int:notification_id>/retry")
def retry_notification(notification_id: int):
    message = get_or_404(Notification, notification_id)
    if message.appointment_id is None:
        abort(404)
    item = _visible_appointment(message.appointment_id)
    return _button_action(item, lambda: outbox.retry(db.session, message, now=utcnow()), "The message will be sent again.")


@bp.post("/appointments/<int:appointment_id>/cancel")
def cancel_appointment(appointment_id: int):
    item = _visible_appointment(appointment_id)
    form = CancelAppointmentForm()
    if form.validate_on_submit():
        try:
            appointments.cancel(item, reason=form.reason.data or "", actor=current_user)
        except appointments.AppointmentError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash("Appointment cancelled.", "success")
            return see_other(url_for("tenant.appointment", appointment_id=item.id))
    return _appointment_page(item, form=form, status=422, block="cancel_form")


@bp.get("/customers/<int:customer_id>")
def customer(customer_id: int):
    record = get_or_404(Customer, customer_id)
    query = (
        select(Appointment)
        .join(AppointmentParticipant, AppointmentParticipant.appointment_id == Appointment.id)
        .where(AppointmentParticipant.customer_id == record.id)
        .order_by(Appointment.starts_at.desc())
    )
    if (own := _own_calendar_only()) is not None:
        # A provider sees only the customers it sees, and only their appointments with it.
        query = query.join(Provider, Provider.id == Appointment.provider_id).where(Provider.user_id == own)
    history = db.session.scalars(query).all()
    if own is not None and not history:
        abort(404)
    return render("tenant/customer.html", customer=record, history=history)


@bp.get("/providers/<int:provider_id>")
def provider(provider_id: int):
    return render("tenant/provider.html", provider=get_or_404(Provider, provider_id))


@bp.get("/team")
@roles_required("owner", "admin")
def team():
    users = db.session.scalars(select(User).order_by(User.role, User.name)).all()
    return render("tenant/team.html", users=users)


@bp.route("/settings/reminders", methods=["GET", "POST"])
@roles_required("owner", "admin")
def reminder_settings():
    form = ReminderSettingsForm(hours=", ".join(f"{m / 60:g}" for m in current_tenant.reminder_offsets))
    if form.validate_on_submit():
        tenants.set_reminder_offsets(current_tenant, form.offsets, actor=current_user)
        db.session.commit()
        flash("Reminder times saved.", "success")
        return see_other(url_for("tenant.reminder_settings"))
    status = 422 if request.method == "POST" else 200
    return render("tenant/reminders.html", "reminders_form", status=status, form=form)
