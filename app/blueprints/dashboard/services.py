"""The practice's services and their categories: list, create, edit, order, deactivate and reactivate;
a service's own booking rules, and who offers it at which length and price."""
from flask import flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.blueprints.auth.guards import roles_required
from app.blueprints.dashboard import bp
from app.core.database import db
from app.core.errors import DomainError
from app.modules.catalogue import services as catalogue
from app.modules.catalogue.models import Service, ServiceCategory
from app.modules.catalogue.money import amount_text
from app.modules.resources import setup as resource_setup
from app.web.forms import show_error
from app.web.loading import get_or_404
from app.web.rendering import render, see_other
from app.web.sites import current_tenant


class CategoryForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=200)])


class MoveForm(FlaskForm):
    direction = SelectField(choices=[("up", "Up"), ("down", "Down")])


class ServiceForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=200)])
    description = TextAreaField("Description", validators=[Length(max=5000)])
    category_id = SelectField("Category", coerce=int)
    duration_minutes = IntegerField("Length (minutes)", validators=[Optional()])
    buffer_before_minutes = IntegerField("Buffer before (minutes)", default=0, validators=[Optional()],
                                         description="Time kept free before each appointment, e.g. to prepare the room.")
    buffer_after_minutes = IntegerField("Buffer after (minutes)", default=0, validators=[Optional()])
    price = StringField("Price", default="0", validators=[Length(max=20)])
    capacity = IntegerField("Places", default=1, validators=[Optional()],
                            description="More than 1 makes it a group session with that many seats.")
    requires_approval = BooleanField("Bookings wait for the practice's approval")
    resource_kind = SelectField("Needs a resource", validate_choice=False,
                                description="Each appointment then uses one free resource of this kind at its location.")

    def fields(self) -> catalogue.ServiceFields:
        return catalogue.ServiceFields(
            name=self.name.data, description=self.description.data, category_id=self.category_id.data or None,
            duration_minutes=self.duration_minutes.data, buffer_before_minutes=self.buffer_before_minutes.data,
            buffer_after_minutes=self.buffer_after_minutes.data, price=self.price.data, capacity=self.capacity.data,
            requires_approval=self.requires_approval.data, resource_kind=self.resource_kind.data or "",
        )


class PolicyForm(FlaskForm):
    rules = RadioField("Booking rules", default="practice",
                       choices=[("practice", "Use the practice defaults"), ("own", "Own rules for this service")])
    min_notice_minutes = IntegerField("Minimum notice (minutes)", validators=[Optional()],
                                      description="How long before its start a time can still be booked online.")
    max_horizon_days = IntegerField("Bookable up to (days ahead)", validators=[Optional()])
    slot_interval_minutes = IntegerField("Start times every (minutes)", validators=[Optional()])
    cancel_cutoff_minutes = IntegerField("Cancel online until (minutes before)", validators=[Optional()],
                                         description="1440 is a day.")
    reschedule_cutoff_minutes = IntegerField("Reschedule online until (minutes before)", validators=[Optional()])


def offering_form(providers, existing: dict, currency: str, *, posted: bool) -> FlaskForm:
    """A form with, for each active provider, ``offers_<id>``, ``duration_<id>`` and ``price_<id>``:
    the posted one, or else filled from the service's ``existing`` links."""

    class OfferingForm(FlaskForm):
        pass

    for provider in providers:
        setattr(OfferingForm, f"offers_{provider.id}", BooleanField(provider.name))
        setattr(OfferingForm, f"duration_{provider.id}",
                IntegerField(f"{provider.name}'s own length (minutes)", validators=[Optional()]))
        setattr(OfferingForm, f"price_{provider.id}",
                StringField(f"{provider.name}'s own price ({currency})", validators=[Length(max=20)]))
    data = {}
    for provider_id, link in existing.items():
        data |= {f"offers_{provider_id}": True, f"duration_{provider_id}": link.duration_minutes,
                 f"price_{provider_id}": "" if link.price is None else amount_text(link.price, currency)}
    return OfferingForm() if posted else OfferingForm(formdata=None, data=data)


# Services


