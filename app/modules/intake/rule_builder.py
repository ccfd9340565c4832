"""A service's rules between its questions: "if <question> is/has <value> then show/hide/require <question>".

``rules.Intake.states`` evaluates them as a customer meets them, repeating until nothing changes. It
assumes what is checked here: no loop among the rules (else it need not settle), values a source can
really have, questions the service asks, and no question that the same answers both hide and require.
"""
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules.audit import record
from app.modules.intake.attachments import attached
from app.modules.intake.builder import CHOICE_TYPES
from app.modules.intake.models import RULE_ACTIONS, ParameterRule
from app.modules.intake.rules import TRUE_VALUES

BOOLEAN_VALUES = ("yes", "no")
# Pairs of actions that cannot both apply to one question: which wins would depend on the rules' order.
CONTRADICTIONS = {frozenset({"hide", "require"}), frozenset({"hide", "show"})}


def service_rules(session: Session, service_id: int) -> list[ParameterRule]:
    return session.scalars(
        sa.select(ParameterRule).where(ParameterRule.service_id == service_id).order_by(ParameterRule.id)
    ).all()


def add_rule(session: Session, service, *, source_id: int | None, value: str, action: str,
             target_id: int | None, actor) -> ParameterRule:
    asked = {sp.parameter_id: sp for sp in attached(session, service.id)}
    if source_id not in asked:
        raise DomainError("Choose a question this service asks.", field="source")
    if target_id not in asked:
        raise DomainError("Choose a question this service asks.", field="target")
    if source_id == target_id:
        raise DomainError("A question cannot decide about itself: choose another.", field="target")
    if action not in RULE_ACTIONS:
        raise DomainError("Choose show, hide or require.", field="action")
    source, target = asked[source_id].parameter, asked[target_id]
    value = _value(source, value)
    existing = service_rules(session, service.id)
    if any((r.source_parameter_id, r.value.lower(), r.action, r.target_parameter_id)
           == (source_id, value.lower(), action, target_id) for r in existing):
        raise DomainError("This service already has this rule.", field="target")
    if action == "hide" and target.required:
        raise DomainError(f"“{target.parameter.label}” is required for this service, so it cannot be hidden: "
                          "make it optional first.", field="action")
    for other in existing:
        if (other.target_parameter_id == target_id and frozenset({other.action, action}) in CONTRADICTIONS
                and _can_hold_together(source, value, other)):
            raise DomainError(f"Another rule would {other.action} “{target.parameter.label}” for the same answers, "
                              f"so it would be both {_done(other.action)} and {_done(action)}.", field="action")
    if _reaches(existing, target_id, source_id):
        raise DomainError(f"“{target.parameter.label}” already decides, through the rules, about "
                          f"“{source.label}”: this rule would make a loop.", field="target")
    rule = ParameterRule(tenant_id=service.tenant_id, service_id=service.id, source_parameter_id=source_id,
                         value=value, action=action, target_parameter_id=target_id)
    session.add(rule)
    session.flush()
    record(session, "intake_rule.create", rule, actor=actor, service_id=service.id, source_id=source_id,
           value=value, rule_action=action, target_id=target_id)
    return rule


def remove_rule(session: Session, rule: ParameterRule, *, actor) -> None:
    record(session, "intake_rule.remove", rule, actor=actor, service_id=rule.service_id,
           source_id=rule.source_parameter_id, value=rule.value, rule_action=rule.action, target_id=rule.target_parameter_id)
    session.delete(rule)
    session.flush()


def _value(source, value: str) -> str:
    """The value a rule on ``source`` waits for, as the source's answers are written."""
    value = (value or "").strip()
    if not value:
        raise DomainError("Give the answer that sets off the rule.", field="value")
    if source.type in CHOICE_TYPES:
        options = {o.value: o for o in source.options}
        by_label = {o.label.lower(): o for o in source.options}
        option = options.get(value) or by_label.get(value.lower())
        if option is None or not option.active:
            choices = ", ".join(o.value for o in source.options if o.active) or "none yet"
            raise DomainError(f"“{value}” is not an option of “{source.label}” (its options: {choices}).", field="value")
        return option.value
    if source.type == "boolean":
        return "yes" if value.lower() in TRUE_VALUES else _no(value, source)
    return value


def _no(value: str, source) -> str:
    if value.lower() in ("n", "no", "false", "off", "0"):
        return "no"
    raise DomainError(f"“{source.label}” is answered yes or no.", field="value")


def _can_hold_together(source, value: str, other: ParameterRule) -> bool:
    """Whether some answers set off both the new rule and ``other``: always, unless they wait for
    different answers to the same single-answer question."""
    if other.source_parameter_id != source.id or source.type == "multiselect":
        return True
    return other.value.lower() == value.lower()


def _reaches(rules: list[ParameterRule], start: int, goal: int) -> bool:
    """Whether the answer to ``start`` decides, directly or through other rules, about ``goal``."""
    decides: dict[int, set[int]] = {}
    for rule in rules:
        decides.setdefault(rule.source_parameter_id, set()).add(rule.target_parameter_id)
    seen, stack = set(), [start]
    while stack:
        current = stack.pop()
        if current == goal:
            return True
        if current not in seen:
            seen.add(current)
            stack.extend(decides.get(current, ()))
    return False


def _done(action: str) -> str:
    return {"show": "shown", "hide": "hidden", "require": "required"}[action]
