"""Every POST route of the dashboard and the backoffice writes an audit event, with the values before
and after when it changes a record. Each route is posted the form its own page renders (as a browser
would submit it), with the values ``POSTS`` names for it; a route missing from ``POSTS`` and from
``CHANGES_NOTHING`` fails, naming what to add."""
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from typing import Callable

import pytest
from sqlalchemy import select

from app import create_app
from app.core import clock
from app.core.database import db
from app.core.tenancy import all_tenants, tenant_context
from app.modules.appointments.models import Appointment
from app.modules.accounts.models import User
from app.modules.audit.models import AuditEvent
from app.modules.catalogue.models import Location, Provider, Service, ServiceCategory
from app.modules.intake.models import ParameterDefinition, ParameterOption
from tests.conftest import app_config
from tests.support import factories
from tests.support.clients import host_of
from tests.support.pages import text
from tests.support.routes import ARGUMENT, blueprint_of, path_of, rules_of

FACES = ("dashboard", "backoffice")


@dataclass(frozen=True)
class Post:
    page: str | None = None  # the GET endpoint whose form posts to the route (the route itself if it has GET)
    form: Callable[[dict], dict] = lambda p: {}  # values over the page's own, or the whole form without a page
    setup: Callable[[dict], None] | None = None  # rows the action needs first (a pending appointment)
    changes: bool = True  # it changes a record: its event carries before and after
    accepts: tuple = (303,)
    path: Callable[[dict], str] | None = None  # the URL, when the sweep's own filling names the wrong row


def _staff(practice, *, active=True) -> None:
    """A staff member besides the owner (the last owner can neither be demoted nor deactivated)."""
    practice["staff"] = staff = factories.user(practice["tenant"], "staff")
    if not active:
        with tenant_context(practice["tenant"]):
            db.session.get(User, staff.id).active = False
            db.session.commit()


def _another_option(practice) -> None:
    """A second option, so that the first has a place to move to."""
    factories.save(practice["tenant"], ParameterOption(tenant_id=practice["tenant"].id,
                                                       parameter_id=practice["question"].id, value="axa", label="AXA"))


def _another_category(practice) -> None:
    factories.save(practice["tenant"], ServiceCategory(tenant_id=practice["tenant"].id, name="Hygiene", position=5))


def _inactive(model, key):
    def setup(practice) -> None:
        with tenant_context(practice["tenant"]):
            db.session.get(model, practice[key].id).active = False
            db.session.commit()
    return setup


def _checked_in(practice) -> None:
    with tenant_context(practice["tenant"]):
        db.session.get(Appointment, practice["appointment"].id).status = "checked_in"
        db.session.commit()


def _pending(practice) -> None:
    with tenant_context(practice["tenant"]):
        appointment = db.session.get(Appointment, practice["appointment"].id)
        appointment.status = "pending"
        db.session.commit()


def _day(practice, ahead=10) -> str:
    return (clock.today_in(practice["tenant"].timezone) + timedelta(days=ahead)).isoformat()


