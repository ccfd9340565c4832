"""Which questions a service asks at booking, in what order, required or not, with what default."""
import json

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from app.core.errors import DomainError
from app.modules.audit import record
from app.modules.intake.models import ParameterDefinition, ParameterRule, ServiceParameter
from app.modules.intake.rules import Intake, Question


def attached(session: Session, service_id: int) -> list[ServiceParameter]:
    """The service's attached questions in the order asked, each with its definition and options."""
    return session.scalars(
        sa.select(ServiceParameter).where(ServiceParameter.service_id == service_id)
        .options(joinedload(ServiceParameter.parameter).joinedload(ParameterDefinition.options))
        .order_by(ServiceParameter.position, ServiceParameter.id)
    ).unique().all()


def attach_question(session: Session, service, question: ParameterDefinition, *, actor) -> ServiceParameter:
    if not question.active:
        raise DomainError("This question is deactivated: reactivate it before asking it.", field="question")
    current = attached(session, service.id)
    if any(sp.parameter_id == question.id for sp in current):
        raise DomainError("This service already asks this question.", field="question")
    attachment = ServiceParameter(tenant_id=service.tenant_id, service_id=service.id, parameter_id=question.id,
                                  position=max((sp.position for sp in current), default=-1) + 1)
    session.add(attachment)
    session.flush()
    record(session, "intake_service_question.attach", attachment, actor=actor, service_id=service.id,
           question_id=question.id)
    return attachment


def default_for(question: ParameterDefinition, text: str) -> str | None:
    """The stored default of ``question`` typed as ``text`` (None when empty); multiselect values are
    separated by commas. Refused as the booking site would refuse the same answer."""
    text = (text or "").strip()
    if not text:
        return None
    options = tuple((o.value, o.label) for o in question.options if o.active)
    asked = Question(parameter_id=question.id, key=question.key, label=question.label, type=question.type,
                     help_text="", scope=question.scope, required=False, default=None, options=options)
    raw = [part.strip() for part in text.split(",")] if question.type == "multiselect" else text
    answers, errors = Intake([asked], []).clean({question.key: raw})
    if errors:
        choices = ", ".join(value for value, _ in options)
        hint = f" ({choices})" if options else ""
        raise DomainError(f"Not a valid answer to this question: {errors[question.key]}{hint}", field="default_value")
    return answers.get(question.key)


def shown_default(attachment: ServiceParameter) -> str:
    """The default as typed in the form: multiselect lists back as comma-separated values."""
    value = attachment.default_value or ""
    if value and attachment.parameter.type == "multiselect":
        return ", ".join(json.loads(value))
    return value


def update_attachment(session: Session, attachment: ServiceParameter, *, required: bool, default_value: str,
                      visible_in_booking: bool, actor) -> ServiceParameter:
    if required and not attachment.required and _hidden_by_a_rule(session, attachment):
        raise DomainError("A rule hides this question, so it cannot be required: remove the “hide” rule first.",
                          field="required")
    values = dict(required=required, default_value=default_for(attachment.parameter, default_value),
                  visible_in_booking=visible_in_booking)
    changes = sorted(name for name, value in values.items() if getattr(attachment, name) != value)
    before = {name: getattr(attachment, name) for name in changes}
    for name in changes:
        setattr(attachment, name, values[name])
    session.flush()
    record(session, "intake_service_question.update", attachment, actor=actor, service_id=attachment.service_id,
           question_id=attachment.parameter_id, before=before, after={name: values[name] for name in changes})
    return attachment


def _hidden_by_a_rule(session: Session, attachment: ServiceParameter) -> bool:
    return session.scalar(sa.select(sa.exists().where(
        ParameterRule.service_id == attachment.service_id, ParameterRule.target_parameter_id == attachment.parameter_id,
        ParameterRule.action == "hide"))) or False


def detach_question(session: Session, attachment: ServiceParameter, *, actor) -> None:
    """Stop asking a question. Its answers stay: they belong to the question, not to the service."""
    in_rules = session.scalar(sa.select(sa.func.count()).select_from(ParameterRule).where(
        ParameterRule.service_id == attachment.service_id,
        sa.or_(ParameterRule.source_parameter_id == attachment.parameter_id,
               ParameterRule.target_parameter_id == attachment.parameter_id)))
    if in_rules:
        raise DomainError(f"{attachment.parameter.label}: {in_rules} {'rule uses' if in_rules == 1 else 'rules use'} "
                          "this question here. Remove them first.", field="question")
    record(session, "intake_service_question.detach", attachment, actor=actor, service_id=attachment.service_id,
           question_id=attachment.parameter_id)
    session.delete(attachment)
    session.flush()


def move_attachment(session: Session, attachment: ServiceParameter, step: int, *, actor) -> None:
    """Move a question one place earlier (step -1) or later (+1) in the service's form."""
    ordered = attached(session, attachment.service_id)
    i = ordered.index(attachment)
    j = i + step
    if 0 <= j < len(ordered):
        ordered[i], ordered[j] = ordered[j], ordered[i]
        for position, sp in enumerate(ordered):
            sp.position = position
        session.flush()
        record(session, "intake_service_question.move", attachment, actor=actor, service_id=attachment.service_id,
               question_id=attachment.parameter_id, before={"position": i}, after={"position": j})
