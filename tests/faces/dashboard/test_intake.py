"""The intake form builder in the dashboard: owners write questions and their options, attach them to a
service with rules between them, and preview the form exactly as a customer booking meets it."""
import pytest

from app.modules.audit.models import AuditEvent
from app.modules.intake.models import (
    AppointmentParameter,
    ParameterDefinition,
    ParameterOption,
    ParameterRule,
    ServiceParameter,
)
from tests.support import factories
from tests.support.booking import CONTACT, DENTAL_ANSWERS, details_url
from tests.support.clients import signed_in
from tests.support.database import changed_tables, rows, snapshot
from tests.support.pages import form_fields, html, is_fragment, key, text


def question_named(clinic, question_key) -> ParameterDefinition:
    (question,) = rows(clinic.tenant, ParameterDefinition, ParameterDefinition.key == question_key)
    return question


def actions(clinic, entity_type) -> list[str]:
    return [event.action for event in rows(clinic.tenant, AuditEvent, AuditEvent.entity_type == entity_type)]


def build_insurer_form(owner, clinic):
    """Through the pages: an insurer question (Bupa, AXA) and a policy number, asked by the physio session,
    the insurer required, the policy number shown only for Bupa."""
    response = owner.post("/dashboard/setup/questions/new", {"label": "Insurer", "key": "", "type": "select",
                                                             "help_text": "Who pays for the session?",
                                                             "scope": "customer"})
    insurer = question_named(clinic, "insurer")  # the key made from the label
    assert response.status_code == 303 and response.headers["Location"] == f"/dashboard/setup/questions/{insurer.id}"
    for label in ("Bupa", "AXA"):
        assert owner.post(f"/dashboard/setup/questions/{insurer.id}/options", {"new-option-label": label}).status_code == 303
    assert owner.post("/dashboard/setup/questions/new", {"label": "Policy number", "type": "text",
                                                         "scope": "appointment"}).status_code == 303
    policy = question_named(clinic, "policy_number")
    service = f"/dashboard/setup/services/{clinic.physio.id}"
    for question in (insurer, policy):
        assert owner.post(f"{service}/questions", {"question": question.id}).status_code == 303
    assert owner.post(f"{service}/questions/{insurer.id}", {f"q{insurer.id}-required": "y",
                                                           f"q{insurer.id}-visible_in_booking": "y"}).status_code == 303
    response = owner.post(f"{service}/rules", {"source": insurer.id, "value": "bupa", "action": "show",
                                               "target": policy.id})
    assert response.status_code == 303
    return insurer, policy


def test_an_owner_builds_a_select_question_with_options(clinic, visitor):
    owner = signed_in(visitor, clinic)
    insurer, _ = build_insurer_form(owner, clinic)
    page = html(owner.get(f"/dashboard/setup/questions/{insurer.id}"))
    assert 'value="Insurer"' in page and "Who pays for the session?" in page
    assert page.index('value="Bupa"') < page.index('value="AXA"')
    options = rows(clinic.tenant, ParameterOption, ParameterOption.parameter_id == insurer.id)
    assert [(o.value, o.label, o.active) for o in options] == [("bupa", "Bupa", True), ("axa", "AXA", True)]
    bupa, axa = options
    base = f"/dashboard/setup/questions/{insurer.id}/options"
    assert owner.post(f"{base}/{axa.id}/move", {"direction": "up"}).status_code == 303
    assert owner.post(f"{base}/{bupa.id}", {f"option-{bupa.id}-label": "Bupa Health"}).status_code == 303
    assert owner.post(f"{base}/{axa.id}/deactivate", {}).status_code == 303
    options = rows(clinic.tenant, ParameterOption, ParameterOption.parameter_id == insurer.id)
    assert sorted((o.position, o.value, o.label, o.active) for o in options) == [
        (0, "axa", "AXA", False), (1, "bupa", "Bupa Health", True)]
    page = text(html(owner.get(f"/dashboard/setup/questions/{insurer.id}")))
    assert "Not offered" in page and page.index("axa") < page.index("bupa")
    assert actions(clinic, "ParameterDefinition") == ["intake_question.create", "intake_question.create"]
    assert actions(clinic, "ParameterOption") == ["intake_option.create", "intake_option.create", "intake_option.move",
                                                  "intake_option.rename", "intake_option.deactivate"]
    listing = text(html(owner.get("/dashboard/setup/questions")))
    assert "Insurer insurer One choice Active" in listing and "Physiotherapy session" in listing