# The form data of each route; where the route's page renders the form, only what a person would change.
POSTS: dict[str, Post] = {
    "backoffice.deactivate_user": Post(setup=_staff, path=lambda p: f"/backoffice/users/{p['staff'].id}/deactivate"),
    "backoffice.reactivate_user": Post(setup=lambda p: _staff(p, active=False),
                                       path=lambda p: f"/backoffice/users/{p['staff'].id}/reactivate"),
    "backoffice.send_password_reset": Post(page="backoffice.user", changes=False),
    "backoffice.edit_plan": Post(form=lambda p: {"name": "Practice Plus", "price": "4900"}),
    "backoffice.new_plan": Post(form=lambda p: {"code": "studio", "name": "Studio", "price": "9900"}, changes=False),
    "backoffice.new_tenant": Post(form=lambda p: {"slug": "newco", "name": "New Co", "owner_email": "own@newco.example",
                                                  "owner_name": "Owner", "owner_password": "a long enough password 1"},
                                 changes=False),
    "backoffice.platform_settings": Post(form=lambda p: {"trial_days": "21"}),
    "backoffice.tenant_status": Post(page="backoffice.tenant", form=lambda p: {"status": "suspended", "reason": "Unpaid"}),
    "dashboard.approve_appointment": Post(setup=_pending),
    "dashboard.decline_appointment": Post(setup=_pending, form=lambda p: {"reason": "No room"}),
    "dashboard.cancel_appointment": Post(page="dashboard.appointment", form=lambda p: {"reason": "Asked by phone"}),
    "dashboard.check_in_appointment": Post(),
    "dashboard.complete_appointment": Post(setup=_checked_in),
    "dashboard.no_show_appointment": Post(),
    "dashboard.change_role": Post(setup=_staff, form=lambda p: {"role": "admin"},
                                  path=lambda p: f"/dashboard/team/{p['staff'].id}/role"),
    "dashboard.deactivate_member": Post(setup=_staff, page="dashboard.team",
                                        path=lambda p: f"/dashboard/team/{p['staff'].id}/deactivate"),
    "dashboard.reactivate_member": Post(setup=lambda p: _staff(p, active=False), page="dashboard.team",
                                        path=lambda p: f"/dashboard/team/{p['staff'].id}/reactivate"),
    "dashboard.invite": Post(page="dashboard.team", form=lambda p: {"email": "new@acme.example", "name": "New Person",
                                                                    "role": "staff"}, changes=False),
    "dashboard.edit_service": Post(form=lambda p: {"price": "95.00"}),
    "dashboard.new_service": Post(form=lambda p: {"name": "Whitening", "duration_minutes": "45", "price": "120"},
                                  changes=False),
    "dashboard.deactivate_service": Post(),
    "dashboard.reactivate_service": Post(setup=_inactive(Service, "service")),
    "dashboard.edit_location": Post(form=lambda p: {"name": "Renamed Site"}),
    "dashboard.new_location": Post(form=lambda p: {"name": "Second Site", "timezone": "Europe/London"}, changes=False),
    "dashboard.deactivate_location": Post(),
    "dashboard.reactivate_location": Post(setup=_inactive(Location, "location")),
    "dashboard.edit_provider": Post(form=lambda p: {"name": "Dr Renamed"}),
    "dashboard.new_provider": Post(form=lambda p: {"name": "Dr New"}, changes=False),
    "dashboard.deactivate_provider": Post(),
    "dashboard.reactivate_provider": Post(setup=_inactive(Provider, "provider")),
    "dashboard.edit_category": Post(form=lambda p: {"name": "Renamed Category"}),
    "dashboard.new_category": Post(form=lambda p: {"name": "Hygiene"}, changes=False),
    "dashboard.move_category": Post(setup=_another_category, form=lambda p: {"direction": "down"}),
    "dashboard.deactivate_category": Post(),
    "dashboard.reactivate_category": Post(setup=_inactive(ServiceCategory, "category")),
    "dashboard.edit_question": Post(form=lambda p: {"label": "Your insurer"}),
    "dashboard.new_question": Post(form=lambda p: {"key": "allergies", "label": "Allergies", "type": "text"},
                                   changes=False),
    "dashboard.deactivate_question": Post(),
    "dashboard.reactivate_question": Post(setup=_inactive(ParameterDefinition, "question")),
    "dashboard.add_question_option": Post(page="dashboard.edit_question",
                                          form=lambda p: {"new-option-value": "axa", "new-option-label": "AXA"},
                                          changes=False),
    "dashboard.rename_question_option": Post(page="dashboard.edit_question", form=lambda p: {f"option-{p['option'].id}-label": "Bupa Global"}),
    "dashboard.move_question_option": Post(setup=_another_option, page="dashboard.edit_question"),
    "dashboard.deactivate_question_option": Post(page="dashboard.edit_question"),
    "dashboard.reactivate_question_option": Post(setup=_inactive(ParameterOption, "option")),
    "dashboard.save_practice_settings": Post(page="dashboard.practice_settings", form=lambda p: {"name": "Acme Smiles"}),
    "dashboard.save_booking_policy": Post(page="dashboard.practice_settings",
                                          form=lambda p: {"min_notice_minutes": "240"}),
    "dashboard.reminder_settings": Post(form=lambda p: {"hours": "48"}),
    "dashboard.remove_logo": Post(page="dashboard.practice_settings"),
    "dashboard.update_customer_details": Post(page="dashboard.customer", form=lambda p: {"name": "Renamed Customer"}),
    "dashboard.update_customer_consent": Post(page="dashboard.customer", form=lambda p: {"sms_consent": "y"}),
    "dashboard.add_customer_note": Post(page="dashboard.customer", form=lambda p: {"body": "Prefers mornings"},
                                        changes=False),
    "dashboard.retry_notification": Post(page="dashboard.appointment"),
    "dashboard.regenerate_calendar_feed": Post(page="dashboard.team_member"),
    "dashboard.add_time_off": Post(page="dashboard.provider_hours",
                                   form=lambda p: {"starts_on": _day(p), "ends_on": _day(p, 11), "reason": "Leave"},
                                   changes=False),
    "dashboard.add_hours_override": Post(page="dashboard.provider_hours",
                                         form=lambda p: {"on_date": _day(p), "day_off": "y"}, changes=False),
}
# Routes that change nothing by design, and why.
CHANGES_NOTHING = {
    "dashboard.preview_service_questions": "a preview of the booking form as the answers so far shape it",
}


