"""Working hours in the dashboard: the weekly editor (with and without JavaScript), date overrides,
time off, the preview of online times, and who may edit whose hours."""
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules import availability
from app.modules.audit.models import AuditEvent
from app.modules.catalogue.models import Location
from app.modules.schedules.hours import DAYS
from app.modules.schedules.models import ScheduleOverride, TimeOff, WorkingHours
from tests.support import factories
from tests.support.clients import signed_in
from tests.support.database import scalars as rows
from tests.support.pages import html
from tests.support.practice import add, working

PASSWORD = factories.PASSWORD
UTC = timezone.utc


def hours_path(clinic, provider=None, location=None) -> str:
    provider, location = provider or clinic.chloe, location or clinic.london
    return f"/dashboard/setup/providers/{provider.id}/hours?location_id={location.id}"


def week(per_day: dict, action="save") -> dict:
    """The weekly form as a browser posts it: ``{weekday: [("09:00", "12:00"), …]}``."""
    data = {"action": action}
    for weekday, intervals in per_day.items():
        for row, (start, end) in enumerate(intervals):
            data[f"{DAYS[weekday]}-{row}-starts_at"] = start
            data[f"{DAYS[weekday]}-{row}-ends_at"] = end
    return data


def every_day(*intervals) -> dict:
    return {weekday: list(intervals) for weekday in range(7)}


def chloes_london_hours(clinic) -> list[tuple[int, str, str]]:
    found = rows(clinic.tenant, select(WorkingHours).where(WorkingHours.provider_id == clinic.chloe.id,
                                                           WorkingHours.location_id == clinic.london.id)
                 .order_by(WorkingHours.weekday, WorkingHours.starts_at))
    return [(h.weekday, h.starts_at.strftime("%H:%M"), h.ends_at.strftime("%H:%M")) for h in found]


def slot_labels(clinic, day, provider=None, location=None) -> list[str]:
    with tenant_context(clinic.tenant):
        calendar = availability.load(db.session, service=clinic.dental, location=location or clinic.london,
                                     first_day=day, last_day=day, provider_id=(provider or clinic.chloe).id)
        return [slot.label for slot in calendar.slots(clock.now())]


def actions(clinic, like="hours.%") -> list[str]:
    return rows(clinic.tenant, select(AuditEvent.action).where(AuditEvent.action.like(like)).order_by(AuditEvent.id))


def test_the_editor_shows_the_weekly_hours_with_an_empty_row_for_each_day(clinic, visitor):
    owner = signed_in(visitor, clinic)
    page = html(owner.get(hours_path(clinic)))
    assert "Working hours: Chloe Martin" in page and "Harbour Street" in page
    assert 'name="monday-0-starts_at" type="time" value="09:00"' in page
    assert 'name="sunday-0-ends_at" type="time" value="17:00"' in page
    assert 'name="monday-1-starts_at" type="time" value=""' in page  # the row to type another interval in
    assert 'value="add-0"' in page and 'value="remove-0-0"' in page and 'value="copy"' in page
    # Only the provider's active locations are offered: Chloe's closed Old Branch is not.
    assert "Old Branch" not in page


def test_split_hours_are_saved_and_the_engine_offers_them(clinic, visitor):
    owner = signed_in(visitor, clinic)
    response = owner.post(hours_path(clinic), week(every_day(("09:00", "12:00"), ("13:00", "17:00"))))
    assert response.status_code == 303 and response.headers["Location"].endswith(hours_path(clinic))
    assert chloes_london_hours(clinic) == [(d, s, e) for d in range(7) for s, e in (("09:00", "12:00"), ("13:00", "17:00"))]
    labels = slot_labels(clinic, clinic.day(3))
    assert "09:00" in labels and "11:30" in labels and "13:00" in labels and "16:30" in labels
    assert not {"11:45", "12:00", "12:15", "12:30", "12:45"} & set(labels)
    page = html(owner.get(hours_path(clinic)))
    assert 'name="monday-1-starts_at" type="time" value="13:00"' in page and "Weekly hours at Harbour Street saved." in page
    assert actions(clinic) == ["hours.weekly.save"]
    (event,) = rows(clinic.tenant, select(AuditEvent).where(AuditEvent.action == "hours.weekly.save"))
    assert event.entity_type == "Provider" and event.entity_id == clinic.chloe.id
    assert event.details["location_id"] == clinic.london.id
    assert event.details["after"]["monday"] == ["09:00-12:00", "13:00-17:00"]
    assert event.details["before"]["monday"] != event.details["after"]["monday"]