def test_an_owner_edits_a_question(clinic, visitor):
    owner = signed_in(visitor, clinic)
    notes = clinic.questions["notes"]
    page = html(owner.get(f"/dashboard/setup/questions/{notes.id}"))
    assert 'value="Anything else we should know?"' in page and "Options" not in page  # a textarea has none
    response = owner.post(f"/dashboard/setup/questions/{notes.id}", {"label": "Anything else?", "key": "",
                                                                    "type": "textarea", "help_text": "Optional.",
                                                                    "scope": "appointment"})
    assert response.status_code == 303
    edited = question_named(clinic, "notes")  # an empty key keeps the question's own
    assert (edited.label, edited.help_text, edited.active) == ("Anything else?", "Optional.", True)
    (event,) = rows(clinic.tenant, AuditEvent, AuditEvent.action == "intake_question.update")
    assert event.entity_id == notes.id and sorted(event.details["after"]) == ["help_text", "label"]
    assert event.details["after"]["label"] == "Anything else?" and event.details["before"]["label"] != "Anything else?"


def test_the_questions_list_shows_active_questions_first(clinic, visitor):
    owner = signed_in(visitor, clinic)
    notes = clinic.questions["notes"]
    assert owner.post(f"/dashboard/setup/questions/{notes.id}/deactivate", {}).status_code == 303
    listing = text(html(owner.get("/dashboard/setup/questions"))).partition("Add a question")[2]
    assert listing.index("Where is the pain?") < listing.index("Anything else we should know?")
    assert "Anything else we should know? notes Long text Deactivated Reactivate" in listing


def test_a_bad_key_is_refused_at_its_field_with_values_kept(clinic, visitor):
    owner = signed_in(visitor, clinic)
    before = snapshot()
    response = owner.post("/dashboard/setup/questions/new", {"label": "Allergies", "key": "has_pain",
                                                             "type": "textarea", "scope": "customer"})
    assert response.status_code == 422
    page = html(response)
    assert "Another question already uses this key." in page and 'value="Allergies"' in page
    assert '<option selected value="customer">' in page
    assert changed_tables(before) == []


def test_the_service_page_attaches_a_question_as_required_with_a_default(clinic, visitor):
    owner = signed_in(visitor, clinic)
    insurer, policy = build_insurer_form(owner, clinic)
    asked = rows(clinic.tenant, ServiceParameter, ServiceParameter.service_id == clinic.physio.id)
    assert [(sp.parameter_id, sp.required, sp.position) for sp in asked] == [(insurer.id, True, 0), (policy.id, False, 1)]
    path = f"/dashboard/setup/services/{clinic.physio.id}/questions"
    response = owner.post(f"{path}/{insurer.id}", {f"q{insurer.id}-required": "y", f"q{insurer.id}-default_value": "Vitality",
                                                   f"q{insurer.id}-visible_in_booking": "y"})
    assert response.status_code == 422
    assert "Not a valid answer to this question: Choose one of the listed options. (bupa, axa)" in html(response)
    assert 'value="Vitality"' in html(response)
    assert owner.post(f"{path}/{insurer.id}", {f"q{insurer.id}-required": "y", f"q{insurer.id}-default_value": "axa",
                                               f"q{insurer.id}-visible_in_booking": "y"}).status_code == 303
    assert owner.post(f"{path}/{policy.id}/move", {"direction": "up"}).status_code == 303
    asked = rows(clinic.tenant, ServiceParameter, ServiceParameter.service_id == clinic.physio.id)
    assert sorted((sp.position, sp.parameter_id, sp.default_value) for sp in asked) == [
        (0, policy.id, None), (1, insurer.id, "axa")]
    assert actions(clinic, "ServiceParameter") == [
        "intake_service_question.attach", "intake_service_question.attach", "intake_service_question.update",
        "intake_service_question.update", "intake_service_question.move"]
    assert actions(clinic, "ParameterRule") == ["intake_rule.create"]