def post_rules(app) -> list:
    return [rule for rule in rules_of(app, *FACES, method="POST")]


def _endpoints() -> list[str]:
    app = create_app(app_config("sqlite://"))
    return sorted({rule.endpoint for rule in post_rules(app)})


ENDPOINTS = _endpoints()


class _Forms(HTMLParser):
    """Each form's action and the fields a browser would send (a select without a selected option sends its first)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict]] = []
        self._fields = self._select = self._first = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value if value is not None else "" for name, value in attrs}
        if tag == "form":
            self._fields = {}
            self.forms.append((attrs.get("action", ""), self._fields))
        elif self._fields is None:
            return
        elif tag == "input" and "name" in attrs:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._fields.setdefault(attrs["name"], []).append(attrs.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                self._fields.setdefault(attrs["name"], []).append(attrs.get("value", ""))
        elif tag == "select" and "name" in attrs:
            self._select, self._first = attrs["name"], None
        elif tag == "option" and self._select is not None:
            if self._first is None:
                self._first = attrs.get("value", "")
            if "selected" in attrs:
                self._fields.setdefault(self._select, []).append(attrs.get("value", ""))
        elif tag == "textarea" and "name" in attrs:
            self._textarea = attrs["name"]
            self._fields[self._textarea] = [""]

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select" and self._select is not None:
            if self._select not in self._fields and self._first is not None:
                self._fields[self._select] = [self._first]
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None and self._fields is not None:
            self._fields[self._textarea][-1] += data


def form_posting_to(markup: str, action: str) -> dict | None:
    parser = _Forms()
    parser.feed(markup)
    for form_action, fields in parser.forms:
        if form_action.split("?")[0] == action:
            return {name: values if len(values) > 1 else values[0] for name, values in fields.items()}
    return None


def rule_of(app, endpoint: str):
    return next(rule for rule in post_rules(app) if rule.endpoint == endpoint)


def page_path(app, endpoint: str, practice) -> str:
    rule = next(rule for rule in rules_of(app, *FACES, method="GET") if rule.endpoint == endpoint)
    return path_of(rule, practice)


def events_after(last_id: int) -> list[AuditEvent]:
    with all_tenants():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)).all()


def last_event_id() -> int:
    with all_tenants():
        return db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


def test_every_post_route_is_in_the_registry(app):
    missing = [endpoint for endpoint in ENDPOINTS if endpoint not in POSTS and endpoint not in CHANGES_NOTHING]
    assert missing == [], (
        "These POST routes write no audit event the sweep can check: add each to POSTS in "
        "tests/faces/test_audit_coverage.py (its page and form data), or to CHANGES_NOTHING with the reason: "
        + ", ".join(missing)
    )
    assert not (set(POSTS) | set(CHANGES_NOTHING)) - set(ENDPOINTS), "the registry names routes that no longer exist"


@pytest.mark.parametrize("endpoint", [endpoint for endpoint in ENDPOINTS if endpoint in POSTS])
def test_the_post_route_writes_an_audit_event_with_before_and_after(app, route_practice, route_owner, superadmin,
                                                                       endpoint):
    post = POSTS[endpoint]
    rule = rule_of(app, endpoint)
    browser = superadmin if blueprint_of(rule) == "backoffice" else route_owner
    if post.setup:
        post.setup(route_practice)
    action = post.path(route_practice) if post.path else path_of(rule, route_practice)
    form = {}
    page = post.page or (endpoint if "GET" in rule.methods else None)
    if page:
        markup = browser.get(page_path(app, page, route_practice)).get_data(as_text=True)
        found = form_posting_to(markup, action.split("?")[0])
        assert found is not None, f"no form on {page}'s page posts to {action} ({endpoint}): fix POSTS[{endpoint!r}].page"
        form = {name: value for name, value in found.items() if name != "csrf_token"}
    form |= post.form(route_practice)
    since = last_event_id()

    response = browser.post(action, form)

    assert response.status_code in post.accepts, (
        f"{endpoint} answered {response.status_code} to {form}: {text(response.get_data(as_text=True))[:400]}")
    events = events_after(since)
    assert events, f"POST {action} ({endpoint}) wrote no audit event: audit it in its service"
    actor = "root@sloty.test" if browser is superadmin else route_practice["owner"].email
    assert all(event.actor_email == actor for event in events), [(e.action, e.actor_email) for e in events]
    if post.changes:
        changed = [event for event in events if "before" in event.details and "after" in event.details
                   and event.details["before"] != event.details["after"]]
        assert changed, (f"{endpoint}'s events {[(e.action, e.details) for e in events]} carry no values before and "
                         "after: record them in its service (audit.snapshot before, then audit.changes)")