def test_an_end_before_its_start_is_refused_at_its_field_and_nothing_written(clinic, visitor):
    owner = signed_in(visitor, clinic)
    before = chloes_london_hours(clinic)
    response = owner.post(hours_path(clinic), week({0: [("09:00", "12:00"), ("14:00", "13:00")], 1: [("10:00", "11:00")]}))
    assert response.status_code == 422
    page = html(response)
    error_at = page.index("The end must be after the start (14:00).")
    assert page.rindex('name="monday-1-ends_at"', 0, error_at) > page.rindex('name="monday-1-starts_at"', 0, error_at)
    assert 'aria-invalid="true" id="monday-1-ends_at"' in page
    assert 'name="tuesday-0-starts_at" type="time" value="10:00"' in page  # the values are kept
    assert chloes_london_hours(clinic) == before and actions(clinic) == []


def test_overlapping_intervals_of_one_day_are_refused(clinic, visitor):
    owner = signed_in(visitor, clinic)
    before = chloes_london_hours(clinic)
    response = owner.post(hours_path(clinic), week({2: [("09:00", "12:00"), ("11:00", "15:00")]}))
    assert response.status_code == 422
    page = html(response)
    assert "Overlaps 09:00–12:00 on Wednesday." in page and 'aria-invalid="true" id="wednesday-1-starts_at"' in page
    assert 'name="wednesday-1-starts_at" type="time" value="11:00"' in page
    assert chloes_london_hours(clinic) == before and actions(clinic) == []


def test_hours_at_another_location_at_the_same_time_are_refused(clinic, visitor):
    with tenant_context(clinic.tenant):
        canal = add(Location(tenant_id=clinic.tenant.id, name="Canal Side", timezone="Europe/London"))
        add(*working(clinic.tenant, clinic.chloe, canal, hours=("08:00", "10:00"), days=[0]))
    owner = signed_in(visitor, clinic)
    before = chloes_london_hours(clinic)
    response = owner.post(hours_path(clinic), week({0: [("09:30", "17:00")], 1: [("09:00", "17:00")]}))
    assert response.status_code == 422
    page = html(response)
    assert "Chloe Martin works at Canal Side then: Monday 08:00–10:00." in page
    assert 'aria-invalid="true" id="monday-0-starts_at"' in page
    assert chloes_london_hours(clinic) == before
    # Starting when she leaves the other place is fine.
    assert owner.post(hours_path(clinic), week({0: [("10:00", "17:00")]})).status_code == 303
    assert chloes_london_hours(clinic) == [(0, "10:00", "17:00")]


def test_hours_in_another_zone_clash_when_they_really_meet(clinic, visitor):
    """Brooklyn's 09:00 is London's 14:00 (or 13:00 for a few weeks a year): compared as instants."""
    with tenant_context(clinic.tenant):
        add(*working(clinic.tenant, clinic.chloe, clinic.brooklyn, hours=("13:00", "15:00"), days=[4]))
    owner = signed_in(visitor, clinic)
    brooklyn = hours_path(clinic, location=clinic.brooklyn)
    response = owner.post(brooklyn, week({4: [("09:00", "11:00")]}))
    assert response.status_code == 422
    assert "Chloe Martin works at Harbour Street then: Friday 09:00–17:00 (Europe/London)." in html(response)
    # Brooklyn's 13:00 to 15:00 is London's evening: no clash with her 09:00 to 17:00 there.
    assert owner.post(brooklyn, week({4: [("13:00", "15:00")]})).status_code == 303


