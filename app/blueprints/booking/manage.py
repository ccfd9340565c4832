"""Managing a booking by its unguessable link: view, cancel, reschedule, add to calendar."""
from flask import abort, current_app, flash, make_response, request, url_for

from app import booking, calendar_files
from app.blueprints.booking import bp, picker
from app.blueprints.booking.calendar_links import google_calendar_link
from app.blueprints.booking.forms import CancelForm, RescheduleForm
from app.blueprints.booking.params import parse_day, parse_instant
from app.extensions import db
from app.models import AppointmentParticipant, utcnow
from app.rendering import render, see_other
from app.sites import current_tenant


def _booking_or_404(token: str) -> AppointmentParticipant:
    return booking.by_manage_token(db.session, token) or abort(404)


def _manage_page(made, *, status=200, cancel_form=None, problem=None):
    return render(
        "booking/manage.html", "step", status=status, tenant=current_tenant, booking=made,
        appointment=made.appointment, changes=booking.change_windows(db.session, made, now=utcnow()),
        cancel_form=cancel_form or CancelForm(),
        google_link=google_calendar_link(made), problem=problem,
    )


@bp.get("/bookings/<token>")
def manage(token: str):
    return _manage_page(_booking_or_404(token))


@bp.post("/bookings/<token>/cancel")
def cancel(token: str):
    made = _booking_or_404(token)
    form = CancelForm()
    if not form.validate():
        return _manage_page(made, status=422, cancel_form=form)
    try:
        booking.cancel(db.session, made, reason=form.reason.data or "", now=utcnow())
    except booking.BookingError as error:
        db.session.rollback()
        return _manage_page(made, status=422, cancel_form=form, problem=str(error))
    db.session.commit()
    flash("Your appointment is cancelled.", "success")
    return see_other(url_for("booking.manage", token=token))


def _reschedule_picker(made, day, now):
    appointment = made.appointment
    service, location = appointment.service, appointment.location
    ignore = appointment.id if service.capacity == 1 else None
    return picker.build(
        db.session, service=service, location=location, locations=[location], providers=[appointment.provider],
        provider_id=appointment.provider_id, day=day, now=now, ignore_appointment_id=ignore,
    )


def _reschedule_page(made, *, day=None, status=200, problem=None, alternatives=()):
    now = utcnow()
    return render(
        "booking/reschedule.html", "step", status=status, tenant=current_tenant, booking=made,
        appointment=made.appointment, changes=booking.change_windows(db.session, made, now=now),
        picker=_reschedule_picker(made, day, now),
        form=RescheduleForm(), problem=problem, alternatives=alternatives,
    )


@bp.get("/bookings/<token>/reschedule")
def reschedule(token: str):
    return _reschedule_page(_booking_or_404(token), day=parse_day(request.args.get("day")))


@bp.post("/bookings/<token>/reschedule")
def reschedule_to(token: str):
    made = _booking_or_404(token)
    form = RescheduleForm()
    wanted = parse_instant(form.start.data) if form.validate() else None
    if wanted is None:
        return _reschedule_page(made, status=422, problem="Please choose one of the times shown.")
    try:
        booking.reschedule(db.session, made, wanted, now=utcnow())
    except booking.BookingError as error:
        db.session.rollback()
        made = _booking_or_404(token)
        day = picker.today_at(made.appointment.location, wanted)
        choosing = _reschedule_picker(made, day, utcnow())
        status = 409 if isinstance(error, booking.SlotTaken) else 422
        return _reschedule_page(
            made, day=day, status=status, problem=str(error), alternatives=picker.nearest(choosing.slots, wanted)
        )
    db.session.commit()
    flash("Your appointment has been moved.", "success")
    return see_other(url_for("booking.manage", token=token))


@bp.get("/bookings/<token>/calendar.ics")
def calendar_file(token: str):
    made = _booking_or_404(token)
    body = calendar_files.invitation(
        made, organizer=current_tenant.name, organizer_email=current_app.config["MAIL_FROM"], manage_url=url_for("booking.manage", token=token, _external=True))
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response
