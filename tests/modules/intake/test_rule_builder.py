"""A service's rules between its questions: what the booking site's evaluation could not make sense of is refused."""
import pytest
import sqlalchemy as sa

from app.core.database import db
from app.core.errors import DomainError
from app.core.tenancy import tenant_context
from app.modules import intake
from app.modules.audit.models import AuditEvent
from app.modules.intake import attachments, builder, rule_builder
from app.modules.intake.models import ParameterRule, ServiceParameter


@pytest.fixture
def insurer_form(clinic):
    """The physio session asks: insurer (bupa, axa), policy number, and whether there is a referral."""
    with tenant_context(clinic.tenant):
        insurer = builder.create_question(db.session, clinic.tenant, label="Insurer", type="select", actor=None)
        for label in ("Bupa", "AXA"):
            builder.add_option(db.session, insurer, label=label, actor=None)
        policy = builder.create_question(db.session, clinic.tenant, label="Policy number", type="text", actor=None)
        referral = builder.create_question(db.session, clinic.tenant, label="Referral", type="boolean", actor=None)
        for question in (insurer, policy, referral):
            attachments.attach_question(db.session, clinic.physio, question, actor=None)
        yield {"insurer": insurer, "policy": policy, "referral": referral}


def add(clinic, source, value, action, target):
    return rule_builder.add_rule(db.session, clinic.physio, source_id=source.id, value=value, action=action,
                                 target_id=target.id, actor=None)


def refusal(clinic, *args) -> DomainError:
    before = db.session.scalar(sa.select(sa.func.count()).select_from(ParameterRule))
    with pytest.raises(DomainError) as refused:
        add(clinic, *args)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ParameterRule)) == before
    return refused.value


def test_a_rule_shows_the_policy_number_only_for_bupa(clinic, insurer_form):
    q = insurer_form
    with tenant_context(clinic.tenant):
        rule = add(clinic, q["insurer"], "Bupa", "show", q["policy"])  # the label is accepted, the value stored
        assert rule.value == "bupa"
        form = intake.load(db.session, clinic.physio.id)
        assert form.states({"insurer": "bupa"})["policy_number"].visible
        assert not form.states({"insurer": "axa"})["policy_number"].visible
        (event,) = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "intake_rule.create")).all()
        assert event.entity_id == rule.id and event.details["rule_action"] == "show"
        rule_builder.remove_rule(db.session, rule, actor=None)
        assert rule_builder.service_rules(db.session, clinic.physio.id) == []
        assert db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action == "intake_rule.remove")).all()


def test_a_loop_among_rules_is_refused(clinic, insurer_form):
    q = insurer_form
    with tenant_context(clinic.tenant):
        add(clinic, q["insurer"], "bupa", "show", q["policy"])
        add(clinic, q["policy"], "X1", "show", q["referral"])
        error = refusal(clinic, q["referral"], "yes", "hide", q["insurer"])
        assert error.field == "target" and "loop" in str(error)


def test_a_rule_on_an_option_that_does_not_exist_is_refused(clinic, insurer_form):
    q = insurer_form
    with tenant_context(clinic.tenant):
        error = refusal(clinic, q["insurer"], "vitality", "show", q["policy"])
        assert error.field == "value" and "bupa, axa" in str(error)
        axa = next(o for o in q["insurer"].options if o.value == "axa")
        builder.set_option_active(db.session, axa, False, actor=None)
        assert refusal(clinic, q["insurer"], "axa", "show", q["policy"]).field == "value"
        assert refusal(clinic, q["referral"], "maybe", "show", q["policy"]).field == "value"


def test_a_question_the_service_does_not_ask_is_refused(clinic, insurer_form):
    q = insurer_form
    with tenant_context(clinic.tenant):
        pain = clinic.questions["has_pain"]  # asked by the dental check-up, not the physio session
        assert refusal(clinic, pain, "yes", "show", q["policy"]).field == "source"
        assert refusal(clinic, q["insurer"], "bupa", "show", pain).field == "target"
        assert refusal(clinic, q["insurer"], "bupa", "show", q["insurer"]).field == "target"


