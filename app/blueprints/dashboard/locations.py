"""The practice's locations and their closures."""
from flask import abort, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.blueprints.auth.guards import roles_required
from app.blueprints.dashboard import bp
from app.core.database import db
from app.core.errors import DomainError
from app.modules.catalogue import locations as catalogue
from app.modules.catalogue.models import Location, LocationClosure
from app.web.fields import TimeZoneField
from app.web.forms import show_error
from app.web.loading import get_or_404
from app.web.rendering import render, see_other
from app.web.sites import current_tenant


class LocationForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired("Give the location a name."), Length(max=200)])
    address = TextAreaField("Address", validators=[Length(max=1000)])
    timezone = TimeZoneField("Time zone")
    zone_search = StringField("Or type a time zone", validators=[Optional(), Length(max=64)],
                              description="Type to search, e.g. “Europe/London”; this wins over the list.")

    @property
    def chosen_zone(self) -> str:
        return (self.zone_search.data or "").strip() or (self.timezone.data or "")


class ClosureForm(FlaskForm):
    starts_on = DateField("First day", validators=[InputRequired("Give the first day closed.")])
    ends_on = DateField("Last day", validators=[Optional()], description="Inclusive; empty = the first day only.")
    reason = StringField("Reason", validators=[Length(max=200)])


class RemoveClosureForm(FlaskForm):
    closure_id = IntegerField(validators=[InputRequired()])


def _blame(form, error: DomainError) -> None:
    """The error at its field; on the location form a bad zone is blamed on the box where zones are typed."""
    if isinstance(form, LocationForm) and error.field == "timezone":
        error = DomainError(str(error), field="zone_search")
    show_error(form, error)


@bp.route("/locations")
@roles_required("owner", "admin")
def locations():
    rows = db.session.scalars(select(Location).order_by(Location.active.desc(), Location.name)).all()
    return render("dashboard/locations/list.html", locations=rows, toggle=FlaskForm())


@bp.route("/locations/new", methods=["GET", "POST"])
@roles_required("owner", "admin")
def new_location():
    form = LocationForm(timezone=current_tenant.timezone)
    if form.validate_on_submit():
        try:
            location = catalogue.create_location(db.session, current_tenant, name=form.name.data,
                                                 address=form.address.data, timezone=form.chosen_zone, actor=current_user)
        except DomainError as error:
            _blame(form, error)
        else:
            flash(f"{location.name} added.", "success")
            return see_other(url_for("dashboard.edit_location", location_id=location.id))
    status = 422 if request.method == "POST" else 200
    return render("dashboard/locations/form.html", "location_form", status=status, form=form, location=None,
                  zones=catalogue.zones_by_region())


@bp.route("/locations/<int:location_id>", methods=["GET", "POST"])
@roles_required("owner", "admin")
def edit_location(location_id: int):
    location = get_or_404(Location, location_id)
    form = LocationForm(obj=location)
    if form.validate_on_submit():
        try:
            catalogue.update_location(db.session, location, name=form.name.data, address=form.address.data,
                                      timezone=form.chosen_zone, actor=current_user)
        except DomainError as error:
            _blame(form, error)
        else:
            flash("Location saved.", "success")
            return see_other(url_for("dashboard.edit_location", location_id=location.id))
    status = 422 if request.method == "POST" else 200
    return _edit_page(location, form=form, status=status)


def _edit_page(location, *, form=None, closure_form=None, status=200, block="location_form"):
    closures = db.session.scalars(
        select(LocationClosure).where(LocationClosure.location_id == location.id).order_by(LocationClosure.starts_on)
    ).all()
    return render("dashboard/locations/form.html", block, status=status, location=location,
                  form=form or LocationForm(obj=location), closure_form=closure_form or ClosureForm(),
                  closures=closures, remove_form=FlaskForm(), toggle=FlaskForm(), zones=catalogue.zones_by_region())


@bp.route("/locations/<int:location_id>/deactivate", methods=["POST"])
@roles_required("owner", "admin")
def deactivate_location(location_id: int):
    return _set_active(location_id, False, "{} is deactivated: no new bookings there.")


@bp.route("/locations/<int:location_id>/reactivate", methods=["POST"])
@roles_required("owner", "admin")
def reactivate_location(location_id: int):
    return _set_active(location_id, True, "{} is active again.")


def _set_active(location_id: int, active: bool, message: str):
    location = get_or_404(Location, location_id)
    if FlaskForm().validate_on_submit():
        try:
            catalogue.set_location_active(db.session, location, active, actor=current_user)
        except DomainError as error:  # the plan's limit: nothing changed
            flash(str(error), "error")
        else:
            flash(message.format(location.name), "success")
    return see_other(url_for("dashboard.locations"))


@bp.route("/locations/<int:location_id>/closures", methods=["POST"])
@roles_required("owner", "admin")
def add_location_closure(location_id: int):
    location = get_or_404(Location, location_id)
    form = ClosureForm()
    if form.validate_on_submit():
        try:
            catalogue.add_closure(db.session, location, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                                  reason=form.reason.data, actor=current_user)
        except DomainError as error:
            _blame(form, error)
        else:
            flash("Closure added.", "success")
            return see_other(url_for("dashboard.edit_location", location_id=location.id))
    return _edit_page(location, closure_form=form, status=422, block="closure_form")


@bp.route("/locations/<int:location_id>/closures/remove", methods=["POST"])
@roles_required("owner", "admin")
def remove_location_closure(location_id: int):
    location = get_or_404(Location, location_id)
    form = RemoveClosureForm()
    if form.validate_on_submit():
        closure = get_or_404(LocationClosure, form.closure_id.data)
        if closure.location_id != location.id:
            abort(404)
        catalogue.remove_closure(db.session, closure, actor=current_user)
        flash("Closure removed.", "success")
    return see_other(url_for("dashboard.edit_location", location_id=location.id))
