"""Every POST route of the dashboard and the backoffice writes an audit event, with the values before
and after when it changes a record. Each route is posted the form its own page renders (as a browser
would submit it), with the values ``POSTS`` names for it; a route missing from ``POSTS`` and from
``CHANGES_NOTHING`` fails, naming what to add."""
import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Callable
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.core import clock
from app.core.database import db
from app.core.tenancy import all_tenants, tenant_context
from app.modules.accounts.models import Invitation, User
from app.modules.appointments.models import Appointment
from app.modules.audit.models import AuditEvent
from app.modules.catalogue.models import Location, Provider, Service, ServiceCategory
from app.modules.intake.models import ParameterDefinition, ParameterOption, ServiceParameter
from app.modules.resources.models import Resource
from tests.support import factories, services
from tests.support.pages import text
from tests.support.routes import (
    a_free_slot,
    blueprint_of,
    confirm_token,
    feed_token,
    invitation_token,
    path_of,
    rules_of,
)

FACES = ("dashboard", "backoffice")


@dataclass(frozen=True)
class Post:
    page: str | None = None  # the GET endpoint whose form posts to the route (the route itself if it has GET)
    form: Callable[[dict], dict] = lambda p: {}  # values over the page's own, or the whole form without a page
    setup: Callable[[dict], None] | None = None  # rows the action needs first (a pending appointment)
    changes: bool = True  # it changes a record: its event carries before and after
    accepts: tuple = (303,)
    path: Callable[[dict], str] | None = None  # the URL, when the sweep's own filling names the wrong row
    form_of: str | None = None  # the action of the page's form, when a button posts it elsewhere (formaction)


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


