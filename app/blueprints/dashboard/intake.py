"""The practice's intake questions, their options, and each service's form: which questions it asks,
the rules between them, and a preview of the form exactly as the booking site shows it."""
from flask import abort, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.blueprints.auth.guards import roles_required
from app.blueprints.dashboard import bp
from app.core.database import db
from app.core.errors import DomainError
from app.modules import intake
from app.modules.catalogue.models import Service
from app.modules.intake import attachments, builder, rule_builder
from app.modules.intake.models import (
    PARAMETER_SCOPES,
    PARAMETER_TYPES,
    RULE_ACTIONS,
    ParameterDefinition,
    ParameterOption,
    ParameterRule,
    ServiceParameter,
)
from app.web.forms import show_error
from app.web.loading import get_or_404
from app.web.rendering import render, see_other
from app.web.sites import current_tenant

TYPE_NAMES = {"text": "Short text", "textarea": "Long text", "number": "Number", "select": "One choice",
              "multiselect": "Several choices", "boolean": "Yes or no", "date": "Date"}
SCOPE_NAMES = {"service": "This service's bookings", "appointment": "Each appointment",
               "customer": "The customer (remembered for next time)"}


class QuestionForm(FlaskForm):
    label = StringField("Question", validators=[InputRequired("Please give the question a label."), Length(max=200)])
    key = StringField("Key", validators=[Optional(), Length(max=64)],
                      description="Lower-case letters, digits and underscores; leave empty for one made from the question.")
    type = SelectField("Type", choices=[SelectChoice(t, TYPE_NAMES[t]) for t in PARAMETER_TYPES])
    help_text = TextAreaField("Help text", validators=[Length(max=2000)])
    scope = SelectField("Answer kept for", choices=[SelectChoice(s, SCOPE_NAMES[s]) for s in PARAMETER_SCOPES], default="appointment")


class OptionForm(FlaskForm):
    label = StringField("New option", validators=[InputRequired("Please give the option a label."), Length(max=200)])
    value = StringField("Stored value", validators=[Optional(), Length(max=100)],
                        description="Leave empty for one made from the label. It never changes once saved.")


class RenameOptionForm(FlaskForm):
    label = StringField("Label", validators=[InputRequired("Please give the option a label."), Length(max=200)])


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[InputRequired()])

    @property
    def step(self) -> int:
        return -1 if self.direction.data == "up" else 1


class AttachForm(FlaskForm):
    question = SelectField("Ask another question", coerce=int, validate_choice=False)


class AttachmentForm(FlaskForm):
    required = BooleanField("Required")
    default_value = StringField("Default answer", validators=[Length(max=1000)])
    visible_in_booking = BooleanField("Asked on the booking site")


class RuleForm(FlaskForm):
    source = SelectField("If the answer to", coerce=int, validate_choice=False)
    value = StringField("is (or includes)", validators=[Length(max=200)])
    action = SelectField("then", choices=[SelectChoice(a, a) for a in RULE_ACTIONS])
    target = SelectField("the question", coerce=int, validate_choice=False)


class RemoveRuleForm(FlaskForm):
    rule_id = IntegerField(validators=[InputRequired()])


class ActionForm(FlaskForm):
    pass


# Questions and their options


@bp.get("/setup/questions")
@roles_required("owner", "admin")
def questions():
    rows = db.session.scalars(
        select(ParameterDefinition).order_by(ParameterDefinition.active.desc(), ParameterDefinition.label)
    ).all()
    services = db.session.scalars(select(Service).order_by(Service.active.desc(), Service.name)).all()
    return render("dashboard/intake/questions.html", questions=rows, services=services, toggle=ActionForm(),
                  type_names=TYPE_NAMES)