@bp.get("/setup/services")
@roles_required("owner", "admin")
def services():
    return render("dashboard/services/list.html", groups=catalogue.listing(db.session), action_form=FlaskForm())


def service_form(service: Service | None, *, posted: bool) -> ServiceForm:
    """The posted service form, or else one filled from ``service`` (or empty, for a new one)."""
    if posted:
        form = ServiceForm()
    elif service is not None:
        form = ServiceForm(formdata=None, data={
            "name": service.name, "description": service.description, "category_id": service.category_id or 0,
            "duration_minutes": service.duration_minutes, "buffer_before_minutes": service.buffer_before_minutes,
            "buffer_after_minutes": service.buffer_after_minutes, "price": catalogue.price_text(service, current_tenant),
            "capacity": service.capacity, "requires_approval": service.requires_approval,
            "resource_kind": service.resource_kind or "",
        })
    else:
        form = ServiceForm(formdata=None)
    choices = catalogue.category_choices(db.session, service.category_id if service else None)
    form.category_id.choices = [(0, "No category")] + [(c.id, c.name) for c in choices]
    kinds = resource_setup.kinds(db.session)
    if service is not None and service.resource_kind and service.resource_kind not in kinds:
        kinds.append(service.resource_kind)
    form.resource_kind.choices = [("", "No resource")] + [(kind, kind.capitalize()) for kind in kinds]
    form.price.label.text = f"Price ({current_tenant.currency})"
    form.price.description = f"e.g. {amount_text(4550, current_tenant.currency)}; 0 is free."
    return form


@bp.route("/setup/services/new", methods=["GET", "POST"])
@roles_required("owner", "admin")
def new_service():
    form = service_form(None, posted=request.method == "POST")
    if form.validate_on_submit():
        try:
            service = catalogue.save_service(db.session, current_tenant, None, form.fields(), actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"{service.name} added. Now choose who offers it.", "success")
            return see_other(url_for("dashboard.edit_service", service_id=service.id))
    status = 422 if request.method == "POST" else 200
    return render("dashboard/services/form.html", "service_form", status=status, form=form, service=None)


@bp.route("/setup/services/<int:service_id>/edit", methods=["GET", "POST"])
@roles_required("owner", "admin")
def edit_service(service_id: int):
    service = get_or_404(Service, service_id)
    form = service_form(service, posted=request.method == "POST")
    if form.validate_on_submit():
        try:
            catalogue.save_service(db.session, current_tenant, service, form.fields(), actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"{service.name} saved.", "success")
            return see_other(url_for("dashboard.edit_service", service_id=service.id))
    status = 422 if request.method == "POST" else 200
    return _edit_page(service, form=form, status=status)


def _policy_form(override, practice: dict) -> PolicyForm:
    """The service's rules as they are: its own, or the practice's defaults to start from."""
    if override is None:
        return PolicyForm(formdata=None, data={"rules": "practice", **practice})
    return PolicyForm(formdata=None, data={"rules": "own", **{name: getattr(override, name) for name in catalogue.POLICY_FIELDS}})


def _edit_page(service, *, form=None, policy_form=None, providers_form=None, status=200, block="service_form"):
    """The edit page: the form posted (``form``, ``policy_form`` or ``providers_form``) as it came, the
    others as saved."""
    override, practice = catalogue.policies(db.session, service)
    providers = catalogue.offering_choices(db.session)
    if providers_form is None:
        providers_form = offering_form(providers, catalogue.links(db.session, service), current_tenant.currency, posted=False)
    return render(
        "dashboard/services/form.html", block, status=status, service=service,
        form=form or service_form(service, posted=False), policy_form=policy_form or _policy_form(override, practice),
        practice_policy=practice, providers=providers, providers_form=providers_form,
        action_form=FlaskForm(formdata=None),
    )


@bp.post("/setup/services/<int:service_id>/policy")
@roles_required("owner", "admin")
def service_policy(service_id: int):
    service = get_or_404(Service, service_id)
    form = PolicyForm()
    if form.validate_on_submit():
        try:
            catalogue.save_policy(db.session, current_tenant, service, own=form.rules.data == "own", actor=current_user,
                                  **{name: form[name].data for name in catalogue.POLICY_FIELDS})
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Booking rules saved.", "success")
            return see_other(url_for("dashboard.edit_service", service_id=service.id))
    return _edit_page(service, policy_form=form, status=422, block="policy_form")


