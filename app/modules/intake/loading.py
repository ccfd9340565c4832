"""Reading a service's intake questions and rules, and a returning customer's remembered answers."""
import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from app.modules.intake.models import CustomerParameter, ParameterDefinition, ParameterRule, ServiceParameter
from app.modules.intake.rules import Intake, Question, Rule


def load(session: Session, service_id: int) -> Intake:
    """The questions a service asks at booking, in order, with their options (one statement), then its rules."""
    attached = session.scalars(
        sa.select(ServiceParameter)
        .join(ParameterDefinition, ParameterDefinition.id == ServiceParameter.parameter_id)
        .where(ServiceParameter.service_id == service_id, ServiceParameter.visible_in_booking, ParameterDefinition.active)
        .options(joinedload(ServiceParameter.parameter).joinedload(ParameterDefinition.options))
        .order_by(ServiceParameter.position, ServiceParameter.id)
    ).unique().all()
    questions = [
        Question(
            parameter_id=sp.parameter.id, key=sp.parameter.key, label=sp.parameter.label, type=sp.parameter.type,
            help_text=sp.parameter.help_text, scope=sp.parameter.scope, required=sp.required,
            default=sp.default_value, options=tuple((o.value, o.label) for o in sp.parameter.options if o.active),
        )
        for sp in attached
    ]
    keys = {q.parameter_id: q.key for q in questions}
    rules = [
        Rule(keys[r.source_parameter_id], r.value, r.action, keys[r.target_parameter_id])
        for r in session.scalars(sa.select(ParameterRule).where(ParameterRule.service_id == service_id).order_by(ParameterRule.id))
        if r.source_parameter_id in keys and r.target_parameter_id in keys
    ]
    return Intake(questions, rules)


def remembered_answers(session: Session, customer_id: int | None, intake: Intake) -> dict[str, str]:
    """A returning customer's stored customer-scope answers, by question key."""
    if customer_id is None:
        return {}
    keys = {q.parameter_id: q.key for q in intake.questions if q.scope == "customer"}
    if not keys:
        return {}
    rows = session.scalars(
        sa.select(CustomerParameter).where(
            CustomerParameter.customer_id == customer_id, CustomerParameter.parameter_id.in_(list(keys))
        )
    )
    return {keys[row.parameter_id]: row.value for row in rows}