def test_the_preview_shows_the_policy_number_only_for_bupa(clinic, visitor):
    owner = signed_in(visitor, clinic)
    insurer, _ = build_insurer_form(owner, clinic)
    path = f"/dashboard/setup/services/{clinic.physio.id}/questions"
    page = html(owner.get(path))
    assert 'If “Insurer” is <strong>bupa</strong>, then show “Policy number”' in page
    assert 'name="q_insurer"' in page and 'name="q_policy_number"' not in page
    # The insurer decides about another question, so changing it re-evaluates live, as on the booking site.
    assert f'hx-post="{path}/preview" hx-trigger="change" hx-target="#questions"' in page

    live = owner.post(f"{path}/preview", {"q_insurer": "bupa"}, htmx=True)
    assert live.status_code == 200 and is_fragment(html(live))
    assert html(live).lstrip().startswith('<fieldset id="questions">') and 'name="q_policy_number"' in html(live)
    assert 'name="q_policy_number"' not in html(owner.post(f"{path}/preview", {"q_insurer": "axa"}, htmx=True))

    # Without JavaScript, "Update preview" gives the whole page, the answers kept.
    plain = owner.post(f"{path}/preview", {"q_insurer": "bupa"})
    assert plain.status_code == 200 and "Update preview" in html(plain)
    assert form_fields(html(plain), "preview-form")["q_insurer"] == "bupa"
    assert "q_policy_number" in form_fields(html(plain), "preview-form")


def test_the_booking_site_asks_the_form_as_previewed(clinic, visitor):
    owner = signed_in(visitor, clinic)
    build_insurer_form(owner, clinic)
    customer = visitor(clinic.host)
    start = clinic.at(clinic.day(3), "10:00")
    page = customer.get(details_url(clinic, start, service=clinic.physio))
    shown = form_fields(html(page), "booking-form")
    assert 'name="q_insurer"' in html(page) and 'name="q_policy_number"' not in html(page)
    assert "Insurer (required)" in text(html(page)) and "Who pays for the session?" in html(page)
    answers = {"location": clinic.london.id, "provider": "any", "start": key(start)}
    live = customer.post(f"/services/{clinic.physio.id}/book/questions", answers | {"q_insurer": "bupa"}, htmx=True)
    assert 'name="q_policy_number"' in html(live)
    assert 'name="q_policy_number"' not in html(customer.post(f"/services/{clinic.physio.id}/book/questions",
                                                              answers | {"q_insurer": "axa"}, htmx=True))
    # Required: a booking without an insurer is refused at the question.
    refused = customer.post(f"/services/{clinic.physio.id}/book", shown | CONTACT | {"q_insurer": ""}, csrf=False)
    assert refused.status_code == 422 and "Please answer this question." in html(refused)


def test_a_loop_among_rules_is_refused_and_nothing_written(clinic, visitor):
    owner = signed_in(visitor, clinic)
    insurer, policy = build_insurer_form(owner, clinic)
    before = snapshot()
    response = owner.post(f"/dashboard/setup/services/{clinic.physio.id}/rules",
                          {"source": policy.id, "value": "X123", "action": "show", "target": insurer.id})
    assert response.status_code == 422
    page = html(response)
    assert "this rule would make a loop" in page and 'value="X123"' in page
    assert changed_tables(before) == []
    # htmx gets the set-up block alone, the error at its field.
    swapped = owner.post(f"/dashboard/setup/services/{clinic.physio.id}/rules",
                         {"source": policy.id, "value": "X123", "action": "show", "target": insurer.id}, htmx=True)
    assert swapped.status_code == 422 and html(swapped).lstrip().startswith('<div id="service-setup">')
    assert "this rule would make a loop" in html(swapped)


def test_a_rule_on_an_option_that_does_not_exist_is_refused(clinic, visitor):
    owner = signed_in(visitor, clinic)
    insurer, policy = build_insurer_form(owner, clinic)
    before = snapshot()
    response = owner.post(f"/dashboard/setup/services/{clinic.physio.id}/rules",
                          {"source": insurer.id, "value": "vitality", "action": "require", "target": policy.id})
    assert response.status_code == 422
    assert "“vitality” is not an option of “Insurer” (its options: bupa, axa)." in text(html(response))
    assert changed_tables(before) == []


