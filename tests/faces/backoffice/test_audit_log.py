"""The audit log: append-only (the ORM's guard on both databases, PostgreSQL's trigger), each event's
address and user agent from the request, the values before and after an edit, and the backoffice's
filters and keyset pages."""
import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from app.core.database import db
from app.core.tenancy import all_tenants
from app.modules import audit
from app.modules.audit.guard import AppendOnlyError
from app.modules.audit.models import AuditEvent
from app.modules.audit.origin import origin_of
from tests.support import factories, services
from tests.support.clients import host_of
from tests.support.pages import html, text
from tests.support.practice import build_practice


def events(*where) -> list[AuditEvent]:
    with all_tenants():
        return db.session.scalars(select(AuditEvent).where(*where).order_by(AuditEvent.id)).all()


def an_event(tenant=None, action="tenant.noted", *, actor=None, at: datetime | None = None, entity=None,
             **details) -> AuditEvent:
    """An event about ``tenant`` (a platform event, about ``entity``, when None)."""
    with all_tenants():
        entity = entity or tenant or factories.tenant()
        event = audit.record(db.session, action, entity, actor=actor, tenant_id=getattr(tenant, "id", None), **details)
        if at is not None:
            event.created_at = at
        db.session.commit()
        return event


# Append-only


def test_the_orm_refuses_to_change_or_delete_an_event(app):
    event = an_event(note="kept")
    with all_tenants():
        loaded = db.session.get(AuditEvent, event.id)
        loaded.action = "tenant.rewritten"
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, event.id))
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
    [kept] = events(AuditEvent.id == event.id)
    assert (kept.action, kept.details) == ("tenant.noted", {"note": "kept"})


@pytest.mark.parametrize("statement", [sa.update(AuditEvent).values(action="tenant.rewritten"), sa.delete(AuditEvent),
                                       AuditEvent.__table__.delete()])
def test_the_orm_refuses_bulk_updates_and_deletes_of_the_trail(app, statement):
    event = an_event()
    with all_tenants():
        with pytest.raises(AppendOnlyError):
            db.session.execute(statement)
        db.session.rollback()
    assert [e.action for e in events(AuditEvent.id == event.id)] == ["tenant.noted"]


@pytest.mark.parametrize("sql", ["UPDATE audit_events SET action = 'tenant.rewritten'", "DELETE FROM audit_events"])
def test_postgresql_refuses_an_update_or_delete_of_the_trail_whoever_asks(app, sql):
    services.require("postgres")
    event = an_event()
    with db.engine.connect() as connection:  # below the ORM: as any other client of the database would
        with pytest.raises(sa.exc.DBAPIError, match="audit_events is append-only"):
            connection.execute(sa.text(sql))
    assert [e.action for e in events(AuditEvent.id == event.id)] == ["tenant.noted"]


# What an event records


def test_an_event_records_the_address_and_user_agent_of_the_request(app, superadmin):
    practice = build_practice("acme", name="Acme Dental")
    tenant = practice["tenant"]

    response = superadmin.post(f"/backoffice/tenants/{tenant.id}/status", {"status": "suspended", "reason": "Unpaid"},
                               headers={"User-Agent": "AuditProbe/2.0 (X11; Linux)"})

    assert response.status_code == 303
    [event] = events(AuditEvent.action == "tenant.status_changed")
    assert (event.ip_address, event.user_agent) == ("127.0.0.1", "AuditProbe/2.0 (X11; Linux)")
    assert (event.actor_email, event.tenant_id, event.entity_id) == ("root@sloty.test", tenant.id, tenant.id)
    assert (event.details["before"], event.details["after"]) == ("active", "suspended")
    page = html(superadmin.get("/backoffice/audit"))
    assert "“active” → “suspended”" in text(page) and "AuditProbe/2.0 (X11; Linux)" in text(page)


def test_an_event_outside_a_request_has_no_address_or_agent_and_a_request_sets_both_only_for_itself(app):
    outside = an_event()
    with origin_of("203.0.113.9", "x" * 600):
        inside = an_event()
    after = an_event()
    assert (outside.ip_address, outside.user_agent, after.ip_address, after.user_agent) == (None, None, None, None)
    assert (inside.ip_address, inside.user_agent) == ("203.0.113.9", "x" * 512)


def test_a_service_price_change_is_recorded_before_and_after(app, visitor):
    practice = build_practice("acme", name="Acme Dental")
    owner = visitor(host_of(practice["tenant"]))
    assert owner.sign_in(practice["owner"].email, factories.PASSWORD).status_code == 303
    service, price = practice["service"], practice["service"].price
    page = html(owner.get(f"/dashboard/setup/services/{service.id}/edit"))
    assert "Edit" in page or service.name in page

    from tests.faces.test_audit_coverage import form_posting_to
    form = form_posting_to(page, f"/dashboard/setup/services/{service.id}/edit")
    form.pop("csrf_token")
    response = owner.post(f"/dashboard/setup/services/{service.id}/edit", form | {"price": "95.00"})

    assert response.status_code == 303
    [event] = events(AuditEvent.action == "service.update")
    assert price != 9500 and event.details == {"before": {"price": price}, "after": {"price": 9500}}
    assert event.actor_email == practice["owner"].email and event.tenant_id == practice["tenant"].id


