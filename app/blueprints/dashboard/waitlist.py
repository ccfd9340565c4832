"""The waitlist for the front desk: entries per service and day, with their wishes and status, and a form to
offer one of them a time (POST, audited)."""
from datetime import date

from flask import flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, TimeField
from wtforms.validators import InputRequired

from app.blueprints.auth.guards import roles_required
from app.blueprints.dashboard import bp
from app.core import clock
from app.core.database import db
from app.core.zones import wall_time
from app.modules.catalogue.models import Service
from app.modules.waitlist import desk
from app.modules.waitlist.joining import WaitlistError, describe_times
from app.modules.waitlist.models import ENTRY_STATUSES, WaitlistEntry
from app.web.forms import show_error
from app.web.loading import get_or_404
from app.web.rendering import render, see_other
from app.web.sites import current_tenant

FRONT_DESK = ("owner", "admin", "staff")


class OfferForm(FlaskForm):
    day = DateField("Date", validators=[InputRequired("Give the date.")])
    time = TimeField("Time", validators=[InputRequired("Give the time.")])


def _offer_form(entry_id: int, **kwargs) -> OfferForm:
    # Each row's form has its own prefix: unique ids for its labels, however many rows the page has.
    return OfferForm(prefix=f"entry-{entry_id}", **kwargs)


def _filters() -> dict:
    service_id = request.args.get("service", type=int)
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = None
    status = request.args.get("status", "waiting")
    return {"service_id": service_id, "day": day, "status": status if status in ENTRY_STATUSES else ""}


def _page(*, status=200, forms=None):
    filters = _filters()
    found = desk.entries(db.session, **filters)
    services = list(db.session.scalars(select(Service).where(Service.active).order_by(Service.name, Service.id)))
    latest = desk.latest_offers(db.session, [e.id for e in found])
    default_day = filters["day"] or clock.today_in(current_tenant.timezone)
    forms = forms or {}
    rows = [
        {"entry": e, "times": describe_times(e), "latest": latest.get(e.id),
         "latest_when": wall_time(latest[e.id][1], e.location.timezone, "%-d %b %H:%M") if e.id in latest else None,
         "form": forms.get(e.id) or _offer_form(e.id, formdata=None, day=max(default_day, e.first_day))}
        for e in found
    ]
    return render("dashboard/waitlist/index.html", status=status, rows=rows, services=services, filters=filters,
                  statuses=ENTRY_STATUSES, back=_filter_query())


def _filter_query() -> dict:
    """The page's filters as they were asked for, to come back to them after offering a time."""
    return {name: request.args[name] for name in ("service", "day", "status") if name in request.args}


@bp.get("/waitlist")
@roles_required(*FRONT_DESK)
def waitlist():
    return _page()


@bp.post("/waitlist/<int:entry_id>/offer")
@roles_required(*FRONT_DESK)
def offer_waitlist_time(entry_id: int):
    entry = get_or_404(WaitlistEntry, entry_id)
    form = _offer_form(entry.id)
    if form.validate_on_submit():
        try:
            hold = desk.offer_to(db.session, entry, on=form.day.data, at=form.time.data, actor=current_user,
                                 now=clock.now())
        except WaitlistError as error:
            show_error(form, error)
        else:
            when = wall_time(hold.starts_at, entry.location.timezone, "%A %-d %B at %H:%M")
            flash(f"{entry.customer.name} has been offered {when}.", "success")
            return see_other(url_for("dashboard.waitlist", **_filter_query()))
    return _page(status=422, forms={entry.id: form})