def _free_day(practice) -> str:
    """The local date of a time the practice offers (the route sweep's free slot)."""
    starts = datetime.strptime(a_free_slot(practice), "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc)
    return starts.astimezone(ZoneInfo(practice["location"].timezone)).date().isoformat()


def _closure(practice) -> None:
    from app.modules.catalogue.locations import add_closure
    with tenant_context(practice["tenant"]):
        location = db.session.get(Location, practice["location"].id)
        day = clock.today_in(practice["tenant"].timezone) + timedelta(days=20)
        practice["closure"] = add_closure(db.session, location, starts_on=day, ends_on=day, reason="Holiday", actor=None)
        db.session.commit()


def _override(practice) -> None:
    from app.modules.schedules.models import ScheduleOverride
    day = clock.today_in(practice["tenant"].timezone) + timedelta(days=20)
    practice["override"] = factories.save(practice["tenant"], ScheduleOverride(
        tenant_id=practice["tenant"].id, provider_id=practice["provider"].id, location_id=practice["location"].id,
        on_date=day, is_day_off=True))


def _time_off(practice) -> None:
    from app.modules.schedules.models import TimeOff
    start = clock.now() + timedelta(days=20)
    practice["time_off"] = factories.save(practice["tenant"], TimeOff(
        tenant_id=practice["tenant"].id, provider_id=practice["provider"].id, starts_at=start,
        ends_at=start + timedelta(hours=3), reason="Dentist"))


def _invitation(practice) -> None:
    invitation_token(practice)
    with tenant_context(practice["tenant"]):
        practice["invitation"] = db.session.scalars(select(Invitation)).one()


def _feed(practice) -> None:
    feed_token(practice)


def _rule(practice) -> None:
    from app.modules.intake.rule_builder import add_rule
    _second_question(practice, attached=True)
    with tenant_context(practice["tenant"]):
        practice["rule"] = add_rule(db.session, db.session.get(Service, practice["service"].id),
                                    source_id=practice["question"].id, value="bupa", action="show",
                                    target_id=practice["second_question"].id, actor=None)
        db.session.commit()


def _failed_job(practice) -> None:
    """A job in the failed registry of the test's Redis (the sweeps' app has none), as the worker leaves it."""
    from flask import current_app
    from redis import Redis
    from rq import Queue, SimpleWorker

    from app.modules.notifications import jobs
    from tests.faces.backoffice.test_health import explode

    services.require("redis")
    connection = Redis.from_url(services.REDIS_URL)
    connection.flushdb()
    current_app.config["REDIS_URL"] = services.REDIS_URL
    queue = Queue(jobs.QUEUE, connection=connection)
    queue.enqueue(explode, "sam@example.com", job_id="explode-1")
    SimpleWorker([queue], connection=connection).work(burst=True)


def _second_question(practice, *, attached: bool) -> None:
    """Another question, asked by the service or not: what attaching, moving and rules need."""
    tenant = practice["tenant"]
    practice["second_question"] = factories.save(tenant, ParameterDefinition(
        tenant_id=tenant.id, key="allergies", label="Allergies", type="text"))
    if attached:
        factories.save(tenant, ServiceParameter(tenant_id=tenant.id, service_id=practice["service"].id,
                                                parameter_id=practice["second_question"].id, position=5))


def _customer_question(practice) -> None:
    """The practice's question kept on the customer's profile, so that the record shows its answers form."""
    with tenant_context(practice["tenant"]):
        db.session.get(ParameterDefinition, practice["question"].id).scope = "customer"
        db.session.commit()


def _awaiting_confirmation(practice) -> None:
    confirm_token(practice)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


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
    # A customer's personal data is named, not copied, in the trail: it is append-only and outlives an erasure.
    "dashboard.update_customer_details": Post(page="dashboard.customer", form=lambda p: {"name": "Renamed Customer"},
                                              changes=False),
    "dashboard.update_customer_consent": Post(page="dashboard.customer", form=lambda p: {"sms_consent": "y"}),
    "dashboard.add_customer_note": Post(page="dashboard.customer", form=lambda p: {"body": "Prefers mornings"},
                                        changes=False),
    "dashboard.retry_notification": Post(page="dashboard.appointment"),
    "dashboard.add_time_off": Post(page="dashboard.provider_hours",
                                   form=lambda p: {"starts_on": _day(p), "ends_on": _day(p, 11), "reason": "Leave"},
                                   changes=False),
    "dashboard.add_hours_override": Post(page="dashboard.provider_hours",
                                         form=lambda p: {"on_date": _day(p), "day_off": "y"}, changes=False),
    "backoffice.requeue_job": Post(setup=_failed_job, path=lambda p: "/backoffice/health/failed-jobs/explode-1/requeue"),
    "backoffice.delete_job": Post(setup=_failed_job, path=lambda p: "/backoffice/health/failed-jobs/explode-1/delete"),
    "dashboard.add_location_closure": Post(page="dashboard.edit_location",
                                           form=lambda p: {"starts_on": _day(p), "ends_on": _day(p, 11), "reason": "Works"},
                                           changes=False),
    "dashboard.remove_location_closure": Post(setup=_closure, form=lambda p: {"closure_id": p["closure"].id}, changes=False),
    "dashboard.remove_hours_override": Post(setup=_override, form=lambda p: {"item_id": p["override"].id}, changes=False),
    "dashboard.remove_time_off": Post(setup=_time_off, form=lambda p: {"item_id": p["time_off"].id}, changes=False),
    "dashboard.resend_invitation": Post(setup=_invitation, form=lambda p: {"invitation_id": p["invitation"].id},
                                        changes=False),
    "dashboard.revoke_invitation": Post(setup=_invitation, form=lambda p: {"invitation_id": p["invitation"].id}),
    "dashboard.regenerate_calendar_feed": Post(page="dashboard.provider", changes=False, accepts=(200,)),
    "dashboard.revoke_calendar_feed": Post(setup=_feed, page="dashboard.provider"),
    "dashboard.service_policy": Post(page="dashboard.edit_service", form=lambda p: {"rules": "own", "min_notice_minutes": "180"}),
    "dashboard.service_providers": Post(page="dashboard.edit_service", form=lambda p: {
        f"duration_{p['provider'].id}": "50"}),
    "dashboard.upload_logo": Post(form=lambda p: {"logo": (io.BytesIO(PNG + b"new"), "logo.png")}),
    "dashboard.resend_confirmation": Post(setup=_awaiting_confirmation, page="dashboard.getting_started", changes=False),
    "dashboard.provider_hours": Post(form=lambda p: {"saturday-0-starts_at": "10:00", "saturday-0-ends_at": "13:00"}),
    "dashboard.attach_service_question": Post(setup=lambda p: _second_question(p, attached=False),
                                              page="dashboard.service_questions", changes=False),
    "dashboard.detach_service_question": Post(page="dashboard.service_questions", changes=False),
    "dashboard.update_service_question": Post(page="dashboard.service_questions",
                                              form=lambda p: {f"q{p['question'].id}-required": "y"}),
    "dashboard.move_service_question": Post(setup=lambda p: _second_question(p, attached=True),
                                            page="dashboard.service_questions"),
    "dashboard.add_service_rule": Post(setup=lambda p: _second_question(p, attached=True),
                                       page="dashboard.service_questions", changes=False,
                                       form=lambda p: {"value": "bupa", "target": p["second_question"].id}),
    "dashboard.remove_service_rule": Post(setup=_rule, page="dashboard.service_questions", changes=False),
    "dashboard.update_customer_answers": Post(setup=_customer_question, page="dashboard.customer",
                                              form=lambda p: {"q_insurer": "bupa"}, changes=False),
    "dashboard.add_blocked_time": Post(page="dashboard.new_blocked_time", changes=False),
    "dashboard.new_appointment": Post(form=lambda p: {"customer_id": p["customer"].id}, changes=False),
    "dashboard.new_resource": Post(form=lambda p: {"name": "Room 2", "kind": "surgery", "capacity": "1"}, changes=False),
    "dashboard.edit_resource": Post(form=lambda p: {"name": "Renamed Room"}),
    "dashboard.deactivate_resource": Post(page="dashboard.edit_resource"),
    "dashboard.reactivate_resource": Post(setup=_inactive(Resource, "resource"), page="dashboard.edit_resource"),
    "dashboard.subscribe": Post(page="dashboard.billing", changes=False),
    "dashboard.manage_billing": Post(page="dashboard.billing", changes=False),
    "dashboard.save_waitlist_settings": Post(page="dashboard.practice_settings", form=lambda p: {"hold_minutes": "30"}),
    "dashboard.offer_waitlist_time": Post(page="dashboard.waitlist", changes=False, form=lambda p: {
        f"entry-{p['waitlist']['entry'].id}-day": _free_day(p), f"entry-{p['waitlist']['entry'].id}-time": "11:00"}),
    "dashboard.create_series": Post(page="dashboard.series_review", changes=False),
    "dashboard.move_series": Post(page="dashboard.appointment",
                                  form=lambda p: {"series_move-scope": "all", "series_move-starts_at": "11:00"}),
    "dashboard.cancel_series": Post(page="dashboard.appointment",
                                    form=lambda p: {"series_cancel-scope": "all", "series_cancel-reason": "Moving away"}),
    "dashboard.walk_in": Post(page="dashboard.new_appointment", form_of="/dashboard/appointments/new",
                              form=lambda p: {"customer_id": p["customer"].id}, changes=False),
    "dashboard.move_appointment": Post(page="dashboard.appointment"),
    "dashboard.merge_customer": Post(page="dashboard.customer_merge", changes=False),
    "dashboard.erase_customer": Post(page="dashboard.customer_erasure", form=lambda p: {"confirmation": "ERASE"},
                                     changes=False),
}
# Routes that change nothing by design, and why.
CHANGES_NOTHING = {
    "dashboard.preview_service_questions": "a preview of the booking form as the answers so far shape it",
}


