"""Booking from the calendar as staff: a caller into a slot (a page, or a dialog with htmx), or a walk-in now."""
import secrets
from urllib.parse import urlencode

from flask import abort, flash, make_response, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.blueprints.booking.params import INSTANT_FORMAT, parse_instant
from app.blueprints.dashboard import bp
from app.blueprints.dashboard.access import own_calendar_only
from app.core import clock
from app.core.database import db
from app.core.errors import DomainError
from app.core.tenancy import scoped_get
from app.modules.appointments import staff_booking
from app.modules.appointments.series import MAX_OCCURRENCES, WEEKDAY_NAMES
from app.modules.catalogue.models import Location, Provider
from app.modules.customers.contacts import ContactError, normalise_email, normalise_phone, region_for_timezone
from app.modules.customers.directory import Contact, appointment_history
from app.modules.customers.models import Customer
from app.modules.customers.search import search_customers
from app.web.fields import WholeNumberField
from app.web.forms import show_error
from app.web.loading import MAX_ID, get_or_404, load_or_404
from app.web.rendering import is_htmx, render, see_other, sent_by_htmx
from app.web.sites import current_tenant

TEMPLATE = "dashboard/appointments/new.html"


class NewAppointmentForm(FlaskForm):
    """The appointment and its customer: one found by the search (``customer_id``) or a new one."""

    phone_region: str | None = None

    provider_id = HiddenField()
    location_id = HiddenField()
    start = HiddenField()
    idempotency_key = HiddenField(validators=[Optional(), Length(max=64)])
    service_id = SelectField("Service", coerce=int, validate_choice=False)
    customer_id = WholeNumberField(validators=[Optional()])
    name = StringField("Name", validators=[Length(max=200)])
    email = EmailField("Email", validators=[Length(max=254)])
    phone = TelField("Phone (optional)", validators=[Optional(), Length(max=32)])
    seats = WholeNumberField("Places", default=1, validators=[Optional(), NumberRange(min=1, max=50)])
    note = TextAreaField("Internal note", validators=[Length(max=2000)], description="Only the practice's staff see it.")
    notify = BooleanField("Notify the customer", default=True,
                          description="Email the booking confirmation now, and the reminders before it.")
    override_rules = BooleanField("Book outside the online rules",
                                  description="Outside working hours, inside the minimum notice or beyond the horizon.")
    # The "Repeat" fieldset: with a repeat chosen, "Book" leads to the series' review (dashboard/series.py).
    repeat_weeks = SelectField("Repeat", coerce=int, default=0, choices=[
        (0, "Does not repeat"), (1, "Every week"), (2, "Every 2 weeks"), (3, "Every 3 weeks"), (4, "Every 4 weeks")])
    repeat_days = SelectMultipleField("On", coerce=int, choices=list(enumerate(WEEKDAY_NAMES)),
                                      widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    repeat_count = WholeNumberField("Ending after (times)",
                                    validators=[Optional(), NumberRange(min=2, max=MAX_OCCURRENCES)])
    repeat_until = DateField("Or ending on", validators=[Optional()])

    def validate_service_id(self, field):
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Choose one of this provider's services here.")

    def validate_name(self, field):
        if not self.customer_id.data and not (field.data or "").strip():
            raise ValidationError("Choose a customer from the search, or give the new customer's name.")

    def validate_email(self, field):
        if self.customer_id.data:
            return
        if not (field.data or "").strip():
            raise ValidationError("Give the new customer's email address.")
        try:
            field.data = normalise_email(field.data)
        except ContactError as error:
            raise ValidationError(str(error)) from None

    def validate_phone(self, field):
        if field.data and not self.customer_id.data:
            try:
                field.data = normalise_phone(field.data, self.phone_region)
            except ContactError as error:
                raise ValidationError(str(error)) from None


def _id(value) -> int:
    try:
        return int(value or "")
    except ValueError:
        abort(404)


def _calendar_of():
    """The provider and location the request names (query or form): 404 for another tenant's, or for a
    provider's user asking for someone else's calendar."""
    source = request.form if request.method == "POST" else request.args
    provider = get_or_404(Provider, _id(source.get("provider_id")), active_only=True)
    location = get_or_404(Location, _id(source.get("location_id")), active_only=True)
    own = own_calendar_only()
    if own is not None and provider.user_id != own:
        abort(404)
    return provider, location


def _form(provider, location, services, **data) -> NewAppointmentForm:
    form = NewAppointmentForm(**data)
    form.phone_region = region_for_timezone(location.timezone)
    form.service_id.choices = [(s.id, s.name) for s in services]
    return form


def _page(form, provider, location, starts_at, services, *, status=200, found=None, q="", conflict=None):
    return render(
        TEMPLATE, "new_appointment", status=status, form=form, provider=provider, location=location,
        starts_at=starts_at, services=services, q=q, found=found, conflict=conflict,
        chosen=_chosen_customer(form), as_dialog=is_htmx() and request.method == "GET",
    )


def _chosen_customer(form) -> Customer | None:
    """The customer the form picked, shown again as picked, if it is one the member may pick."""
    customer_id = form.customer_id.data
    return _pickable(customer_id) if customer_id and 0 < customer_id <= MAX_ID else None


def _pickable(customer_id: int) -> Customer | None:
    """The practice's active customer, if the member may pick it (a provider: one they have seen)."""
    customer = scoped_get(db.session, Customer, customer_id)
    if customer is None or not customer.active:
        return None
    own = own_calendar_only()
    if own is not None and not appointment_history(db.session, customer, provider_user_id=own):
        return None
    return customer


@bp.route("/appointments/new", methods=["GET", "POST"])
def new_appointment():
    provider, location = _calendar_of()
    services = staff_booking.offered_services(db.session, provider, location)
    if request.method == "GET":
        starts_at = parse_instant(request.args.get("start"))
        if starts_at is None:
            abort(404)
        q = (request.args.get("q") or "").strip()
        form = _form(provider, location, services, provider_id=provider.id, location_id=location.id,
                     start=starts_at.strftime(INSTANT_FORMAT), idempotency_key=secrets.token_urlsafe(24))
        if request.args.get("service_id", "").isdigit():
            form.service_id.data = int(request.args["service_id"])
        if request.args.get("customer_id", "").isdigit():  # "book again" from the customer's record
            form.customer_id.data = int(request.args["customer_id"])
        found = _search(q, location) if q else None
        return _page(form, provider, location, starts_at, services, found=found, q=q)

    form = _form(provider, location, services)
    starts_at = parse_instant(form.start.data)
    valid = form.validate_on_submit()
    if starts_at is None:
        form.form_errors.append("That time could not be read: choose it again from the calendar.")
    elif valid and form.repeat_weeks.data:
        # A series is checked occurrence by occurrence before anything is booked: its review page, by GET
        # (it writes nothing), with the form as it was filled in.
        kept = [(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token"]
        return see_other(url_for("dashboard.series_review") + "?" + urlencode(kept))
    elif valid:
        return _book(form, provider, location, services, lambda customer, service: staff_booking.book_by_staff(
            db.session, current_tenant, service=service, provider=provider, location=location, starts_at=starts_at,
            customer=customer, seats=form.seats.data or 1, note=form.note.data or "", notify=form.notify.data,
            override_rules=form.override_rules.data, actor=current_user, now=clock.now(),
            idempotency_key=form.idempotency_key.data or None,
        ), starts_at)
    return _page(form, provider, location, starts_at, services, status=422)


@bp.post("/appointments/walk-in")
def walk_in():
    provider, location = _calendar_of()
    services = staff_booking.offered_services(db.session, provider, location)
    form = _form(provider, location, services)
    starts_at = parse_instant(form.start.data)
    if form.validate_on_submit():
        return _book(form, provider, location, services, lambda customer, service: staff_booking.book_walk_in(
            db.session, current_tenant, service=service, provider=provider, location=location, customer=customer,
            seats=form.seats.data or 1, note=form.note.data or "", notify=form.notify.data, actor=current_user,
            now=clock.now(), idempotency_key=form.idempotency_key.data or None,
        ), starts_at)
    return _page(form, provider, location, starts_at, services, status=422)


def _customer(form) -> Customer:
    """The customer picked from the search (a provider may pick only those they have seen), or the new one."""
    if form.customer_id.data:
        return load_or_404(lambda: _pickable(form.customer_id.data), form.customer_id.data)
    contact = Contact(name=form.name.data.strip(), email=form.email.data, phone=form.phone.data or None)
    return staff_booking.customer_for(db.session, current_tenant, contact, actor=current_user)


def _book(form, provider, location, services, book, starts_at):
    service = next(s for s in services if s.id == form.service_id.data)
    customer = _customer(form)
    try:
        with db.session.begin_nested():
            made = book(customer, service)
    except staff_booking.Overlap as error:
        form.form_errors.append(str(error))
        return _page(form, provider, location, starts_at, services, status=409, conflict=error.appointment)
    except staff_booking.NoFreeTime as error:
        form.form_errors.append(str(error))
        return _page(form, provider, location, starts_at, services, status=409)
    except DomainError as error:
        show_error(form, error)
        return _page(form, provider, location, starts_at, services, status=422)
    if sent_by_htmx():
        response = make_response("", 204)
        response.headers["HX-Trigger"] = "calendar-changed"
        return response
    flash(f"Booked {customer.name} for {service.name}.", "success")
    return see_other(url_for("dashboard.appointment", appointment_id=made.appointment_id))


def _search(q: str, location) -> list[Customer]:
    return search_customers(db.session, q, phone_region=region_for_timezone(location.timezone),
                            provider_user_id=own_calendar_only())
