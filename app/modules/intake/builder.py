"""Building a practice's intake questions and their options. Old answers stay safe: questions and
options are deactivated, never deleted, and a change that would break a stored answer is refused."""
import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules.audit import record, snapshot
from app.modules.intake.models import (
    PARAMETER_SCOPES,
    PARAMETER_TYPES,
    AppointmentParameter,
    CustomerParameter,
    ParameterDefinition,
    ParameterOption,
    ParameterRule,
)

CHOICE_TYPES = ("select", "multiselect")


def suggest_key(label: str) -> str:
    """A key from a label: lower case, words joined by underscores, at most 64 characters."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:64] or "question"


def has_answers(session: Session, question: ParameterDefinition) -> bool:
    return any(
        session.scalar(sa.select(sa.exists().where(model.parameter_id == question.id)))
        for model in (AppointmentParameter, CustomerParameter)
    )


def _check(session, tenant_id, key, label, type_, scope, question_id=None):
    if not label.strip():
        raise DomainError("Please give the question a label.", field="label")
    if type_ not in PARAMETER_TYPES:
        raise DomainError("Choose one of the listed types.", field="type")
    if scope not in PARAMETER_SCOPES:
        raise DomainError("Choose one of the listed scopes.", field="scope")
    if not re.fullmatch(r"[a-z0-9_]{1,64}", key):
        raise DomainError("Use lower-case letters, digits and underscores.", field="key")
    clash = session.scalar(sa.select(ParameterDefinition.id).where(
        ParameterDefinition.tenant_id == tenant_id, ParameterDefinition.key == key))
    if clash is not None and clash != question_id:
        raise DomainError("Another question already uses this key.", field="key")


def create_question(session: Session, tenant, *, label: str, type: str, key: str = "", help_text: str = "",
                    scope: str = "appointment", actor) -> ParameterDefinition:
    key = (key or suggest_key(label)).strip()
    _check(session, tenant.id, key, label, type, scope)
    question = ParameterDefinition(tenant_id=tenant.id, key=key, label=label.strip(), type=type,
                                   help_text=help_text.strip(), scope=scope)
    session.add(question)
    session.flush()
    record(session, "intake_question.create", question, actor=actor, key=key, type=type)
    return question


def update_question(session: Session, question: ParameterDefinition, *, label: str, type: str, key: str,
                    help_text: str = "", scope: str, active: bool = True, actor) -> ParameterDefinition:
    """Change a question. Once it has answers, its type and key are fixed: stored answers depend on them."""
    key = key.strip()
    _check(session, question.tenant_id, key, label, type, scope, question.id)
    if (type != question.type or key != question.key) and has_answers(session, question):
        field = "type" if type != question.type else "key"
        raise DomainError(f"This question already has answers, so its {field} cannot change. "
                          "Deactivate it and create a new question instead.", field=field)
    if type != question.type and _rules_waiting_for(session, question):
        raise DomainError("Rules wait for answers to this question, so its type cannot change: "
                          "remove those rules first.", field="type")
    changes = {name: value for name, value in dict(label=label.strip(), type=type, key=key, help_text=help_text.strip(),
                                                     scope=scope, active=active).items()
               if getattr(question, name) != value}
    before = snapshot(question, changes)
    for name, value in changes.items():
        setattr(question, name, value)
    session.flush()
    record(session, "intake_question.update", question, actor=actor, before=before, after=changes)
    return question


def add_option(session: Session, question: ParameterDefinition, *, label: str, value: str = "", actor) -> ParameterOption:
    if question.type not in CHOICE_TYPES:
        raise DomainError("Only select and multiselect questions have options.", field="label")
    if not label.strip():
        raise DomainError("Please give the option a label.", field="label")
    value = (value or suggest_key(label)).strip()[:100]
    if any(o.value == value for o in question.options):
        raise DomainError("This question already has that option.", field="label")
    option = ParameterOption(tenant_id=question.tenant_id, parameter_id=question.id, value=value, label=label.strip(),
                             position=max((o.position for o in question.options), default=-1) + 1)
    session.add(option)
    session.flush()
    session.expire(question, ["options"])
    record(session, "intake_option.create", option, actor=actor, value=value)
    return option


def rename_option(session: Session, option: ParameterOption, label: str, *, actor) -> ParameterOption:
    """Only the label changes: stored answers keep the option's value."""
    if not label.strip():
        raise DomainError("Please give the option a label.", field="label")
    before, option.label = option.label, label.strip()
    session.flush()
    record(session, "intake_option.rename", option, actor=actor, before={"label": before}, after={"label": option.label})
    return option


def set_option_active(session: Session, option: ParameterOption, active: bool, *, actor) -> ParameterOption:
    """Options are never deleted, so an answer naming one keeps its meaning. One that a rule waits
    for stays offered: the rule could never apply again."""
    if not active and _rules_waiting_for(session, option.parameter_id, option.value):
        raise DomainError(f"A rule waits for “{option.label}”, so it stays offered: remove that rule first.",
                          field="label")
    before, option.active = option.active, active
    session.flush()
    record(session, "intake_option.activate" if active else "intake_option.deactivate", option, actor=actor,
           before={"active": before}, after={"active": active})
    return option


def _rules_waiting_for(session: Session, question, value: str | None = None) -> bool:
    """Whether a rule of any service is set off by answers to ``question`` (a question or its id)."""
    question_id = getattr(question, "id", question)
    condition = ParameterRule.source_parameter_id == question_id
    if value is not None:
        condition = condition & (ParameterRule.value == value)
    return session.scalar(sa.select(sa.exists().where(condition))) or False


def move_option(session: Session, question: ParameterDefinition, option: ParameterOption, step: int, *, actor) -> None:
    """Move ``option`` one place up (step -1) or down (+1) among the question's options."""
    ordered = sorted(question.options, key=lambda o: (o.position, o.id))
    i = ordered.index(option)
    j = i + step
    if 0 <= j < len(ordered):
        ordered[i], ordered[j] = ordered[j], ordered[i]
        for position, o in enumerate(ordered):
            o.position = position
        session.flush()
        session.expire(question, ["options"])
        record(session, "intake_option.move", option, actor=actor, before={"position": i}, after={"position": j})


def set_question_active(session: Session, question: ParameterDefinition, active: bool, *, actor) -> ParameterDefinition:
    """Questions are never deleted: a deactivated one is no longer asked, and its stored answers stay."""
    before, question.active = question.active, active
    session.flush()
    record(session, "intake_question.activate" if active else "intake_question.deactivate", question, actor=actor,
           before={"active": before}, after={"active": active})
    return question