def test_copy_monday_to_all_weekdays_without_javascript(clinic, visitor):
    owner = signed_in(visitor, clinic)
    posted = week({0: [("08:00", "11:00"), ("12:00", "16:00")], 1: [("09:00", "17:00")], 5: [("10:00", "13:00")]},
                  action="copy")
    response = owner.post(hours_path(clinic), posted)
    assert response.status_code == 200
    page = html(response)
    for day in ("tuesday", "wednesday", "thursday", "friday"):
        assert f'name="{day}-0-starts_at" type="time" value="08:00"' in page
        assert f'name="{day}-1-ends_at" type="time" value="16:00"' in page
        assert f'name="{day}-2-starts_at" type="time" value=""' in page
    assert 'name="saturday-0-starts_at" type="time" value="10:00"' in page  # the weekend keeps its hours
    assert chloes_london_hours(clinic)[0] == (0, "09:00", "17:00")  # nothing saved yet
    copied = week({d: [("08:00", "11:00"), ("12:00", "16:00")] for d in range(5)} | {5: [("10:00", "13:00")]})
    assert owner.post(hours_path(clinic), copied).status_code == 303
    saved = chloes_london_hours(clinic)
    assert [(d, s, e) for d, s, e in saved if d == 3] == [(3, "08:00", "11:00"), (3, "12:00", "16:00")]
    assert [d for d, _, _ in saved].count(6) == 0


def test_adding_and_removing_rows_without_javascript_keeps_the_values(clinic, visitor):
    owner = signed_in(visitor, clinic)
    posted = week({0: [("09:00", "12:00"), ("", "")], 2: [("07:00", "08:00")]}, action="add-0")
    response = owner.post(hours_path(clinic), posted)
    assert response.status_code == 200
    page = html(response)
    assert page.startswith("<!doctype html>")  # a plain request gets the whole page back
    assert 'name="monday-0-starts_at" type="time" value="09:00"' in page
    assert 'name="monday-2-starts_at" type="time" value=""' in page  # one more row to type in
    assert 'name="wednesday-0-starts_at" type="time" value="07:00"' in page
    posted = week({0: [("09:00", "12:00"), ("13:00", "17:00"), ("18:00", "19:00")]}, action="remove-0-1")
    page = html(owner.post(hours_path(clinic), posted))
    assert 'value="13:00"' not in page and 'value="18:00"' in page
    assert chloes_london_hours(clinic)[0] == (0, "09:00", "17:00")  # nothing saved by editing the rows
    # Then saved as typed: the empty rows are left out.
    assert owner.post(hours_path(clinic), week({0: [("09:00", "12:00"), ("", ""), ("18:00", "19:00")]})).status_code == 303
    assert chloes_london_hours(clinic) == [(0, "09:00", "12:00"), (0, "18:00", "19:00")]


def test_a_day_holds_at_most_a_dozen_rows(clinic, visitor):
    owner = signed_in(visitor, clinic)
    full = week({0: [(f"{h:02}:00", f"{h:02}:30") for h in range(6, 26 - 6)]}, action="add-0")  # 14 rows posted
    page = html(owner.post(hours_path(clinic), full))
    assert 'name="monday-11-starts_at" type="time" value="17:00"' in page and 'name="monday-12-starts_at"' not in page
    assert 'value="add-0"' not in page and 'value="add-1"' in page