def test_a_question_both_hidden_and_required_is_refused(clinic, insurer_form):
    q = insurer_form
    with tenant_context(clinic.tenant):
        add(clinic, q["insurer"], "bupa", "require", q["policy"])
        error = refusal(clinic, q["insurer"], "bupa", "hide", q["policy"])
        assert error.field == "action" and "both required and hidden" in str(error)
        add(clinic, q["insurer"], "axa", "hide", q["policy"])  # never the same answers: allowed
        assert refusal(clinic, q["referral"], "yes", "hide", q["policy"]).field == "action"  # both may hold
        sp = db.session.scalar(sa.select(ServiceParameter).where(ServiceParameter.parameter_id == q["referral"].id))
        attachments.update_attachment(db.session, sp, required=True, default_value="", visible_in_booking=True, actor=None)
        error = refusal(clinic, q["insurer"], "bupa", "hide", q["referral"])
        assert error.field == "action" and "required for this service" in str(error)


def test_a_hidden_question_cannot_then_be_made_required_nor_detached_while_ruled(clinic, insurer_form):
    q = insurer_form
    with tenant_context(clinic.tenant):
        add(clinic, q["insurer"], "axa", "hide", q["policy"])
        sp = db.session.scalar(sa.select(ServiceParameter).where(ServiceParameter.parameter_id == q["policy"].id))
        with pytest.raises(DomainError) as refused:
            attachments.update_attachment(db.session, sp, required=True, default_value="", visible_in_booking=True,
                                          actor=None)
        assert refused.value.field == "required" and sp.required is False
        with pytest.raises(DomainError) as refused:
            attachments.detach_question(db.session, sp, actor=None)
        assert refused.value.field == "question"
        assert db.session.get(ServiceParameter, sp.id) is not None


def test_defaults_are_checked_like_answers(clinic, insurer_form):
    q = insurer_form
    with tenant_context(clinic.tenant):
        sp = db.session.scalar(sa.select(ServiceParameter).where(ServiceParameter.parameter_id == q["insurer"].id))
        with pytest.raises(DomainError) as refused:
            attachments.update_attachment(db.session, sp, required=False, default_value="vitality",
                                          visible_in_booking=True, actor=None)
        assert refused.value.field == "default_value" and "bupa, axa" in str(refused.value)
        attachments.update_attachment(db.session, sp, required=True, default_value="axa", visible_in_booking=True,
                                      actor=None)
        assert (sp.required, sp.default_value) == (True, "axa")
        attachments.move_attachment(db.session, sp, +1, actor=None)
        order = [a.parameter.key for a in attachments.attached(db.session, clinic.physio.id)]
        assert order == ["policy_number", "insurer", "referral"]


def test_an_option_a_rule_waits_for_is_not_deactivated(clinic, insurer_form):
    q = insurer_form
    with tenant_context(clinic.tenant):
        add(clinic, q["insurer"], "bupa", "show", q["policy"])
        bupa, axa = q["insurer"].options
        with pytest.raises(DomainError) as refused:
            builder.set_option_active(db.session, bupa, False, actor=None)
        assert refused.value.field == "label" and bupa.active is True
        builder.set_option_active(db.session, axa, False, actor=None)
        assert axa.active is False
        with pytest.raises(DomainError) as refused:
            builder.update_question(db.session, q["insurer"], label="Insurer", type="multiselect", key="insurer",
                                    scope="appointment", actor=None)
        assert refused.value.field == "type"


def test_a_multiselect_default_is_typed_with_commas_and_stored_as_the_booking_site_reads_it(clinic):
    with tenant_context(clinic.tenant):
        area = clinic.questions["pain_area"]
        sp = db.session.scalar(sa.select(ServiceParameter).where(ServiceParameter.parameter_id == area.id))
        attachments.update_attachment(db.session, sp, required=False, default_value="jaw, upper",
                                      visible_in_booking=True, actor=None)
        assert sp.default_value == '["upper", "jaw"]' and attachments.shown_default(sp) == "upper, jaw"
        assert intake.load(db.session, clinic.dental.id).initial({})["pain_area"] == ["upper", "jaw"]
