"""The practice's resources (rooms, chairs, equipment): listed, added, edited, deactivated."""
from flask import flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Length, Optional

from app.blueprints.auth.guards import roles_required
from app.blueprints.dashboard import bp
from app.core.database import db
from app.core.errors import DomainError
from app.modules.catalogue.models import Location
from app.modules.resources import setup
from app.modules.resources.models import Resource
from app.web.forms import show_error
from app.web.loading import get_or_404
from app.web.rendering import render, see_other
from app.web.sites import current_tenant


class ResourceForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=200)], description="e.g. “Room 2”.")
    kind = StringField("Kind", validators=[Length(max=60)],
                       description="e.g. “treatment room”: a service asks for one resource of a kind.")
    location_id = SelectField("Location", coerce=int, validate_choice=False)
    capacity = IntegerField("Used by at most", default=1, validators=[Optional()],
                            description="How many appointments may use it at once; 1 for a room.")


def _form(resource: Resource | None) -> ResourceForm:
    form = ResourceForm(obj=resource) if request.method == "GET" else ResourceForm()
    locations = db.session.scalars(select(Location).where(Location.active).order_by(Location.name)).all()
    form.location_id.choices = [(location.id, location.name) for location in locations]
    return form


def _chosen_location(form: ResourceForm) -> Location | None:
    # Only an active location of this practice (the scope filters other tenants' ids out).
    return db.session.scalar(select(Location).where(Location.id == (form.location_id.data or 0), Location.active))


@bp.route("/setup/resources")
@roles_required("owner", "admin")
def resources():
    return render("dashboard/resources/list.html", resources=setup.listing(db.session), toggle=FlaskForm())


@bp.route("/setup/resources/new", methods=["GET", "POST"])
@roles_required("owner", "admin")
def new_resource():
    form = _form(None)
    if form.validate_on_submit():
        try:
            resource = setup.create_resource(
                db.session, current_tenant, location=_chosen_location(form), name=form.name.data, kind=form.kind.data,
                capacity=form.capacity.data, actor=current_user,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"{resource.name} added.", "success")
            return see_other(url_for("dashboard.resources"))
    status = 422 if request.method == "POST" else 200
    return render("dashboard/resources/form.html", "resource_form", status=status, form=form, resource=None,
                  kinds=setup.kinds(db.session))


@bp.route("/setup/resources/<int:resource_id>", methods=["GET", "POST"])
@roles_required("owner", "admin")
def edit_resource(resource_id: int):
    resource = get_or_404(Resource, resource_id)
    form = _form(resource)
    if form.validate_on_submit():
        try:
            setup.update_resource(db.session, resource, location=_chosen_location(form), name=form.name.data,
                                  kind=form.kind.data, capacity=form.capacity.data, actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"{resource.name} saved.", "success")
            return see_other(url_for("dashboard.edit_resource", resource_id=resource.id))
    status = 422 if request.method == "POST" else 200
    return render("dashboard/resources/form.html", "resource_form", status=status, form=form, resource=resource,
                  kinds=setup.kinds(db.session), toggle=FlaskForm())


@bp.route("/setup/resources/<int:resource_id>/deactivate", methods=["POST"])
@roles_required("owner", "admin")
def deactivate_resource(resource_id: int):
    return _set_active(resource_id, False, "{} is deactivated: new bookings will not use it.")


@bp.route("/setup/resources/<int:resource_id>/reactivate", methods=["POST"])
@roles_required("owner", "admin")
def reactivate_resource(resource_id: int):
    return _set_active(resource_id, True, "{} is in use again.")


def _set_active(resource_id: int, active: bool, message: str):
    resource = get_or_404(Resource, resource_id)
    if FlaskForm().validate_on_submit():
        setup.set_resource_active(db.session, resource, active, actor=current_user)
        flash(message.format(resource.name), "success")
    return see_other(url_for("dashboard.resources"))