def test_a_role_change_is_recorded_before_and_after(app, visitor):
    practice = build_practice("acme", name="Acme Dental")
    staff = factories.user(practice["tenant"], "staff")
    owner = visitor(host_of(practice["tenant"]))
    assert owner.sign_in(practice["owner"].email, factories.PASSWORD).status_code == 303

    assert owner.post(f"/dashboard/team/{staff.id}/role", {"role": "admin"}).status_code == 303

    [event] = events(AuditEvent.action == "user.role_change")
    assert (event.entity_id, event.details["before"], event.details["after"]) == (staff.id, "staff", "admin")


# Browsing


@pytest.fixture
def trail(app):
    """Events of two practices and the platform, by two actors, over three days."""
    acme, beta = factories.tenant("acme", name="Acme Dental"), factories.tenant("beta", name="Beta Clinic")
    ann, bob = factories.user(acme, "owner", email="ann@acme.example"), factories.user(beta, "owner", email="bob@beta.example")
    day = datetime(2031, 3, 10, 12, tzinfo=timezone.utc)
    made = {
        "baseline": an_event(None, "platform.baseline", entity=acme),
        "acme_price": an_event(acme, "service.update", actor=ann, at=day, before={"price": 4500}, after={"price": 5000}),
        "acme_status": an_event(acme, "tenant.status_changed", actor=ann, at=day + timedelta(days=1),
                                before="active", after="suspended"),
        "beta_role": an_event(beta, "user.role_change", actor=bob, at=day + timedelta(days=1), before="staff",
                              after="admin"),
        "platform": an_event(None, "platform.settings_changed", actor=None, at=day + timedelta(days=2), entity=beta,
                             before={"trial_days": 14}, after={"trial_days": 21}),
    }
    return made


def _shown_ids(page: str, after: int = 0) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="event-(\d+)"', page) if int(n) > after]


def test_the_log_filters_by_practice_actor_action_and_day(trail, superadmin):
    ids = {name: event.id for name, event in trail.items()}
    base = ids.pop("baseline")  # what building the practices recorded comes before it

    def shown_ids(page):
        return _shown_ids(page, after=base)
    everything = html(superadmin.get("/backoffice/audit"))
    mine = [n for n in shown_ids(everything) if n in ids.values()]  # the superadmin's sign-in is recorded too
    assert mine == [ids["platform"], ids["beta_role"], ids["acme_status"], ids["acme_price"]]
    assert "price: 4500 → 5000" in text(everything) and "trial_days: 14 → 21" in text(everything)

    assert shown_ids(html(superadmin.get("/backoffice/audit?practice=acme"))) == [ids["acme_status"], ids["acme_price"]]
    assert shown_ids(html(superadmin.get("/backoffice/audit?practice=platform&action=platform."))) == [ids["platform"]]
    assert shown_ids(html(superadmin.get("/backoffice/audit?actor=BOB@"))) == [ids["beta_role"]]
    assert shown_ids(html(superadmin.get("/backoffice/audit?action=tenant."))) == [ids["acme_status"]]
    assert shown_ids(html(superadmin.get("/backoffice/audit?since=2031-03-11&until=2031-03-11"))) == [
        ids["beta_role"], ids["acme_status"]]
    combined = html(superadmin.get("/backoffice/audit?practice=acme&since=2031-03-11"))
    assert shown_ids(combined) == [ids["acme_status"]]
    assert 'value="acme"' in combined  # the GET form keeps what was asked, without JavaScript
    assert "No event matches." in text(html(superadmin.get("/backoffice/audit?practice=nowhere")))


def test_a_day_range_ending_before_it_starts_is_a_field_error(trail, superadmin):
    response = superadmin.get("/backoffice/audit?since=2031-03-12&until=2031-03-10")
    assert response.status_code == 422
    assert "The last day comes before the first." in text(html(response))


def test_the_log_pages_by_keyset_older_then_newer(app, superadmin):
    tenant = factories.tenant("acme", name="Acme Dental")
    made = [an_event(tenant, "tenant.noted", n=n).id for n in range(60)]
    assert events(AuditEvent.tenant_id == tenant.id, AuditEvent.action != "tenant.noted")  # left out by the filter
    newest_first = list(reversed(made))

    first = html(superadmin.get("/backoffice/audit?practice=acme&action=tenant.noted"))
    assert _shown_ids(first) == newest_first[:50]
    older = dict((label, href) for href, label in [(a.get("href"), t) for a, t in _anchors(first)])
    assert "Newer events" not in older
    second = html(superadmin.get(older["Older events"]))
    assert _shown_ids(second) == newest_first[50:]
    assert "practice=acme" in older["Older events"]
    back = dict((t, a.get("href")) for a, t in _anchors(second))
    assert "Older events" not in back
    assert _shown_ids(html(superadmin.get(back["Newer events"]))) == newest_first[:50]


def _anchors(page: str):
    from tests.support.pages import elements
    return elements(page).links
