"""The intake builder's service functions: keys, options that are deactivated not deleted, answers kept safe."""
import pytest
import sqlalchemy as sa

from app.core.database import db
from app.core.errors import DomainError
from app.core.tenancy import tenant_context
from app.modules import intake
from app.modules.audit.models import AuditEvent
from app.modules.intake import builder
from app.modules.intake.models import AppointmentParameter, ParameterOption


def test_suggest_key():
    assert builder.suggest_key("Do you have insurance?") == "do_you_have_insurance"
    assert builder.suggest_key("???") == "question"


def test_create_question_with_options_and_unique_key(clinic):
    with tenant_context(clinic.tenant):
        q = builder.create_question(db.session, clinic.tenant, label="Insurer", type="select", actor=None)
        assert q.key == "insurer"
        a = builder.add_option(db.session, q, label="Bupa", actor=None)
        b = builder.add_option(db.session, q, label="AXA", actor=None)
        builder.move_option(db.session, q, b, -1, actor=None)
        assert [o.label for o in q.options] == ["AXA", "Bupa"]
        builder.set_option_active(db.session, a, False, actor=None)
        assert db.session.get(ParameterOption, a.id).active is False
        with pytest.raises(DomainError) as refused:
            builder.create_question(db.session, clinic.tenant, label="Insurer", type="text", actor=None)
        assert refused.value.field == "key"
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
        assert {"intake_question.create", "intake_option.create", "intake_option.move",
                "intake_option.deactivate"} <= set(actions)


def test_changing_the_type_of_an_answered_question_is_refused(clinic, booked):
    with tenant_context(clinic.tenant):
        answer = db.session.scalars(sa.select(AppointmentParameter)).first()
        assert answer is not None
        from app.modules.intake.models import ParameterDefinition
        q = db.session.get(ParameterDefinition, answer.parameter_id)
        other = next(t for t in ("text", "number") if t != q.type)
        with pytest.raises(DomainError) as refused:
            builder.update_question(db.session, q, label=q.label, type=other, key=q.key, scope=q.scope, actor=None)
        assert refused.value.field == "type"
        builder.update_question(db.session, q, label="Renamed", type=q.type, key=q.key, scope=q.scope, actor=None)
        assert db.session.get(AppointmentParameter, answer.id).value == answer.value


def test_inactive_options_are_not_offered_when_booking(clinic):
    with tenant_context(clinic.tenant):
        loaded = intake.load(db.session, clinic.dental.id)
        choice = next(q for q in loaded.questions if q.type in ("select", "multiselect"))
        # "no": the dental rules wait for "yes", and an option a rule waits for stays offered.
        option = db.session.scalars(sa.select(ParameterOption).where(
            ParameterOption.parameter_id == choice.parameter_id, ParameterOption.value == "no")).one()
        builder.set_option_active(db.session, option, False, actor=None)
        db.session.expire_all()
        again = {q.key: q for q in intake.load(db.session, clinic.dental.id).questions}[choice.key]
        assert option.value not in [v for v, _ in again.options]
        assert db.session.get(ParameterOption, option.id) is not None