def post_rules(app) -> list:
    return [rule for rule in rules_of(app, *FACES, method="POST")]




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
            if attrs.get("method", "get").lower() == "post":  # a search form (GET) on the same page is not it
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


def unregistered(app) -> list[str]:
    """The dashboard's and backoffice's POST routes that the registry does not name."""
    endpoints = sorted({rule.endpoint for rule in post_rules(app)})
    return [endpoint for endpoint in endpoints if endpoint not in POSTS and endpoint not in CHANGES_NOTHING]


def test_a_new_post_route_missing_from_the_registry_is_named(app):
    app.add_url_rule("/dashboard/surprise", endpoint="dashboard.surprise", view_func=lambda: "", methods=["POST"])
    assert unregistered(app) == ["dashboard.surprise"]


def test_every_post_route_is_in_the_registry(app):
    endpoints = sorted({rule.endpoint for rule in post_rules(app)})
    missing = unregistered(app)
    assert missing == [], (
        "These POST routes write no audit event the sweep can check: add each to POSTS in "
        "tests/faces/test_audit_coverage.py (its page and form data), or to CHANGES_NOTHING with the reason: "
        + ", ".join(missing)
    )
    assert not (set(POSTS) | set(CHANGES_NOTHING)) - set(endpoints), "the registry names routes that no longer exist"


@pytest.mark.parametrize("endpoint", sorted(POSTS))
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
        found = form_posting_to(markup, post.form_of or action.split("?")[0])
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