def test_a_question_both_hidden_and_required_is_refused(clinic, visitor):
    owner = signed_in(visitor, clinic)
    insurer, policy = build_insurer_form(owner, clinic)
    rules = f"/dashboard/setup/services/{clinic.physio.id}/rules"
    assert owner.post(rules, {"source": insurer.id, "value": "axa", "action": "require", "target": policy.id}).status_code == 303
    before = snapshot()
    response = owner.post(rules, {"source": insurer.id, "value": "axa", "action": "hide", "target": policy.id})
    assert response.status_code == 422 and "so it would be both required and hidden" in text(html(response))
    # The insurer is attached as required: no rule may hide it.
    response = owner.post(rules, {"source": policy.id, "value": "none", "action": "hide", "target": insurer.id})
    assert response.status_code == 422 and "“Insurer” is required for this service, so it cannot be hidden" in text(html(response))
    assert changed_tables(before) == []
    assert len(rows(clinic.tenant, ParameterRule, ParameterRule.service_id == clinic.physio.id)) == 2


def test_a_ruled_question_is_not_detached_until_its_rules_are_removed(clinic, visitor):
    owner = signed_in(visitor, clinic)
    _, policy = build_insurer_form(owner, clinic)
    path = f"/dashboard/setup/services/{clinic.physio.id}"
    refused = owner.post(f"{path}/questions/{policy.id}/detach", {})
    assert refused.status_code == 422 and "Policy number: 1 rule uses this question here. Remove them first." in text(html(refused))
    (rule,) = rows(clinic.tenant, ParameterRule, ParameterRule.service_id == clinic.physio.id)
    assert owner.post(f"{path}/rules/remove", {"rule_id": rule.id}).status_code == 303
    assert owner.post(f"{path}/questions/{policy.id}/detach", {}).status_code == 303
    asked = rows(clinic.tenant, ServiceParameter, ServiceParameter.service_id == clinic.physio.id)
    assert [sp.parameter_id for sp in asked] != [] and policy.id not in [sp.parameter_id for sp in asked]
    assert actions(clinic, "ParameterRule") == ["intake_rule.create", "intake_rule.remove"]
    assert actions(clinic, "ServiceParameter")[-1] == "intake_service_question.detach"


def test_deactivating_a_question_keeps_its_stored_answers(clinic, visitor, booked):
    owner = signed_in(visitor, clinic)
    birth = clinic.questions["date_of_birth"]
    answers = rows(clinic.tenant, AppointmentParameter, AppointmentParameter.parameter_id == birth.id)
    assert [a.value for a in answers] == [DENTAL_ANSWERS["q_date_of_birth"]]
    # Its type cannot change once answered…
    response = owner.post(f"/dashboard/setup/questions/{birth.id}", {"label": "Birthday", "key": "date_of_birth",
                                                                     "type": "text", "scope": "customer"})
    assert response.status_code == 422 and "already has answers, so its type cannot change" in html(response)
    # …but it can be deactivated: no longer asked, its answers kept.
    assert owner.post(f"/dashboard/setup/questions/{birth.id}/deactivate", {}).status_code == 303
    assert question_named(clinic, "date_of_birth").active is False
    assert [a.value for a in rows(clinic.tenant, AppointmentParameter, AppointmentParameter.parameter_id == birth.id)] == [
        DENTAL_ANSWERS["q_date_of_birth"]]
    page = html(visitor(clinic.host).get(details_url(clinic, clinic.at(clinic.day(4), "11:00"))))
    assert "q_date_of_birth" not in form_fields(page, "booking-form") and "q_has_pain" in form_fields(page, "booking-form")
    assert actions(clinic, "ParameterDefinition") == ["intake_question.deactivate"]
    assert owner.post(f"/dashboard/setup/questions/{birth.id}/reactivate", {}).status_code == 303
    assert question_named(clinic, "date_of_birth").active is True


