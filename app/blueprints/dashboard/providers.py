"""The practice's providers: list, create, edit, deactivate and reactivate."""
from flask import flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import Length

from app.blueprints.auth.guards import roles_required
from app.blueprints.dashboard import bp
from app.core.database import db
from app.core.errors import DomainError
from app.modules.accounts.models import User
from app.modules.catalogue import providers as catalogue_providers
from app.modules.catalogue.models import Provider
from app.web.forms import show_error
from app.web.loading import get_or_404
from app.web.rendering import render, see_other
from app.web.sites import current_tenant


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ProviderForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=200)])
    bio = TextAreaField("Bio", validators=[Length(max=5000)])
    locations = CheckboxesField("Locations", coerce=int)
    services = CheckboxesField("Services", coerce=int)
    user = SelectField("User account", coerce=int)


class ActionForm(FlaskForm):
    pass


def provider_form(provider: Provider | None) -> ProviderForm:
    if provider is not None and request.method == "GET":
        form = ProviderForm(obj=None, name=provider.name, bio=provider.bio,
                            locations=[loc.id for loc in provider.locations],
                            services=[s.id for s in provider.services], user=provider.user_id or 0)
    else:
        form = ProviderForm()
    locations, services = catalogue_providers.choices(db.session)
    form.locations.choices = [(loc.id, loc.name) for loc in locations]
    form.services.choices = [(s.id, s.name) for s in services]
    users = db.session.scalars(select(User).order_by(User.name)).all()
    form.user.choices = [(0, "No account")] + [(u.id, f"{u.name} ({u.email})") for u in users]
    return form


@bp.get("/setup/providers")
@roles_required("owner", "admin")
def providers():
    rows = db.session.scalars(select(Provider).order_by(Provider.active.desc(), Provider.name)).all()
    return render("dashboard/providers/list.html", providers=rows, action_form=ActionForm())


@bp.route("/setup/providers/new", methods=["GET", "POST"])
@roles_required("owner", "admin")
def new_provider():
    return _edit(None)


@bp.route("/setup/providers/<int:provider_id>/edit", methods=["GET", "POST"])
@roles_required("owner", "admin")
def edit_provider(provider_id: int):
    return _edit(get_or_404(Provider, provider_id))


def _edit(provider):
    form = provider_form(provider)
    if form.validate_on_submit():
        try:
            saved = catalogue_providers.save_provider(
                db.session, current_tenant, provider, name=form.name.data, bio=form.bio.data,
                location_ids=form.locations.data or [], service_ids=form.services.data or [],
                user_id=form.user.data or None, actor=current_user,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"{saved.name} saved.", "success")
            return see_other(url_for("dashboard.providers"))
    status = 422 if request.method == "POST" else 200
    return render("dashboard/providers/edit.html", "provider_form", status=status, form=form, provider=provider)


@bp.post("/setup/providers/<int:provider_id>/deactivate")
@roles_required("owner", "admin")
def deactivate_provider(provider_id: int):
    return _set_active(provider_id, False)


@bp.post("/setup/providers/<int:provider_id>/reactivate")
@roles_required("owner", "admin")
def reactivate_provider(provider_id: int):
    return _set_active(provider_id, True)


def _set_active(provider_id: int, active: bool):
    provider = get_or_404(Provider, provider_id)
    if ActionForm().validate_on_submit():
        try:
            catalogue_providers.set_active(db.session, provider, active, actor=current_user)
        except DomainError as error:  # the plan's limit: nothing changed
            flash(str(error), "error")
        else:
            flash(f"{provider.name} {'reactivated' if active else 'deactivated'}.", "success")
    return see_other(url_for("dashboard.providers"))