@bp.route("/setup/questions/new", methods=["GET", "POST"])
@roles_required("owner", "admin")
def new_question():
    # Typing a label, htmx asks again with the form so far, for the key that label suggests.
    form = QuestionForm(formdata=request.args) if request.method == "GET" and request.args else QuestionForm()
    if form.validate_on_submit():
        try:
            question = builder.create_question(db.session, current_tenant, label=form.label.data, type=form.type.data,
                                               key=form.key.data or "", help_text=form.help_text.data or "",
                                               scope=form.scope.data, actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"“{question.label}” added.", "success")
            return see_other(url_for("dashboard.edit_question", question_id=question.id))
    status = 422 if request.method == "POST" else 200
    return render("dashboard/intake/question.html", "question_form", status=status, form=form, question=None,
                  suggested=builder.suggest_key(form.label.data) if (form.label.data or "").strip() else "")


@bp.route("/setup/questions/<int:question_id>", methods=["GET", "POST"])
@roles_required("owner", "admin")
def edit_question(question_id: int):
    question = get_or_404(ParameterDefinition, question_id)
    form = QuestionForm(obj=question)
    if form.validate_on_submit():
        try:
            builder.update_question(db.session, question, label=form.label.data, type=form.type.data,
                                    key=(form.key.data or "").strip() or question.key, help_text=form.help_text.data or "",
                                    scope=form.scope.data, active=question.active, actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Question saved.", "success")
            return see_other(url_for("dashboard.edit_question", question_id=question.id))
    status = 422 if request.method == "POST" else 200
    return _question_page(question, form=form, status=status)


def _question_page(question, *, form=None, option_form=None, renamed=None, problem=None, status=200,
                   block="question_form"):
    # The forms not submitted show what is saved, not the values posted to another one.
    rename_forms = {o.id: RenameOptionForm(prefix=f"option-{o.id}", formdata=None, label=o.label)
                    for o in question.options}
    if renamed is not None:
        rename_forms[renamed[0]] = renamed[1]
    return render("dashboard/intake/question.html", block, status=status, question=question,
                  form=form or QuestionForm(formdata=None, obj=question),
                  option_form=option_form or OptionForm(prefix="new-option", formdata=None),
                  rename_forms=rename_forms, move_form=MoveForm(), toggle=ActionForm(),
                  answered=builder.has_answers(db.session, question), suggested=question.key, problem=problem)


@bp.post("/setup/questions/<int:question_id>/deactivate")
@roles_required("owner", "admin")
def deactivate_question(question_id: int):
    return _set_question_active(question_id, False, "“{}” is deactivated: no longer asked. Its answers are kept.")


@bp.post("/setup/questions/<int:question_id>/reactivate")
@roles_required("owner", "admin")
def reactivate_question(question_id: int):
    return _set_question_active(question_id, True, "“{}” is active again.")


def _set_question_active(question_id: int, active: bool, message: str):
    question = get_or_404(ParameterDefinition, question_id)
    if ActionForm().validate_on_submit():
        builder.set_question_active(db.session, question, active, actor=current_user)
        flash(message.format(question.label), "success")
    return see_other(url_for("dashboard.questions"))


@bp.post("/setup/questions/<int:question_id>/options")
@roles_required("owner", "admin")
def add_question_option(question_id: int):
    question = get_or_404(ParameterDefinition, question_id)
    form = OptionForm(prefix="new-option")
    if form.validate_on_submit():
        try:
            builder.add_option(db.session, question, label=form.label.data, value=form.value.data or "",
                               actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Option added.", "success")
            return see_other(url_for("dashboard.edit_question", question_id=question.id))
    return _question_page(question, option_form=form, status=422, block="options")


def _option_or_404(question_id: int, option_id: int) -> tuple[ParameterDefinition, ParameterOption]:
    question = get_or_404(ParameterDefinition, question_id)
    option = get_or_404(ParameterOption, option_id)
    if option.parameter_id != question.id:
        abort(404)
    return question, option


@bp.post("/setup/questions/<int:question_id>/options/<int:option_id>")
@roles_required("owner", "admin")
def rename_question_option(question_id: int, option_id: int):
    question, option = _option_or_404(question_id, option_id)
    form = RenameOptionForm(prefix=f"option-{option.id}")
    if form.validate_on_submit():
        try:
            builder.rename_option(db.session, option, form.label.data, actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Option renamed.", "success")
            return see_other(url_for("dashboard.edit_question", question_id=question.id))
    return _question_page(question, renamed=(option.id, form), status=422, block="options")


@bp.post("/setup/questions/<int:question_id>/options/<int:option_id>/move")
@roles_required("owner", "admin")
def move_question_option(question_id: int, option_id: int):
    question, option = _option_or_404(question_id, option_id)
    form = MoveForm()
    if form.validate_on_submit():
        builder.move_option(db.session, question, option, form.step, actor=current_user)
    return see_other(url_for("dashboard.edit_question", question_id=question.id))


@bp.post("/setup/questions/<int:question_id>/options/<int:option_id>/deactivate")
@roles_required("owner", "admin")
def deactivate_question_option(question_id: int, option_id: int):
    return _set_option_active(question_id, option_id, False, "“{}” is no longer offered. Answers naming it are kept.")


@bp.post("/setup/questions/<int:question_id>/options/<int:option_id>/reactivate")
@roles_required("owner", "admin")
def reactivate_question_option(question_id: int, option_id: int):
    return _set_option_active(question_id, option_id, True, "“{}” is offered again.")


def _set_option_active(question_id: int, option_id: int, active: bool, message: str):
    question, option = _option_or_404(question_id, option_id)
    if ActionForm().validate_on_submit():
        try:
            builder.set_option_active(db.session, option, active, actor=current_user)
        except DomainError as error:
            return _question_page(question, problem=str(error), status=422, block="options")
        flash(message.format(option.label), "success")
    return see_other(url_for("dashboard.edit_question", question_id=question.id))


# A service's form: its questions, its rules, and the preview


@bp.get("/setup/services/<int:service_id>/questions")
@roles_required("owner", "admin")
def service_questions(service_id: int):
    service = get_or_404(Service, service_id)
    return _service_page(service)


def _service_page(service, *, status=200, block=None, attach_form=None, edited=None, rule_form=None,
                  problem=None, raw=None):
    asked = attachments.attached(db.session, service.id)
    settings = {sp.parameter_id: AttachmentForm(prefix=f"q{sp.parameter_id}", formdata=None, required=sp.required,
                                                default_value=attachments.shown_default(sp),
                                                visible_in_booking=sp.visible_in_booking) for sp in asked}
    if edited is not None:
        settings[edited[0]] = edited[1]
    others = db.session.scalars(
        select(ParameterDefinition).where(ParameterDefinition.active,
                                          ParameterDefinition.id.not_in([sp.parameter_id for sp in asked]))
        .order_by(ParameterDefinition.label)
    ).all()
    attach_form = attach_form or AttachForm(formdata=None)
    attach_form.question.choices = [SelectChoice(q.id, q.label) for q in others]
    rule_form = rule_form or RuleForm(formdata=None)
    rule_form.source.choices = rule_form.target.choices = [SelectChoice(sp.parameter_id, sp.parameter.label) for sp in asked]
    labels = {sp.parameter_id: sp.parameter.label for sp in asked}
    booking_form = intake.load(db.session, service.id)
    raw = booking_form.initial({}) if raw is None else raw
    return render(
        "dashboard/intake/service.html", block, status=status, service=service, asked=asked, settings=settings,
        attach_form=attach_form, rule_form=rule_form, rules=rule_builder.service_rules(db.session, service.id),
        labels=labels, remove_form=RemoveRuleForm(formdata=None), move_form=MoveForm(formdata=None),
        action_form=ActionForm(formdata=None), problem=problem, type_names=TYPE_NAMES,
        **_preview_context(service, booking_form, raw),
    )


def _preview_context(service, booking_form: intake.Intake, raw: dict) -> dict:
    """What the booking site's questions block is given (see booking.flow), for the same form."""
    return {
        "questions": booking_form.questions, "states": booking_form.states(raw), "raw": raw, "errors": {},
        "rule_sources": {rule.source for rule in booking_form.rules},
        "live_url": url_for("dashboard.preview_service_questions", service_id=service.id),
    }


@bp.post("/setup/services/<int:service_id>/questions/preview")
@roles_required("owner", "admin")
def preview_service_questions(service_id: int):
    """The form re-evaluated for the answers given so far, as a customer meets it."""
    service = get_or_404(Service, service_id)
    raw = intake.load(db.session, service.id).raw_from_form(request.form)
    return _service_page(service, block="questions", raw=raw)


@bp.post("/setup/services/<int:service_id>/questions")
@roles_required("owner", "admin")
def attach_service_question(service_id: int):
    service = get_or_404(Service, service_id)
    form = AttachForm()
    if form.validate_on_submit():
        try:
            question = get_or_404(ParameterDefinition, form.question.data or 0)
            attachments.attach_question(db.session, service, question, actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"{service.name} now asks “{question.label}”.", "success")
            return see_other(url_for("dashboard.service_questions", service_id=service.id))
    return _service_page(service, status=422, block="setup", attach_form=form)


def _attachment_or_404(service_id: int, question_id: int) -> tuple[Service, ServiceParameter]:
    service = get_or_404(Service, service_id)
    question = get_or_404(ParameterDefinition, question_id)
    attachment = db.session.scalar(select(ServiceParameter).where(
        ServiceParameter.service_id == service.id, ServiceParameter.parameter_id == question.id))
    if attachment is None:
        abort(404)
    return service, attachment


@bp.post("/setup/services/<int:service_id>/questions/<int:question_id>")
@roles_required("owner", "admin")
def update_service_question(service_id: int, question_id: int):
    service, attachment = _attachment_or_404(service_id, question_id)
    form = AttachmentForm(prefix=f"q{question_id}")
    if form.validate_on_submit():
        try:
            attachments.update_attachment(db.session, attachment, required=form.required.data,
                                          default_value=form.default_value.data or "",
                                          visible_in_booking=form.visible_in_booking.data, actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"“{attachment.parameter.label}” saved.", "success")
            return see_other(url_for("dashboard.service_questions", service_id=service.id))
    return _service_page(service, status=422, block="setup", edited=(question_id, form))


@bp.post("/setup/services/<int:service_id>/questions/<int:question_id>/move")
@roles_required("owner", "admin")
def move_service_question(service_id: int, question_id: int):
    service, attachment = _attachment_or_404(service_id, question_id)
    form = MoveForm()
    if form.validate_on_submit():
        attachments.move_attachment(db.session, attachment, form.step, actor=current_user)
    return see_other(url_for("dashboard.service_questions", service_id=service.id))


@bp.post("/setup/services/<int:service_id>/questions/<int:question_id>/detach")
@roles_required("owner", "admin")
def detach_service_question(service_id: int, question_id: int):
    service, attachment = _attachment_or_404(service_id, question_id)
    if ActionForm().validate_on_submit():
        label = attachment.parameter.label
        try:
            attachments.detach_question(db.session, attachment, actor=current_user)
        except DomainError as error:
            return _service_page(service, status=422, block="setup", problem=str(error))
        flash(f"{service.name} no longer asks “{label}”. Its answers are kept.", "success")
    return see_other(url_for("dashboard.service_questions", service_id=service.id))


@bp.post("/setup/services/<int:service_id>/rules")
@roles_required("owner", "admin")
def add_service_rule(service_id: int):
    service = get_or_404(Service, service_id)
    form = RuleForm()
    if form.validate_on_submit():
        try:
            rule_builder.add_rule(db.session, service, source_id=form.source.data, value=form.value.data or "",
                                  action=form.action.data, target_id=form.target.data, actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Rule added.", "success")
            return see_other(url_for("dashboard.service_questions", service_id=service.id))
    return _service_page(service, status=422, block="setup", rule_form=form)


@bp.post("/setup/services/<int:service_id>/rules/remove")
@roles_required("owner", "admin")
def remove_service_rule(service_id: int):
    service = get_or_404(Service, service_id)
    form = RemoveRuleForm()
    if form.validate_on_submit():
        rule = get_or_404(ParameterRule, form.rule_id.data)
        if rule.service_id != service.id:
            abort(404)
        rule_builder.remove_rule(db.session, rule, actor=current_user)
        flash("Rule removed.", "success")
    return see_other(url_for("dashboard.service_questions", service_id=service.id))
