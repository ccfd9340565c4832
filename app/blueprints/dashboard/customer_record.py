"""A customer's record in the dashboard: contact details and consent, intake answers, history and
messages, staff notes, and booking them again. Providers see only the customers they have seen."""
import sqlalchemy as sa
from flask import abort, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, TelField, TextAreaField
from wtforms.validators import Length

from app.blueprints.booking.params import INSTANT_FORMAT
from app.blueprints.dashboard import bp
from app.blueprints.dashboard.access import own_calendar_only
from app.core import clock
from app.core.database import db
from app.core.errors import DomainError
from app.modules.customers import notes, record
from app.modules.customers.contacts import region_for_timezone
from app.modules.customers.models import Customer
from app.modules.customers.search import seen_by
from app.web.forms import show_error
from app.web.loading import get_or_404
from app.web.rendering import render, see_other
from app.web.sites import current_tenant

TEMPLATE = "dashboard/customers/customer.html"
MESSAGE_KINDS = {
    "booking_confirmed": "Booking confirmed", "booking_pending": "Booking awaiting approval",
    "booking_approved": "Booking approved", "cancelled": "Cancellation", "rescheduled": "New time",
    "reminder": "Reminder", "magic_link": "Sign-in link",
}


class DetailsForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=200)])
    email = EmailField("Email", validators=[Length(max=254)])
    phone = TelField("Phone (optional)", validators=[Length(max=32)],
                     description="In any format: a number without +country code is read as the practice's country's.")


class ConsentForm(FlaskForm):
    email_consent = BooleanField("Email: appointment messages and reminders")
    sms_consent = BooleanField("SMS: appointment reminders by text")


class NoteForm(FlaskForm):
    body = TextAreaField("New note", validators=[Length(max=notes.MAX_LENGTH)],
                         description="Signed with your name and dated. Only the practice's staff see notes; they cannot be edited.")


def _visible(customer_id: int) -> Customer:
    """The practice's customer, if the member may see it (a provider: one they have seen); 404 otherwise."""
    customer = get_or_404(Customer, customer_id)
    own = own_calendar_only()
    if own is not None and not db.session.scalar(sa.select(Customer.id).where(Customer.id == customer.id, seen_by(own))):
        abort(404)
    return customer


def _page(customer: Customer, *, history=None, block=None, status=200, details_form=None, consent_form=None,
          note_form=None, answer_values=None, answer_errors=None):
    own = own_calendar_only()
    history = history or record.history(db.session, customer, now=clock.now(), provider_user_id=own)
    intake = record.customer_questions(db.session)
    if answer_values is None:
        answer_values = intake.initial(record.answers(db.session, customer, intake))
    return render(
        TEMPLATE, block, status=status, customer=customer, history=history, book_again=_book_again(customer, history),
        messages=record.messages(db.session, customer, history.bookings),
        notes=notes.notes_of(db.session, customer), intake=intake, answer_values=answer_values,
        answer_errors=answer_errors or {}, answers_form=FlaskForm(), zone=current_tenant.timezone,
        message_kinds=MESSAGE_KINDS,
        details_form=details_form or DetailsForm(obj=customer, formdata=None),
        consent_form=consent_form or ConsentForm(obj=customer, formdata=None),
        note_form=note_form or NoteForm(formdata=None),
    )


def _book_again(customer: Customer, history) -> str | None:
    """The calendar's create form with the customer picked, for their last booking's provider, location
    and service at its next free time; None when there is none to offer."""
    again = record.book_again(db.session, history, now=clock.now()) if customer.active else None
    if again is None or again.starts_at is None:
        return None
    return url_for("dashboard.new_appointment", provider_id=again.provider_id, location_id=again.location_id,
                   start=again.starts_at.strftime(INSTANT_FORMAT), service_id=again.service_id, customer_id=customer.id)


@bp.get("/customers/<int:customer_id>")
def customer(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    own = own_calendar_only()
    history = record.history(db.session, customer, now=clock.now(), provider_user_id=own)
    if own is not None and not history.bookings:
        abort(404)  # a provider sees only the customers it has seen
    return _page(customer, history=history)


def _saved(customer: Customer, message: str):
    flash(message, "success")
    return see_other(url_for("dashboard.customer", customer_id=customer.id))


@bp.post("/customers/<int:customer_id>/details")
def update_customer_details(customer_id: int):
    customer = _visible(customer_id)
    form = DetailsForm()
    if form.validate_on_submit():
        try:
            record.update_details(db.session, customer, name=form.name.data, email=form.email.data,
                                  phone=form.phone.data, phone_region=region_for_timezone(current_tenant.timezone),
                                  actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            return _saved(customer, "Contact details saved.")
    return _page(customer, details_form=form, block="details_form", status=422)


@bp.post("/customers/<int:customer_id>/consent")
def update_customer_consent(customer_id: int):
    customer = _visible(customer_id)
    form = ConsentForm()
    if not form.validate_on_submit():
        return _page(customer, consent_form=form, block="consent_form", status=422)
    record.update_consent(db.session, customer, email_consent=form.email_consent.data,
                          sms_consent=form.sms_consent.data, actor=current_user)
    return _saved(customer, "Consent saved.")


@bp.post("/customers/<int:customer_id>/answers")
def update_customer_answers(customer_id: int):
    customer = _visible(customer_id)
    form = FlaskForm()
    intake = record.customer_questions(db.session)
    raw = intake.raw_from_form(request.form)
    if form.validate_on_submit():
        try:
            record.save_answers(db.session, customer, intake, raw, actor=current_user)
        except record.AnswerErrors as error:
            return _page(customer, answer_values=raw, answer_errors=error.errors, block="answers_form", status=422)
        return _saved(customer, "Answers saved.")
    return _page(customer, answer_values=raw, block="answers_form", status=422)


@bp.post("/customers/<int:customer_id>/notes")
def add_customer_note(customer_id: int):
    customer = _visible(customer_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            notes.add_note(db.session, customer, form.body.data, actor=current_user, now=clock.now())
        except DomainError as error:
            show_error(form, error)
        else:
            return _saved(customer, "Note added.")
    return _page(customer, note_form=form, block="notes", status=422)
