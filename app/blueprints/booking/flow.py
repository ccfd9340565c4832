"""The booking flow: home, the slot picker, the details form with its intake questions, and confirming."""
import secrets
from datetime import date, datetime

from flask import abort, request, url_for

from app.blueprints.booking import bp, picker
from app.blueprints.booking.account import signed_in_customer
from app.blueprints.booking.forms import BookingForm
from app.blueprints.booking.manage import calendar_link
from app.blueprints.booking.params import INSTANT_FORMAT, parse_day, parse_instant
from app.core import clock
from app.core.database import db
from app.modules import intake
from app.modules.appointments import booking
from app.modules.availability.readiness import readiness
from app.modules.catalogue.models import Service
from app.modules.catalogue.offering import active_locations, active_service, offered_by, services_by_category
from app.modules.customers.contacts import region_for_timezone
from app.web.forms import show_error
from app.web.loading import MAX_ID, load_or_404
from app.web.rendering import is_htmx, render, see_other
from app.web.sites import current_tenant


@bp.get("/")
def home():
    if not readiness(db.session, current_tenant).ready:  # still setting up: say so, kindly
        return render("booking/flow/home.html", tenant=current_tenant, open_online=False)
    return render(
        "booking/flow/home.html",
        tenant=current_tenant,
        open_online=True,
        locations=active_locations(db.session),
        categories=services_by_category(db.session),
    )


class Offer:
    """Where and with whom a service can be booked, from the request's location and provider choice."""

    def __init__(self, service: Service, location_param: str | None, provider_param: str | None):
        self.service = service
        self.providers_all = offered_by(service)
        locations = {loc.id: loc for p in self.providers_all for loc in p.locations if loc.active}
        self.locations = sorted(locations.values(), key=lambda loc: loc.name)
        if location_param:
            self.location = locations.get(_int_or_404(location_param)) or abort(404)
        elif self.locations:
            # Start where most of the service's providers work: the likeliest place to find times.
            self.location = max(self.locations, key=lambda loc: sum(loc in p.locations for p in self.providers_all))
        else:
            self.location = None
        self.providers = [p for p in self.providers_all if self.location in p.locations]
        self.provider_id = None
        if provider_param and provider_param != "any":
            self.provider_id = _int_or_404(provider_param)
            if self.provider_id not in {p.id for p in self.providers}:
                abort(404)

    @property
    def provider_param(self) -> str:
        return str(self.provider_id) if self.provider_id else "any"

    def picker(self, day: date | None, now: datetime, *, week: date | None = None) -> picker.Picker:
        return picker.build(
            db.session, service=self.service, location=self.location, locations=self.locations,
            providers=self.providers, provider_id=self.provider_id, day=day, week=week, now=now,
        )

    def choice(self, starts_at: datetime, *, seats: int = 1, ends_at: datetime | None = None,
               price: int | None = None) -> booking.Choice:
        return booking.Choice(self.service, self.location, self.provider_id, starts_at, seats, ends_at, price)


def _int_or_404(value: str) -> int:
    # isdigit() alone lets through digits int() refuses, such as "²".
    if not (value.isascii() and value.isdigit()) or len(value) > 10 or int(value) > MAX_ID:
        abort(404)
    return int(value)


def _service_or_404(service_id: int) -> Service:
    return load_or_404(lambda: active_service(db.session, service_id), service_id)


@bp.get("/services/<int:service_id>")
def service(service_id: int):
    offer = Offer(_service_or_404(service_id), request.args.get("location"), request.args.get("provider"))
    choosing = None
    if offer.location:
        day, week = parse_day(request.args.get("day")), parse_day(request.args.get("week"))
        choosing = offer.picker(day, clock.now(), week=week)
    return render("booking/flow/service.html", "step", tenant=current_tenant, offer=offer, picker=choosing)


def _taken_or_not_offered(offer: Offer, wanted: datetime, error: booking.BookingError):
    """The picker again, for the day that was wanted, with the reason and the nearest free times."""
    now = clock.now()
    wanted_day = picker.today_at(offer.location, wanted)
    choosing = offer.picker(wanted_day, now)
    alternatives = picker.alternatives(
        db.session, service=offer.service, location=offer.location, provider_id=offer.provider_id, wanted=wanted, now=now,
    )
    status = 409 if isinstance(error, booking.SlotTaken) else 422
    response = render(
        "booking/flow/service.html", "step", status=status, tenant=current_tenant, offer=offer, picker=choosing,
        problem=str(error), alternatives=alternatives,
    )
    response.headers["HX-Push-Url"] = url_for("booking.service", service_id=offer.service.id, **choosing.query())
    return response


def _details_form(offer: Offer, **defaults) -> BookingForm:
    form = BookingForm(**defaults)
    form.phone_region = region_for_timezone(offer.location.timezone)
    return form


@bp.get("/services/<int:service_id>/book")
def details(service_id: int):
    offer = Offer(_service_or_404(service_id), request.args.get("location"), request.args.get("provider"))
    if offer.location is None:
        abort(404)
    wanted = parse_instant(request.args.get("start"))
    if wanted is None:
        return _bad_request_back_to_picker(offer)
    calendar_slot = _offered_slot(offer, wanted)
    if isinstance(calendar_slot, booking.BookingError):
        return _taken_or_not_offered(offer, wanted, calendar_slot)
    questions = intake.load(db.session, offer.service.id)
    form = _details_form(
        offer, location=offer.location.id, provider=offer.provider_param, start=calendar_slot.key,
        end=calendar_slot.ends_at.strftime(INSTANT_FORMAT), price=calendar_slot.price,
        idempotency_key=secrets.token_urlsafe(24),
    )
    # A signed-in returning customer starts from the answers kept on their profile.
    customer = signed_in_customer()
    remembered = intake.remembered_answers(db.session, customer.id if customer else None, questions)
    return _render_details(offer, calendar_slot, form, questions, questions.initial(remembered), errors={})


