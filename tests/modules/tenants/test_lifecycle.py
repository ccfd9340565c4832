"""The tenant lifecycle: every legal and illegal transition, what each status allows, and the audited
services that move a tenant (reasons, the export window, deactivation)."""
from datetime import timedelta
from itertools import product

import pytest
from sqlalchemy import select

from app.core import clock
from app.core.database import db
from app.core.tenancy import all_tenants
from app.modules.audit.models import AuditEvent
from app.modules.tenants import lifecycle, status
from app.modules.tenants.lifecycle import LifecycleError
from app.modules.tenants.models import TENANT_STATUSES
from tests.support import factories

LEGAL = {
    ("trialing", "active"), ("trialing", "past_due"), ("trialing", "suspended"), ("trialing", "cancelled"),
    ("active", "past_due"), ("active", "suspended"), ("active", "cancelled"),
    ("past_due", "active"), ("past_due", "suspended"), ("past_due", "cancelled"),
    ("suspended", "active"), ("suspended", "cancelled"),
    ("cancelled", "active"),
}
ILLEGAL = sorted(set(product(lifecycle.STATUSES, repeat=2)) - LEGAL)


def test_the_lifecycle_knows_the_models_statuses():
    assert lifecycle.STATUSES == TENANT_STATUSES


@pytest.mark.parametrize(("current", "wanted"), sorted(LEGAL))
def test_a_legal_transition_passes(current, wanted):
    lifecycle.check_transition(current, wanted)
    assert wanted in lifecycle.next_statuses(current)


@pytest.mark.parametrize(("current", "wanted"), ILLEGAL)
def test_an_illegal_transition_is_refused(current, wanted):
    with pytest.raises(LifecycleError, match="cannot become") as refused:
        lifecycle.check_transition(current, wanted)
    assert refused.value.field == "status"
    assert wanted not in lifecycle.next_statuses(current)


def test_nothing_returns_to_a_trial_and_no_status_follows_itself():
    assert all(("trialing" not in lifecycle.TRANSITIONS[s]) and (s not in lifecycle.TRANSITIONS[s]) for s in lifecycle.STATUSES)


def test_an_unknown_status_is_refused():
    with pytest.raises(LifecycleError, match="“closed” is not a practice status"):
        lifecycle.check_transition("active", "closed")


@pytest.mark.parametrize("current", lifecycle.STATUSES)
def test_a_deactivated_practice_moves_nowhere(current):
    assert lifecycle.next_statuses(current, deactivated=True) == []
    with pytest.raises(LifecycleError, match="can no longer change"):
        lifecycle.check_transition(current, "active", deactivated=True)


@pytest.mark.parametrize(("state", "open_"), [("trialing", True), ("active", True), ("past_due", True),
                                              ("suspended", False), ("cancelled", False)])
def test_what_each_status_allows(state, open_):
    assert lifecycle.takes_bookings(state) is open_
    assert lifecycle.dashboard_writable(state) is open_


def test_the_export_window_is_thirty_days_from_cancelling():
    cancelled_at = clock.now()
    assert lifecycle.export_ends("cancelled", cancelled_at) == cancelled_at + timedelta(days=30)
    assert lifecycle.export_ends("suspended", cancelled_at) is None
    assert not lifecycle.export_expired("cancelled", cancelled_at, cancelled_at + timedelta(days=29, hours=23))
    assert lifecycle.export_expired("cancelled", cancelled_at, cancelled_at + timedelta(days=30))


# The services, on the database


def events_of(tenant) -> list[AuditEvent]:
    with all_tenants():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.tenant_id == tenant.id,
                                                           AuditEvent.action.like("tenant.%"))
                                  .order_by(AuditEvent.id)).all()