def test_staff_are_refused(clinic, visitor):
    staff = signed_in(visitor, clinic, "staff")
    pain = clinic.questions["has_pain"]
    before = snapshot()
    assert staff.get("/dashboard/setup/questions").status_code == 403
    assert staff.get(f"/dashboard/setup/services/{clinic.dental.id}/questions").status_code == 403
    assert staff.post("/dashboard/setup/questions/new", {"label": "X", "type": "text", "scope": "service"}).status_code == 403
    assert staff.post(f"/dashboard/setup/questions/{pain.id}/deactivate", {}).status_code == 403
    assert staff.post(f"/dashboard/setup/services/{clinic.dental.id}/rules/remove", {"rule_id": 1}).status_code == 403
    assert changed_tables(before) == []


@pytest.mark.parametrize("method, path", [
    ("GET", "/dashboard/setup/questions/{question}"),
    ("POST", "/dashboard/setup/questions/{question}/deactivate"),
    ("POST", "/dashboard/setup/questions/{question}/options/{option}"),
    ("POST", "/dashboard/setup/questions/{own_question}/options/{option}/deactivate"),
    ("GET", "/dashboard/setup/services/{service}/questions"),
    ("POST", "/dashboard/setup/services/{service}/questions/preview"),
    ("POST", "/dashboard/setup/services/{own_service}/questions/{question}"),
    ("POST", "/dashboard/setup/services/{own_service}/questions"),
])
def test_another_tenants_ids_are_404(clinic, elsewhere, visitor, method, path):
    owner = signed_in(visitor, clinic)
    theirs = factories.save(elsewhere["tenant"], ParameterDefinition(
        tenant_id=elsewhere["tenant"].id, key="their_insurer", label="Their insurer", type="select"))
    option = factories.save(elsewhere["tenant"], ParameterOption(
        tenant_id=elsewhere["tenant"].id, parameter_id=theirs.id, value="theirs", label="Theirs"))
    url = path.format(question=theirs.id, option=option.id, own_question=clinic.questions["has_pain"].id,
                      service=elsewhere["service"].id, own_service=clinic.dental.id)
    before = snapshot()
    response = owner.get(url) if method == "GET" else owner.post(url, {"question": theirs.id, "label": "Renamed",
                                                                       f"option-{option.id}-label": "Renamed"})
    assert response.status_code == 404 and "Not found" in html(response) and "Their insurer" not in html(response)
    assert changed_tables(before) == []


def test_another_tenants_rule_is_404(clinic, elsewhere, visitor):
    owner = signed_in(visitor, clinic)
    (rule,) = rows(clinic.tenant, ParameterRule, ParameterRule.action == "require")
    # The clinic's own rule under another of its services is no rule of that service.
    response = owner.post(f"/dashboard/setup/services/{clinic.physio.id}/rules/remove", {"rule_id": rule.id})
    assert response.status_code == 404
    assert rows(clinic.tenant, ParameterRule, ParameterRule.id == rule.id) != []


def test_the_key_is_suggested_from_the_label_as_it_is_typed(clinic, visitor):
    owner = signed_in(visitor, clinic)
    page = html(owner.get("/dashboard/setup/questions/new"))
    assert 'hx-get="/dashboard/setup/questions/new"' in page and 'hx-target="#key-field"' in page
    typed = owner.get("/dashboard/setup/questions/new?label=Do+you+have+insurance%3F&key=&type=boolean", htmx=True)
    assert is_fragment(html(typed)) and 'placeholder="do_you_have_insurance"' in html(typed)
    assert "Empty: “do_you_have_insurance”." in html(typed) and 'value="Do you have insurance?"' in html(typed)


def test_an_option_a_rule_waits_for_stays_offered(clinic, visitor):
    owner = signed_in(visitor, clinic)
    insurer, _ = build_insurer_form(owner, clinic)
    (bupa,) = rows(clinic.tenant, ParameterOption, ParameterOption.value == "bupa")
    before = snapshot()
    response = owner.post(f"/dashboard/setup/questions/{insurer.id}/options/{bupa.id}/deactivate", {})
    assert response.status_code == 422
    assert "A rule waits for “Bupa”, so it stays offered: remove that rule first." in html(response)
    assert changed_tables(before) == []
    response = owner.post(f"/dashboard/setup/questions/{insurer.id}", {"label": "Insurer", "key": "insurer",
                                                                       "type": "text", "scope": "customer"})
    assert response.status_code == 422 and "Rules wait for answers to this question" in html(response)
    assert question_named(clinic, "insurer").type == "select"