def _offered_slot(offer: Offer, wanted: datetime):
    """The slot at ``wanted``, or the BookingError explaining why there is none."""
    try:
        return booking.offered_slot(db.session, offer.choice(wanted), now=clock.now())
    except booking.BookingError as error:
        return error


def _question_context(service: Service, questions: intake.Intake, raw: dict, errors: dict) -> dict:
    return {
        "questions": questions.questions, "states": questions.states(raw), "raw": raw, "errors": errors,
        "rule_sources": {rule.source for rule in questions.rules},
        "live_url": url_for("booking.questions", service_id=service.id),
    }


def _render_details(offer, slot, form, questions, raw, errors, *, status=200, unasked=()):
    return render(
        "booking/flow/details.html", "step", status=status, tenant=current_tenant, offer=offer, slot=slot, form=form,
        unasked=unasked, **_question_context(offer.service, questions, raw, errors),
    )


def _unasked(questions: intake.Intake, raw: dict) -> list[str]:
    """Questions the submitted answers made relevant that the form did not show, so nobody could
    answer them (without JavaScript they are not shown live): they are asked before booking."""
    if "shown" not in request.form:
        return []
    shown = set(request.form.getlist("shown"))
    return [
        key for key, state in questions.states(raw).items()
        if state.visible and key not in shown and raw.get(key) in ("", [], None)
    ]


@bp.post("/services/<int:service_id>/book/questions")
def questions(service_id: int):
    """Live rule evaluation: the intake questions again, shown and required as the answers so far say."""
    offer = Offer(_service_or_404(service_id), request.form.get("location"), request.form.get("provider"))
    wanted = parse_instant(request.form.get("start"))
    if offer.location is None or wanted is None:
        abort(404)
    questions = intake.load(db.session, offer.service.id)
    raw = questions.raw_from_form(request.form)
    if is_htmx():
        return render(
            "booking/flow/details.html", "questions", tenant=current_tenant, **_question_context(offer.service, questions, raw, {})
        )
    # A plain POST, as from a form without JavaScript: the whole details page, the answers so far kept.
    slot = _offered_slot(offer, wanted)
    if isinstance(slot, booking.BookingError):
        return _taken_or_not_offered(offer, wanted, slot)
    return _render_details(offer, slot, _details_form(offer), questions, raw, errors={})


@bp.post("/services/<int:service_id>/book")
def confirm(service_id: int):
    offer = Offer(_service_or_404(service_id), request.form.get("location"), request.form.get("provider"))
    wanted = parse_instant(request.form.get("start"))
    if offer.location is None or wanted is None:
        return _bad_request_back_to_picker(offer)
    form = _details_form(offer)
    questions = intake.load(db.session, offer.service.id)
    raw = questions.raw_from_form(request.form)
    answers, errors = questions.clean(raw)
    form_ok = form.validate()
    unasked = _unasked(questions, raw)
    choice = offer.choice(
        wanted, seats=form.attendees.data or 1, ends_at=parse_instant(form.end.data), price=_price(form),
    )
    if form_ok and not errors and not unasked:
        signed_in = signed_in_customer()
        contact = booking.Contact(name=form.name.data.strip(), email=form.email.data, phone=form.phone.data or None)
        try:
            made = booking.book(
                db.session, choice, contact=contact, intake=questions, answers=answers,
                idempotency_key=form.idempotency_key.data, now=clock.now(),
                signed_in_customer_id=signed_in and signed_in.id,
            )
        except booking.BookingError as error:
            if (refusal := _refused(offer, wanted, form, error)) is not None:
                return refusal
        else:
            return see_other(url_for("booking.confirmation", token=made.manage_token))
    # Something to correct: the details page again, every problem at its field, the answers kept.
    slot = _offered_slot(offer, wanted)
    if isinstance(slot, booking.BookingError):
        return _taken_or_not_offered(offer, wanted, slot)
    if not form.attendees.errors:
        try:
            booking.check_as_shown(choice, slot)
        except booking.BookingError as error:
            if (refusal := _refused(offer, wanted, form, error)) is not None:
                return refusal
    if form.idempotency_key.errors:  # missing or mangled: a fresh one lets the corrected form go through
        form.idempotency_key.data = secrets.token_urlsafe(24)
    return _render_details(offer, slot, form, questions, raw, errors, status=422, unasked=unasked)


def _refused(offer: Offer, wanted: datetime, form: BookingForm, error: booking.BookingError):
    """A refusal about a field goes on the form, to be corrected there (None); any other is answered
    with the picker again and the nearest free times."""
    if error.field is None:
        return _taken_or_not_offered(offer, wanted, error)
    show_error(form, error)
    return None


def _price(form: BookingForm) -> int | None:
    """The price the customer was shown, once the form has checked it is one (digits only)."""
    return int(form.price.data) if form.price.data and not form.price.errors else None


def _bad_request_back_to_picker(offer: Offer):
    if offer.location is None:
        abort(404)
    return _taken_or_not_offered(offer, clock.now(), booking.SlotNotOffered("Please choose a time."))


@bp.get("/bookings/<token>/confirmation")
def confirmation(token: str):
    made = booking.by_manage_token(db.session, token) or abort(404)
    return render(
        "booking/flow/confirmation.html", tenant=current_tenant, booking=made, appointment=made.appointment,
        google_link=calendar_link(made),
    )
