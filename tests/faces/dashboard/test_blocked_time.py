"""Blocked time from the calendar: a break or time off for a provider takes those online slots away at once."""
import pytest
from sqlalchemy import select

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules import availability
from app.modules.audit.models import AuditEvent
from app.modules.catalogue.models import Provider
from app.modules.schedules.models import TimeOff
from tests.support import factories
from tests.support.clients import signed_in
from tests.support.database import rows
from tests.support.database import scalars as committed
from tests.support.pages import form_fields, html, text


def starts(clinic, day) -> set[str]:
    """Chloe's online dental times in London that day, as local HH:MM."""
    with tenant_context(clinic.tenant):
        calendar = availability.load(db.session, service=clinic.dental, location=clinic.london, first_day=day,
                                     last_day=day, provider_id=clinic.chloe.id)
        return {slot.local_start.strftime("%H:%M") for slot in calendar.slots(clock.now())}


def _post(desk, clinic, day, htmx=False, **values):
    form = {"provider_id": clinic.chloe.id, "location_id": clinic.london.id, "date": day.isoformat(),
            "from": "12:00", "to": "13:00", "reason": "Lunch"} | values
    return desk.post("/dashboard/calendar/blocked-time", {k: str(v) for k, v in form.items()}, htmx=htmx)


@pytest.fixture
def desk(clinic, visitor):
    return signed_in(visitor, clinic, "staff")


def test_the_page_is_filled_from_the_calendar_cell(clinic, desk):
    day = clinic.day(3)
    page = html(desk.get(f"/dashboard/calendar/blocked-time/new?provider_id={clinic.chloe.id}"
                         f"&location_id={clinic.london.id}&date={day.isoformat()}"))
    fields = form_fields(page, "blocked-time-form")
    assert fields["provider_id"] == str(clinic.chloe.id) and fields["location_id"] == str(clinic.london.id)
    assert fields["date"] == day.isoformat() and "from" in page and "Block time" in text(page)
    # Without a date the form starts from today.
    today = clock.today_in(clinic.tenant.timezone).isoformat()
    assert form_fields(html(desk.get("/dashboard/calendar/blocked-time/new")), "blocked-time-form")["date"] == today


def test_a_break_removes_those_online_slots_at_once(clinic, desk):
    day = clinic.day(3)
    assert {"12:00", "12:15", "12:30"} <= starts(clinic, day)
    response = _post(desk, clinic, day)
    assert response.status_code == 303 and response.headers["Location"] == "/dashboard/"
    (blocked,) = rows(clinic.tenant, TimeOff)
    assert (blocked.provider_id, blocked.starts_at, blocked.ends_at, blocked.reason) == (
        clinic.chloe.id, clinic.at(day, "12:00"), clinic.at(day, "13:00"), "Lunch")
    left = starts(clinic, day)
    # A 30-minute check-up with 5 minutes before and 10 after cannot touch 12:00–13:00.
    assert not {"11:30", "11:45", "12:00", "12:15", "12:30", "12:45"} & left and {"11:15", "13:15"} <= left
    (event,) = committed(clinic.tenant, select(AuditEvent).where(AuditEvent.action == "hours.time_off.add"))
    assert event.details["reason"] == "Lunch" and event.entity_id == blocked.id


def test_a_whole_day_off_and_the_way_back_to_the_calendar(clinic, desk):
    day = clinic.day(4)
    back = f"/dashboard/calendar?date={day.isoformat()}"
    response = _post(desk, clinic, day, **{"from": "", "to": "", "reason": "Training", "next": back})
    assert response.status_code == 303 and response.headers["Location"] == back
    assert starts(clinic, day) == set()
    # Somewhere else than the dashboard is not a way back.
    other = _post(desk, clinic, clinic.day(5), **{"next": "https://evil.example/"})
    assert other.headers["Location"] == "/dashboard/"


def test_htmx_gets_204_and_the_calendar_reloads(clinic, desk):
    response = _post(desk, clinic, clinic.day(3), htmx=True)
    assert response.status_code == 204 and response.headers["HX-Trigger"] == "calendar-changed"
    assert len(rows(clinic.tenant, TimeOff)) == 1


def test_refusals_are_shown_at_their_field_with_values_kept(clinic, desk):
    day = clinic.day(3)
    response = _post(desk, clinic, day, **{"from": "14:00", "to": "13:00", "reason": "Dentist"})
    assert response.status_code == 422
    page = html(response)
    assert "The end must be after the start." in page and 'value="Dentist"' in page
    ben_in_london = _post(desk, clinic, day, provider_id=clinic.ben.id)
    assert ben_in_london.status_code == 422
    assert "Ben Okafor does not work at Harbour Street." in text(html(ben_in_london))
    assert _post(desk, clinic, day, date="").status_code == 422
    assert rows(clinic.tenant, TimeOff) == []


def test_a_provider_blocks_only_their_own_time(clinic, visitor):
    user = factories.user(clinic.tenant, "provider")
    with tenant_context(clinic.tenant):
        db.session.get(Provider, clinic.ben.id).user_id = user.id
        db.session.commit()
    ben = signed_in(visitor, clinic, user=user)
    page = html(ben.get("/dashboard/calendar/blocked-time/new"))
    assert "Ben Okafor" in page and "Chloe Martin" not in page
    assert _post(ben, clinic, clinic.day(3)).status_code == 404
    brooklyn = _post(ben, clinic, clinic.day(3, clinic.brooklyn), provider_id=clinic.ben.id,
                     location_id=clinic.brooklyn.id, **{"from": "10:00", "to": "11:00"})
    assert brooklyn.status_code == 303
    (blocked,) = rows(clinic.tenant, TimeOff)
    assert blocked.provider_id == clinic.ben.id
    assert blocked.starts_at == clinic.at(clinic.day(3, clinic.brooklyn), "10:00", clinic.brooklyn)


def test_another_tenants_provider_is_404(clinic, desk, elsewhere):
    response = _post(desk, clinic, clinic.day(3), provider_id=elsewhere["provider"].id)
    assert response.status_code == 404
    assert rows(clinic.tenant, TimeOff) == []
