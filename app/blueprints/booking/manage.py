"""Managing a booking by its unguessable link: view, cancel, reschedule, add to calendar."""
from flask import abort, current_app, flash, make_response, request, url_for

from app.blueprints.booking import bp, picker
from app.blueprints.booking.forms import CancelForm, RescheduleForm
from app.blueprints.booking.params import parse_day, parse_instant
from app.core import clock
from app.core.database import db
from app.modules.appointments import booking, exports
from app.modules.appointments.models import AppointmentParticipant
from app.web.rendering import render, see_other
from app.web.sites import current_tenant


def _booking_or_404(token: str) -> AppointmentParticipant:
    return booking.by_manage_token(db.session, token) or abort(404)


def _manage_page(made, *, status=200, cancel_form=None, problem=None):
    return render(
        "booking/manage/manage.html", "step", status=status, tenant=current_tenant, booking=made,
        appointment=made.appointment, changes=booking.change_windows(db.session, made, now=clock.now()),
        cancel_form=cancel_form or CancelForm(),
        google_link=calendar_link(made), problem=problem,
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
        booking.cancel(db.session, made, reason=form.reason.data or "", now=clock.now())
    except booking.BookingError as error:
        return _manage_page(made, status=422, cancel_form=form, problem=str(error))
    flash("Your appointment is cancelled.", "success")
    return see_other(url_for("booking.manage", token=token))


def _own_time(appointment) -> int | None:
    """The appointment whose time the customer may move within: their own, unless it is a group
    session, which stays where it is for everyone else in it."""
    return appointment.id if appointment.service.capacity == 1 else None


def _reschedule_picker(made, day, now, week=None):
    appointment = made.appointment
    service, location = appointment.service, appointment.location
    return picker.build(
        db.session, service=service, location=location, locations=[location], providers=[appointment.provider],
        provider_id=appointment.provider_id, day=day, week=week, now=now, ignore_appointment_id=_own_time(appointment),
    )


def _reschedule_page(made, *, day=None, week=None, status=200, problem=None, alternatives=()):
    now = clock.now()
    return render(
        "booking/manage/reschedule.html", "step", status=status, tenant=current_tenant, booking=made,
        appointment=made.appointment, changes=booking.change_windows(db.session, made, now=now),
        picker=_reschedule_picker(made, day, now, week),
        form=RescheduleForm(), problem=problem, alternatives=alternatives,
    )


@bp.get("/bookings/<token>/reschedule")
def reschedule(token: str):
    return _reschedule_page(
        _booking_or_404(token), day=parse_day(request.args.get("day")), week=parse_day(request.args.get("week"))
    )


@bp.post("/bookings/<token>/reschedule")
def reschedule_to(token: str):
    made = _booking_or_404(token)
    form = RescheduleForm()
    wanted = parse_instant(form.start.data) if form.validate() else None
    if wanted is None:
        return _reschedule_page(made, status=422, problem="Please choose one of the times shown.")
    try:
        booking.reschedule(db.session, made, wanted, now=clock.now())
    except booking.BookingError as error:  # nothing was changed: the failed move rolled back to its savepoint
        appointment = made.appointment
        day = picker.today_at(appointment.location, wanted)
        nearest = picker.alternatives(
            db.session, service=appointment.service, location=appointment.location, provider_id=appointment.provider_id,
            wanted=wanted, now=clock.now(), ignore_appointment_id=_own_time(appointment),
        )
        status = 409 if isinstance(error, booking.SlotTaken) else 422
        return _reschedule_page(made, day=day, status=status, problem=str(error), alternatives=nearest)
    flash("Your appointment has been moved.", "success")
    return see_other(url_for("booking.manage", token=token))


def calendar_link(made: AppointmentParticipant) -> str:
    """The "add to Google Calendar" link of a booking, pointing back at its manage page."""
    manage_url = url_for("booking.manage", token=made.manage_token, _external=True)
    return exports.google_calendar_link(made, practice=current_tenant.name, manage_url=manage_url)


@bp.get("/bookings/<token>/calendar.ics")
def calendar_file(token: str):
    made = _booking_or_404(token)
    body = exports.invitation(
        made, organizer=current_tenant.name, organizer_email=current_app.config["MAIL_FROM"],
        manage_url=url_for("booking.manage", token=token, _external=True), now=clock.now(),
    )
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response