def test_every_change_is_audited_with_before_after_actor_and_reason(app):
    tenant = factories.tenant(status="trialing")
    admin = factories.user(None)
    now = clock.now()
    with all_tenants():
        status.activate(db.session, tenant, now=now, actor=admin)
        status.mark_past_due(db.session, tenant, now=now, actor=None, reason="Invoice 2031-0001 failed.")
        status.suspend(db.session, tenant, now=now, actor=admin, reason="Unpaid for 7 days.")
        status.reactivate(db.session, tenant, now=now, actor=admin, reason="Paid by bank transfer.")
        status.cancel(db.session, tenant, now=now, actor=admin, reason="The owner closed the practice.")
    changes = [e for e in events_of(tenant) if e.action == "tenant.status_changed"]
    assert [(e.details["before"], e.details["after"], e.details["reason"], e.actor_email) for e in changes] == [
        ("trialing", "active", "The trial became a paid plan.", admin.email),
        ("active", "past_due", "Invoice 2031-0001 failed.", None),
        ("past_due", "suspended", "Unpaid for 7 days.", admin.email),
        ("suspended", "active", "Paid by bank transfer.", admin.email),
        ("active", "cancelled", "The owner closed the practice.", admin.email),
    ]
    assert (tenant.status, tenant.status_reason, tenant.status_changed_at) == ("cancelled", "The owner closed the practice.", now)


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_change_needs_a_short_reason_and_changes_nothing_without(app, reason):
    tenant = factories.tenant()
    with all_tenants(), pytest.raises(LifecycleError) as refused:
        status.suspend(db.session, tenant, now=clock.now(), actor=None, reason=reason)
    assert refused.value.field == "reason"
    assert tenant.status == "active" and events_of(tenant)[-1].action == "tenant.created"


def test_an_illegal_change_writes_nothing(app):
    tenant = factories.tenant(status="suspended")
    with all_tenants(), pytest.raises(LifecycleError, match="A suspended practice cannot become past due"):
        status.mark_past_due(db.session, tenant, now=clock.now(), actor=None)
    assert tenant.status == "suspended" and [e.action for e in events_of(tenant)] == ["tenant.created"]


def test_a_cancelled_practice_is_reactivated_within_its_export_window_only(app):
    within, late = factories.tenant(), factories.tenant()
    cancelled_at = clock.now()
    with all_tenants():
        for tenant in (within, late):
            status.cancel(db.session, tenant, now=cancelled_at, actor=None, reason="Closing.")
        status.reactivate(db.session, within, now=cancelled_at + timedelta(days=29), actor=None, reason="Changed their mind.")
        with pytest.raises(LifecycleError, match="export window of this cancelled practice has passed"):
            status.reactivate(db.session, late, now=cancelled_at + timedelta(days=30), actor=None, reason="Too late.")
    assert (within.status, late.status) == ("active", "cancelled")


def test_deactivation_closes_only_cancelled_practices_past_their_window(app):
    cancelled_at = clock.now()
    expired, recent, suspended = factories.tenant(), factories.tenant(), factories.tenant()
    with all_tenants():
        status.cancel(db.session, expired, now=cancelled_at - timedelta(days=31), actor=None, reason="Closing.")
        status.cancel(db.session, recent, now=cancelled_at - timedelta(days=10), actor=None, reason="Closing.")
        status.suspend(db.session, suspended, now=cancelled_at - timedelta(days=90), actor=None, reason="Abuse.")
        closed = status.deactivate_expired(db.session, now=cancelled_at)
        assert status.deactivate_expired(db.session, now=cancelled_at) == []  # run twice: closes once
    assert closed == [expired]
    assert (expired.status, expired.deactivated_at) == ("cancelled", cancelled_at)
    assert recent.deactivated_at is None and suspended.deactivated_at is None
    (event,) = [e for e in events_of(expired) if e.action == "tenant.deactivated"]
    assert event.details["before"] == {"deactivated_at": None}
    with all_tenants(), pytest.raises(LifecycleError, match="can no longer change"):
        status.reactivate(db.session, expired, now=cancelled_at, actor=None, reason="Please.")