@bp.post("/setup/services/<int:service_id>/providers")
@roles_required("owner", "admin")
def service_providers(service_id: int):
    service = get_or_404(Service, service_id)
    providers = catalogue.offering_choices(db.session)
    form = offering_form(providers, {}, current_tenant.currency, posted=True)
    if form.validate_on_submit():
        offers = [
            catalogue.Offer(provider.id, form[f"duration_{provider.id}"].data, form[f"price_{provider.id}"].data or "")
            for provider in providers if form[f"offers_{provider.id}"].data
        ]
        try:
            catalogue.save_offering(db.session, current_tenant, service, offers, actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Providers saved.", "success")
            return see_other(url_for("dashboard.edit_service", service_id=service.id))
    return _edit_page(service, providers_form=form, status=422, block="providers_form")


@bp.post("/setup/services/<int:service_id>/deactivate")
@roles_required("owner", "admin")
def deactivate_service(service_id: int):
    return _set_service_active(service_id, False, "{} is deactivated: it can no longer be booked.")


@bp.post("/setup/services/<int:service_id>/reactivate")
@roles_required("owner", "admin")
def reactivate_service(service_id: int):
    return _set_service_active(service_id, True, "{} can be booked again.")


def _set_service_active(service_id: int, active: bool, message: str):
    service = get_or_404(Service, service_id)
    if FlaskForm().validate_on_submit():
        catalogue.set_service_active(db.session, service, active, actor=current_user)
        flash(message.format(service.name), "success")
    return see_other(url_for("dashboard.services"))


# Categories


def _categories_page(*, form=None, status=200):
    return render("dashboard/services/categories.html", "category_form", status=status,
                  categories=catalogue.categories(db.session), form=form or CategoryForm(), action_form=FlaskForm())


@bp.get("/setup/categories")
@roles_required("owner", "admin")
def categories():
    return _categories_page()


@bp.post("/setup/categories/new")
@roles_required("owner", "admin")
def new_category():
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            category = catalogue.create_category(db.session, current_tenant, name=form.name.data, actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"{category.name} added.", "success")
            return see_other(url_for("dashboard.categories"))
    return _categories_page(form=form, status=422)


@bp.route("/setup/categories/<int:category_id>/edit", methods=["GET", "POST"])
@roles_required("owner", "admin")
def edit_category(category_id: int):
    category = get_or_404(ServiceCategory, category_id)
    form = CategoryForm(data={"name": category.name}) if request.method == "GET" else CategoryForm()
    if form.validate_on_submit():
        try:
            catalogue.rename_category(db.session, category, name=form.name.data, actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Category renamed {category.name}.", "success")
            return see_other(url_for("dashboard.categories"))
    status = 422 if request.method == "POST" else 200
    return render("dashboard/services/category.html", "category_form", status=status, category=category, form=form,
                  action_form=FlaskForm())


@bp.post("/setup/categories/<int:category_id>/move")
@roles_required("owner", "admin")
def move_category(category_id: int):
    category = get_or_404(ServiceCategory, category_id)
    form = MoveForm()
    if form.validate_on_submit():
        catalogue.move_category(db.session, category, form.direction.data, actor=current_user)
    return see_other(url_for("dashboard.categories"))


@bp.post("/setup/categories/<int:category_id>/deactivate")
@roles_required("owner", "admin")
def deactivate_category(category_id: int):
    return _set_category_active(category_id, False, "{} is deactivated: new services cannot be put in it.")


@bp.post("/setup/categories/<int:category_id>/reactivate")
@roles_required("owner", "admin")
def reactivate_category(category_id: int):
    return _set_category_active(category_id, True, "{} is active again.")


def _set_category_active(category_id: int, active: bool, message: str):
    category = get_or_404(ServiceCategory, category_id)
    if FlaskForm().validate_on_submit():
        catalogue.set_category_active(db.session, category, active, actor=current_user)
        flash(message.format(category.name), "success")
    return see_other(url_for("dashboard.categories"))