def test_with_htmx_the_row_buttons_swap_the_form_alone(clinic, visitor):
    owner = signed_in(visitor, clinic)
    response = owner.post(hours_path(clinic), week({0: [("09:00", "12:00"), ("", "")]}, action="add-0"), htmx=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    page = html(response)
    assert page.lstrip().startswith('<form id="hours-form"') and "<html" not in page
    assert 'name="monday-1-starts_at"' in page and 'name="monday-2-starts_at"' in page
    saved = owner.post(hours_path(clinic), week({0: [("09:00", "12:00")]}), htmx=True)
    assert saved.headers["HX-Redirect"].endswith(hours_path(clinic))


def test_the_page_previews_the_online_times_of_the_coming_week(clinic, visitor):
    owner = signed_in(visitor, clinic)
    day = clinic.day(2)
    page = html(owner.get(hours_path(clinic)))
    assert page.count("<dt>") == 7 and f"<dt>{day.strftime('%A %d %B')}</dt>" in page
    shown = page.split(f"<dt>{day.strftime('%A %d %B')}</dt>")[1].split("</dd>")[0]
    assert shown.count('class="slot"') == len(slot_labels(clinic, day)) > 0
    assert '<span class="slot">09:00</span>' in shown and '<span class="slot">16:30</span>' in shown


def test_a_day_off_removes_that_days_slots_and_can_be_removed(clinic, visitor):
    owner = signed_in(visitor, clinic)
    day = clinic.day(3)
    assert slot_labels(clinic, day)
    path = f"/dashboard/setup/providers/{clinic.chloe.id}/hours/overrides?location_id={clinic.london.id}"
    assert owner.post(path, {"on_date": day.isoformat(), "day_off": "y"}).status_code == 303
    assert slot_labels(clinic, day) == [] and slot_labels(clinic, clinic.day(4))
    page = html(owner.get(hours_path(clinic)))
    assert "Day off" in page and day.strftime("%a %d %b %Y") in page
    assert page.split(f"<dt>{day.strftime('%A %d %B')}</dt>")[1].split("</dd>")[0].strip() == "<dd>No online times."
    (override,) = rows(clinic.tenant, select(ScheduleOverride))
    assert (override.on_date, override.is_day_off, override.location_id) == (day, True, clinic.london.id)
    remove = f"/dashboard/setup/providers/{clinic.chloe.id}/hours/overrides/remove?location_id={clinic.london.id}"
    assert owner.post(remove, {"item_id": override.id}).status_code == 303
    assert rows(clinic.tenant, select(ScheduleOverride)) == [] and slot_labels(clinic, day)
    assert actions(clinic) == ["hours.override.add", "hours.override.remove"]


def test_hours_on_a_date_replace_that_weekdays_and_are_checked(clinic, visitor):
    owner = signed_in(visitor, clinic)
    day = clinic.day(3)
    path = f"/dashboard/setup/providers/{clinic.chloe.id}/hours/overrides?location_id={clinic.london.id}"
    assert owner.post(path, {"on_date": day.isoformat(), "starts_at": "14:00", "ends_at": "16:00"}).status_code == 303
    labels = slot_labels(clinic, day)
    assert labels[0] == "14:00" and labels[-1] == "15:30"
    response = owner.post(path, {"on_date": day.isoformat(), "starts_at": "15:00", "ends_at": "18:00"})
    assert response.status_code == 422 and "Overlaps 14:00–16:00 on that date." in html(response)
    assert 'value="18:00"' in html(response)
    response = owner.post(path, {"on_date": day.isoformat(), "day_off": "y"})
    assert response.status_code == 422 and "has its own hours: remove them first." in html(response)
    response = owner.post(path, {"on_date": day.isoformat(), "starts_at": "12:00", "ends_at": "11:00"})
    assert response.status_code == 422 and "The end must be after the start." in html(response)
    assert len(rows(clinic.tenant, select(ScheduleOverride))) == 1 and actions(clinic) == ["hours.override.add"]


def test_time_off_removes_slots_and_is_stored_in_utc(clinic, visitor):
    owner = signed_in(visitor, clinic)
    day = clinic.day(3)
    path = f"/dashboard/setup/providers/{clinic.chloe.id}/time-off?location_id={clinic.london.id}"
    response = owner.post(path, {"starts_on": day.isoformat(), "starts_time": "10:00", "ends_on": day.isoformat(),
                                 "ends_time": "12:00", "reason": "Dentist"})
    assert response.status_code == 303
    (absence,) = rows(clinic.tenant, select(TimeOff))
    assert (absence.starts_at, absence.ends_at) == (clinic.at(day, "10:00"), clinic.at(day, "12:00"))
    labels = slot_labels(clinic, day)
    assert "09:00" in labels and "13:00" in labels
    assert not {"10:00", "10:30", "11:00", "11:30"} & set(labels)
    page = html(owner.get(hours_path(clinic)))
    assert "Dentist" in page and f"{day.strftime('%a %d %b %Y')} 10:00" in page
    remove = f"/dashboard/setup/providers/{clinic.chloe.id}/time-off/remove?location_id={clinic.london.id}"
    assert owner.post(remove, {"item_id": absence.id}).status_code == 303
    assert rows(clinic.tenant, select(TimeOff)) == [] and "10:30" in slot_labels(clinic, day)
    assert actions(clinic) == ["hours.time_off.add", "hours.time_off.remove"]


def test_time_off_in_brooklyn_is_entered_in_its_zone(clinic, visitor):
    owner = signed_in(visitor, clinic)
    day = clinic.day(3, clinic.brooklyn)
    path = f"/dashboard/setup/providers/{clinic.ben.id}/time-off?location_id={clinic.brooklyn.id}"
    assert owner.post(path, {"starts_on": day.isoformat(), "reason": "Away"}).status_code == 303
    (absence,) = rows(clinic.tenant, select(TimeOff))
    # An empty start time is the start of the day there, an empty end the end of the first day.
    assert absence.starts_at == clinic.at(day, "00:00", clinic.brooklyn)
    assert absence.ends_at == clinic.at(day + timedelta(days=1), "00:00", clinic.brooklyn)
    assert slot_labels(clinic, day, clinic.ben, clinic.brooklyn) == []


def test_time_off_ending_before_it_starts_is_refused_with_values_kept(clinic, visitor):
    owner = signed_in(visitor, clinic)
    path = f"/dashboard/setup/providers/{clinic.chloe.id}/time-off?location_id={clinic.london.id}"
    response = owner.post(path, {"starts_on": clinic.day(3).isoformat(), "ends_on": clinic.day(2).isoformat(),
                                 "reason": "Backwards"})
    assert response.status_code == 422
    page = html(response)
    assert "The end must be after the start." in page and 'value="Backwards"' in page
    assert 'aria-invalid="true" id="ends_on"' in page
    assert rows(clinic.tenant, select(TimeOff)) == [] and actions(clinic) == []


def test_the_provider_page_links_to_the_editor(clinic, visitor):
    owner = signed_in(visitor, clinic)
    page = html(owner.get(f"/dashboard/setup/providers/{clinic.chloe.id}/edit"))
    assert f'href="/dashboard/setup/providers/{clinic.chloe.id}/hours"' in page and "Working hours" in page


def provider_user(clinic, provider):
    user = factories.user(clinic.tenant, "provider")
    with tenant_context(clinic.tenant):
        provider.user_id = user.id
        db.session.flush()
    return user


def let_providers_manage_their_hours(clinic, allowed=True):
    with tenant_context(clinic.tenant):
        clinic.tenant.providers_manage_own_hours = allowed
        db.session.flush()


def test_a_provider_edits_their_own_hours_only_when_the_practice_allows_it(clinic, visitor):
    chloe = signed_in(visitor, clinic, user=provider_user(clinic, clinic.chloe))
    assert chloe.get(hours_path(clinic)).status_code == 403
    assert chloe.post(hours_path(clinic), week({0: [("09:00", "10:00")]})).status_code == 403
    assert chloes_london_hours(clinic)[0] == (0, "09:00", "17:00")
    assert "Your working hours" not in html(chloe.get("/dashboard/"))
    let_providers_manage_their_hours(clinic)
    assert f'href="/dashboard/setup/providers/{clinic.chloe.id}/hours"' in html(chloe.get("/dashboard/"))
    assert "Working hours: Chloe Martin" in html(chloe.get(hours_path(clinic)))
    assert chloe.post(hours_path(clinic), week({0: [("09:00", "10:00")]})).status_code == 303
    assert chloes_london_hours(clinic) == [(0, "09:00", "10:00")]
    time_off = f"/dashboard/setup/providers/{clinic.chloe.id}/time-off?location_id={clinic.london.id}"
    assert chloe.post(time_off, {"starts_on": clinic.day(3).isoformat(), "reason": "Course"}).status_code == 303
    (event,) = rows(clinic.tenant, select(AuditEvent).where(AuditEvent.action == "hours.weekly.save"))
    assert event.actor_user_id == clinic.chloe.user_id
    # Ben's hours are not hers to see.
    assert chloe.get(hours_path(clinic, clinic.ben, clinic.brooklyn)).status_code == 404
    ben_time_off = f"/dashboard/setup/providers/{clinic.ben.id}/time-off?location_id={clinic.brooklyn.id}"
    assert chloe.post(ben_time_off, {"starts_on": clinic.day(3).isoformat()}).status_code == 404
    assert len(rows(clinic.tenant, select(TimeOff))) == 1


def test_staff_are_refused(clinic, visitor):
    let_providers_manage_their_hours(clinic)
    staff = signed_in(visitor, clinic, "staff")
    assert staff.get(hours_path(clinic)).status_code == 403
    assert staff.post(hours_path(clinic), week({0: [("09:00", "10:00")]})).status_code == 403
    assert chloes_london_hours(clinic)[0] == (0, "09:00", "17:00") and actions(clinic) == []


def test_a_location_the_provider_does_not_work_at_is_404(clinic, visitor):
    owner = signed_in(visitor, clinic)
    assert owner.get(hours_path(clinic, clinic.ben, clinic.london)).status_code == 404
    assert owner.get(hours_path(clinic, clinic.chloe, clinic.closed_branch)).status_code == 404


def test_another_tenants_ids_are_404(clinic, elsewhere, visitor):
    owner = signed_in(visitor, clinic)
    theirs, their_location = elsewhere["provider"].id, elsewhere["location"].id
    assert owner.get(f"/dashboard/setup/providers/{theirs}/hours").status_code == 404
    assert owner.post(f"/dashboard/setup/providers/{theirs}/hours", week({0: [("09:00", "10:00")]})).status_code == 404
    assert owner.get(hours_path(clinic).replace(f"location_id={clinic.london.id}", f"location_id={their_location}")).status_code == 404
    with tenant_context(elsewhere["tenant"]):
        their_time_off = add(TimeOff(tenant_id=elsewhere["tenant"].id, provider_id=theirs,
                                     starts_at=datetime(2030, 1, 1, tzinfo=UTC), ends_at=datetime(2030, 1, 2, tzinfo=UTC)))
        their_override = add(ScheduleOverride(tenant_id=elsewhere["tenant"].id, provider_id=theirs, location_id=their_location,
                                              on_date=datetime(2030, 1, 1).date(), is_day_off=True))
    base = f"/dashboard/setup/providers/{clinic.chloe.id}"
    assert owner.post(f"{base}/time-off/remove?location_id={clinic.london.id}", {"item_id": their_time_off.id}).status_code == 404
    assert owner.post(f"{base}/hours/overrides/remove?location_id={clinic.london.id}",
                      {"item_id": their_override.id}).status_code == 404
    assert len(rows(elsewhere["tenant"], select(TimeOff))) == 1
    assert len(rows(elsewhere["tenant"], select(ScheduleOverride))) == 1
    assert rows(clinic.tenant, select(WorkingHours.starts_at).where(WorkingHours.provider_id == theirs)) == []
    assert time(9) in rows(elsewhere["tenant"], select(WorkingHours.starts_at))
