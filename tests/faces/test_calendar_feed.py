"""A provider's private calendar feed: subscribed to by URL, no sign-in; first names and services only."""
import re
from datetime import timedelta

import pytest
from icalendar import Calendar

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.audit.models import AuditEvent
from app.modules.catalogue.models import Provider
from tests.support import factories
from tests.support.clients import host_of, signed_in
from tests.support.database import rows
from tests.support.pages import html, text

FEED_URL = re.compile(r'value="https?://[^/"]+(/calendar-feeds/[^"]+\.ics)"')


def _regenerate(member, provider) -> str:
    response = member.post(f"/dashboard/providers/{provider.id}/calendar-feed")
    assert response.status_code == 200
    match = FEED_URL.search(html(response))
    assert match, text(html(response))[:500]
    return match.group(1)


def _events(response) -> list:
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.get_data()).walk("VEVENT")


@pytest.fixture
def owner(clinic, visitor):
    return signed_in(visitor, clinic)


@pytest.fixture
def appointments(clinic):
    grace = factories.customer(clinic.tenant, name="Grace Hopper", email="grace@example.com", phone="+447700900123")
    ada = factories.customer(clinic.tenant, name="Ada Lovelace", email="ada@example.com")
    make = lambda customer, **kw: factories.appointment(  # noqa: E731
        clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.dental, customer=customer, **kw)
    return {
        "coming": make(grace, starts_at=clinic.at(clinic.day(2), "10:00")),
        "pending": make(ada, starts_at=clinic.at(clinic.day(3), "11:00"), status="pending"),
        "past": make(grace, starts_at=clock.now().replace(microsecond=0) - timedelta(days=2)),
        "cancelled": make(ada, starts_at=clinic.at(clinic.day(4), "09:00"), status="cancelled"),
        "bens": factories.appointment(clinic.tenant, location=clinic.brooklyn, provider=clinic.ben,
                                      service=clinic.dental, customer=grace, starts_at=clinic.at(clinic.day(2), "10:00")),
    }


def test_the_feed_holds_upcoming_appointments_with_first_names_and_services_only(clinic, owner, visitor, appointments):
    path = _regenerate(owner, clinic.chloe)
    stranger = visitor(clinic.host)  # calendar apps do not sign in
    response = stranger.get(path)
    body = response.get_data(as_text=True)
    events = _events(response)
    assert [e["SUMMARY"] for e in events] == ["Dental check-up: Grace", "Dental check-up: Ada"]
    assert [e.decoded("DTSTART") for e in events] == [appointments["coming"].starts_at, appointments["pending"].starts_at]
    assert [str(e["STATUS"]) for e in events] == ["CONFIRMED", "TENTATIVE"]
    assert str(events[0]["LOCATION"]) == "Harbour Street"
    assert str(events[0]["UID"]) == f"appointment-{appointments['coming'].id}-{clinic.tenant.id}@sloty"
    for secret in ("Hopper", "Lovelace", "grace@example.com", "ada@example.com", "+447700900123", "7700"):
        assert secret not in body
    assert "Chloe Martin" in str(Calendar.from_ical(response.get_data())["X-WR-CALNAME"])


def test_only_the_hash_is_stored_and_regenerating_retires_the_old_link(clinic, owner, visitor, appointments):
    first = _regenerate(owner, clinic.chloe)
    token = first.removeprefix("/calendar-feeds/").removesuffix(".ics")
    (chloe,) = rows(clinic.tenant, Provider, Provider.id == clinic.chloe.id)
    assert chloe.feed_token_hash and token not in chloe.feed_token_hash and len(chloe.feed_token_hash) == 64
    page = text(html(owner.get(f"/dashboard/providers/{clinic.chloe.id}")))
    assert "A feed link is active" in page and token not in page
    second = _regenerate(owner, clinic.chloe)
    assert second != first
    guest = visitor(clinic.host)
    assert guest.get(first).status_code == 404 and guest.get(second).status_code == 200
    actions = [e.action for e in rows(clinic.tenant, AuditEvent, AuditEvent.entity_type == "Provider")]
    assert actions == ["provider.calendar_feed.create", "provider.calendar_feed.regenerate"]
    assert all(token not in str(e.details) for e in rows(clinic.tenant, AuditEvent))


def test_a_revoked_link_is_404(clinic, owner, visitor):
    path = _regenerate(owner, clinic.chloe)
    response = owner.post(f"/dashboard/providers/{clinic.chloe.id}/calendar-feed/revoke")
    assert response.status_code == 303
    assert visitor(clinic.host).get(path).status_code == 404
    (chloe,) = rows(clinic.tenant, Provider, Provider.id == clinic.chloe.id)
    assert chloe.feed_token_hash is None
    assert "No feed link yet" in text(html(owner.get(f"/dashboard/providers/{clinic.chloe.id}")))
    assert [e.action for e in rows(clinic.tenant, AuditEvent, AuditEvent.action == "provider.calendar_feed.revoke")]


def test_another_practices_link_is_404_here(clinic, owner, visitor, elsewhere):
    other = visitor(host_of(elsewhere["tenant"]))
    assert other.sign_in(elsewhere["owner"].email, factories.PASSWORD).status_code == 303
    path = _regenerate(other, elsewhere["provider"])
    assert other.get(path).status_code == 200
    assert visitor(clinic.host).get(path).status_code == 404
    assert visitor(clinic.host).get("/calendar-feeds/made-up-token.ics").status_code == 404


def test_the_provider_themself_may_manage_their_feed_and_staff_may_not(clinic, visitor):
    user = factories.user(clinic.tenant, "provider")
    with tenant_context(clinic.tenant):
        db.session.get(Provider, clinic.chloe.id).user_id = user.id
        db.session.commit()
    chloe = signed_in(visitor, clinic, user=user)
    assert "Create feed link" in html(chloe.get(f"/dashboard/providers/{clinic.chloe.id}"))
    path = _regenerate(chloe, clinic.chloe)
    assert visitor(clinic.host).get(path).status_code == 200
    # Not another provider's, and not the front desk's.
    assert "Calendar feed" not in html(chloe.get(f"/dashboard/providers/{clinic.ben.id}"))
    assert chloe.post(f"/dashboard/providers/{clinic.ben.id}/calendar-feed").status_code == 403
    desk = signed_in(visitor, clinic, "staff")
    assert "Calendar feed" not in html(desk.get(f"/dashboard/providers/{clinic.chloe.id}"))
    assert desk.post(f"/dashboard/providers/{clinic.chloe.id}/calendar-feed/revoke").status_code == 403
    assert visitor(clinic.host).get(path).status_code == 200
