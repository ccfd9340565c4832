"""The booking site's waitlist: joining it (a plain form), leaving it by the emailed link, and claiming an offer."""
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import abort, request, url_for

from app.blueprints.booking import bp
from app.blueprints.booking.flow import Offer, _service_or_404
from app.blueprints.booking.forms import ClaimForm, WaitlistForm
from app.core import clock
from app.core.database import db
from app.core.zones import wall_time
from app.modules import intake
from app.modules.customers.contacts import region_for_timezone
from app.modules.customers.directory import Contact
from app.modules.waitlist import claiming, joining, offers
from app.modules.waitlist.joining import describe_times
from app.web.forms import show_error
from app.web.rendering import render, see_other
from app.web.sites import current_tenant
from app.web.transaction import keep_writes_despite_refusal


def _join_form(offer: Offer, **defaults) -> WaitlistForm:
    form = WaitlistForm(**defaults)
    form.phone_region = region_for_timezone(offer.location.timezone)
    return form


def _join_page(offer: Offer, form: WaitlistForm, *, status: int = 200):
    return render("booking/waitlist/join.html", status=status, tenant=current_tenant, offer=offer, form=form)


@bp.get("/services/<int:service_id>/waitlist")
def waitlist_join(service_id: int):
    offer = Offer(_service_or_404(service_id), request.args.get("location"), request.args.get("provider"))
    if offer.location is None:
        abort(404)
    today = clock.now().astimezone(ZoneInfo(offer.location.timezone)).date()
    form = _join_form(offer, location=offer.location.id, provider=offer.provider_param, first_day=today,
                      last_day=today + timedelta(days=13))
    return _join_page(offer, form)


@bp.post("/services/<int:service_id>/waitlist")
def waitlist_join_post(service_id: int):
    offer = Offer(_service_or_404(service_id), request.form.get("location"), request.form.get("provider"))
    if offer.location is None:
        abort(404)
    form = _join_form(offer)
    if form.validate():
        contact = Contact(name=form.name.data.strip(), email=form.email.data, phone=form.phone.data or None)
        try:
            joining.join(
                db.session, service=offer.service, location=offer.location, provider_id=offer.provider_id,
                contact=contact, first_day=form.first_day.data, last_day=form.last_day.data,
                parts=tuple(form.parts.data or ()), from_time=form.from_time.data, until_time=form.until_time.data,
                text_me=form.text_me.data, now=clock.now(),
            )
        except joining.WaitlistError as error:
            show_error(form, error)
        else:
            return see_other(url_for("booking.waitlist_joined", service_id=offer.service.id))
    return _join_page(offer, form, status=422)


@bp.get("/services/<int:service_id>/waitlist/joined")
def waitlist_joined(service_id: int):
    return render("booking/waitlist/joined.html", tenant=current_tenant, service=_service_or_404(service_id))


@bp.get("/waitlist/leave/<token>")
def waitlist_leave(token: str):
    entry = joining.by_leave_token(db.session, token) or abort(404)
    return render("booking/waitlist/leave.html", tenant=current_tenant, entry=entry, form=ClaimForm(),
                  times=describe_times(entry))


@bp.post("/waitlist/leave/<token>")
def waitlist_leave_post(token: str):
    entry = joining.by_leave_token(db.session, token) or abort(404)
    form = ClaimForm()
    if not form.validate():
        return render("booking/waitlist/leave.html", status=422, tenant=current_tenant, entry=entry, form=form,
                      times=describe_times(entry))
    joining.leave(db.session, entry, now=clock.now())
    return see_other(url_for("booking.waitlist_leave", token=token))


def _offer_page(offer, *, form=None, status=200, problem=None, raw=None, errors=None):
    hold, questions = offer.hold, intake.load(db.session, offer.hold.service_id)
    zone = hold.location.timezone
    return render(
        "booking/waitlist/offer.html", status=status, tenant=current_tenant, offer=offer, hold=hold,
        entry=offer.entry, form=form or ClaimForm(), problem=problem,
        when=wall_time(hold.starts_at, zone, "%A %-d %B %Y, %H:%M"), ends=wall_time(hold.ends_at, zone),
        until=wall_time(hold.held_until, zone), questions=questions.questions,
        states=questions.states(raw or {}), raw=raw or {}, errors=errors or {},
    )


def _offer_or_404(token: str):
    return offers.by_token(db.session, token) or abort(404)


@bp.get("/waitlist/offers/<token>")
def waitlist_offer(token: str):
    offer = _offer_or_404(token)
    now = clock.now()
    if offer.status == "open" and offer.hold.status == "held" and offer.hold.held_until <= now:
        # Opened after its time: it passes on now, without waiting for the sweep.
        offers.expire(db.session, offer.hold, now=now)
        return _offer_page(offer, problem=str(claiming.OfferExpired()))
    return _offer_page(offer)


@bp.post("/waitlist/offers/<token>")
def waitlist_claim(token: str):
    offer = _offer_or_404(token)
    form = ClaimForm()
    questions = intake.load(db.session, offer.hold.service_id)
    raw = questions.raw_from_form(request.form)
    answers, errors = questions.clean(raw)
    if not form.validate() or errors:
        return _offer_page(offer, form=form, status=422, raw=raw, errors=errors)
    try:
        made = claiming.claim(db.session, offer, intake=questions, answers=answers, now=clock.now())
    except joining.WaitlistError as error:
        keep_writes_despite_refusal()  # the offer closed or passed on: that is kept
        return _offer_page(offer, status=409, problem=str(error))
    return see_other(url_for("booking.confirmation", token=made.manage_token))
