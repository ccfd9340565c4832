"""The front desk's calendar: the day (providers as columns), week, month and agenda views; their
15-minute rows on daylight-saving days in two zones; who sees whose calendar; the filters, pushed URLs
and htmx blocks; the markup the create and move parts rely on; and the statements each view costs."""
import re
from datetime import date, datetime, time, timedelta, timezone
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments.models import AppointmentParticipant
from app.modules.catalogue.models import LocationClosure, Provider
from app.modules.schedules.models import ScheduleOverride, TimeOff
from tests.support import factories
from tests.support.clients import signed_in
from tests.support.pages import html, is_fragment, text
from tests.support.practice import add, working

UTC = timezone.utc
TODAY = date(2031, 3, 12)  # the suite's clock: Wednesday 12 March 2031, 09:30 UTC (GMT in London)


class Grid(HTMLParser):
    """The calendar grid as a reader (and a script) meets it: headings, time labels, cells and blocks."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.heads, self.times, self.cells, self.blocks, self.now = [], [], [], [], []
        self._open: list = []
        self._column, self._column_data = None, {}
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if "cal-col" in classes:
            self._column, self._column_data = attrs.get("id", "times"), attrs
        kind = next((k for k in ("cal-head", "cal-time", "cell", "block", "now") if k in classes), None)
        if kind:
            # The column an item is drawn in (the id of the column element around it), told as a class.
            # What a script reads of the cell's column (its provider and date) comes along as "column".
            item = {"tag": tag, "classes": classes + [self._column], "text": "", "column": self._column_data, **attrs}
            {"cal-head": self.heads, "cal-time": self.times, "cell": self.cells, "block": self.blocks,
             "now": self.now}[kind].append(item)
            self._open.append((tag, item))
        elif self._open:
            self._open.append((tag, None))

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for _, item in self._open:
            if item is not None:
                item["text"] += data

    def labels(self) -> list[str]:
        return [t["text"].strip() for t in self.times]

    def head_names(self) -> list[str]:
        return [re.sub(r"\s+", " ", h["text"]).strip() for h in self.heads]

    def column_of(self, name: str) -> str:
        [head] = [h for h in self.heads if h["text"].strip().startswith(name)]
        return head["classes"][-1]

    def row_of(self, label: str) -> str:
        [row] = [t for t in self.times if t["text"].strip() == label]
        return next(c for c in row["classes"] if c.startswith("r-"))

    def cell(self, column: str, row: str) -> dict:
        [found] = [c for c in self.cells if column in c["classes"] and row in c["classes"]]
        return found


def day_path(day: date, location, **query) -> str:
    extra = "".join(f"&{name}={value}" for name, value in query.items())
    return f"/dashboard/calendar?date={day.isoformat()}&location_id={location.id}{extra}"


def at(day: date, hhmm: str, zone: str, fold: int = 0) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=ZoneInfo(zone)).replace(fold=fold).astimezone(UTC)


def appointment(clinic, provider, starts_at, service=None, location=None, status="confirmed", **customer):
    return factories.appointment(clinic.tenant, location=location or clinic.london, provider=provider,
                                 service=service or clinic.dental, starts_at=starts_at, status=status,
                                 customer=factories.customer(clinic.tenant, **customer))


def hours_on(clinic, provider, location, day: date, opens: str, closes: str):
    factories.save(clinic.tenant, ScheduleOverride(
        tenant_id=clinic.tenant.id, provider_id=provider.id, location_id=location.id, on_date=day,
        starts_at=time.fromisoformat(opens), ends_at=time.fromisoformat(closes)))


def provider_user(clinic, provider):
    user = factories.user(clinic.tenant, "provider")
    with tenant_context(clinic.tenant):
        provider.user_id = user.id
        db.session.flush()
    return user


# The day view


def test_the_day_shows_the_providers_working_there_on_15_minute_rows_of_their_hours(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    page = html(desk.get(day_path(TODAY, clinic.london)))
    grid = Grid(page)

    assert grid.head_names() == ["Chloe Martin"]  # Ben works in Brooklyn; the former dentist has left
    labels = grid.labels()
    assert labels[0] == "09:00" and labels[-1] == "16:45" and len(labels) == 32
    assert labels[:3] == ["09:00", "09:15", "09:30"]
    assert "Wednesday 12 March 2031" in text(page) and "Harbour Street" in text(page)


def test_show_all_adds_the_locations_providers_who_do_not_work_that_day(clinic, visitor):
    with tenant_context(clinic.tenant):
        dana = add(Provider(tenant_id=clinic.tenant.id, name="Dana Weekends"))
        add(*working(clinic.tenant, dana, clinic.london, hours=("08:00", "12:00"), days=(5, 6)))
    desk = signed_in(visitor, clinic, "staff")

    assert Grid(html(desk.get(day_path(TODAY, clinic.london)))).head_names() == ["Chloe Martin"]
    every = Grid(html(desk.get(day_path(TODAY, clinic.london, all=1))))
    assert every.head_names() == ["Chloe Martin", "Dana Weekends (not working)"]
    assert every.cell(every.column_of("Dana"), every.row_of("09:00"))["classes"][1] == "off"
    saturday = Grid(html(desk.get(day_path(date(2031, 3, 15), clinic.london))))
    assert saturday.head_names() == ["Chloe Martin", "Dana Weekends"]
    assert saturday.labels()[0] == "08:00"  # the earliest start of the day's hours


def test_every_empty_cell_links_to_the_create_page_with_its_provider_location_and_utc_start(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    grid = Grid(html(desk.get(day_path(TODAY, clinic.london))))
    cell = grid.cell(grid.column_of("Chloe"), grid.row_of("10:15"))

    assert cell["tag"] == "a"
    assert cell["href"] == (f"/dashboard/appointments/new?provider_id={clinic.chloe.id}&location_id={clinic.london.id}"
                            "&start=2031-03-12T10:15Z")
    assert (cell["column"]["data-provider-id"], cell["column"]["data-date"], cell["data-time"]) == (
        str(clinic.chloe.id), "2031-03-12", "10:15")
    assert "Book Chloe Martin" in cell["text"]
    assert all(c["tag"] == "a" and c["href"].startswith("/dashboard/appointments/new?") for c in grid.cells
               if "buffer" not in c["classes"])


def test_an_appointment_is_a_block_with_customer_service_and_status_as_text_and_what_a_move_needs(clinic, visitor):
    booked = appointment(clinic, clinic.chloe, at(TODAY, "11:00", "Europe/London"), name="Grace Hopper")
    appointment(clinic, clinic.chloe, at(TODAY, "14:00", "Europe/London"), service=clinic.physio,
                status="pending", name="Alan Turing")
    appointment(clinic, clinic.chloe, at(TODAY, "15:00", "Europe/London"), status="cancelled", name="Gone Away")
    desk = signed_in(visitor, clinic, "staff")
    grid = Grid(html(desk.get(day_path(TODAY, clinic.london))))

    first, second = grid.blocks  # the cancelled appointment holds no time: the agenda lists it, the grid does not
    assert first["href"] == f"/dashboard/appointments/{booked.id}"
    assert first["data-move-url"] == f"/dashboard/appointments/{booked.id}/move"
    assert (first["data-version"], first["data-duration"], first["draggable"]) == ("1", "30", "true")
    assert re.sub(r"\s+", " ", first["text"]).strip() == "11:00–11:30 Grace Hopper Dental check-up Confirmed"
    assert {grid.row_of("11:00"), grid.column_of("Chloe"), "s-2"} <= set(first["classes"])
    assert "Alan Turing" in second["text"] and "Physiotherapy session" in second["text"] and "Pending" in second["text"]
    assert "s-4" in second["classes"]  # 50 minutes touch four quarter hours
    # No empty cell hides under a block; the buffers around the check-up (5 before, 10 after) are drawn.
    chloe = grid.column_of("Chloe")
    assert not [c for c in grid.cells if chloe in c["classes"] and grid.row_of("11:00") in c["classes"]]
    assert "buffer" in grid.cell(chloe, grid.row_of("10:45"))["classes"]
    assert "buffer" in grid.cell(chloe, grid.row_of("11:30"))["classes"]
    assert "Gone Away" not in " ".join(b["text"] for b in grid.blocks)


def test_a_group_session_is_one_block_with_seats_taken_out_of_capacity(clinic, visitor):
    session = appointment(clinic, clinic.chloe, at(TODAY, "12:00", "Europe/London"), service=clinic.pilates,
                          name="Ada Lovelace")
    for name, seats in (("Mary Somerville", 2), ("Left Early", 1)):
        factories.save(clinic.tenant, AppointmentParticipant(
            tenant_id=clinic.tenant.id, appointment_id=session.id, seats=seats,
            customer_id=factories.customer(clinic.tenant, name=name).id,
            cancelled_at=datetime(2031, 3, 1, tzinfo=UTC) if name == "Left Early" else None))
    desk = signed_in(visitor, clinic, "staff")
    [block] = Grid(html(desk.get(day_path(TODAY, clinic.london)))).blocks

    assert "Pilates group class · 3/6 seats" in block["text"]
    assert "Ada Lovelace, Mary Somerville ×2" in block["text"] and "Left Early" not in block["text"]


def test_working_and_non_working_time_time_off_and_closures_are_told_apart(clinic, visitor):
    with tenant_context(clinic.tenant):
        dana = add(Provider(tenant_id=clinic.tenant.id, name="Dana Mornings"))
        add(*working(clinic.tenant, dana, clinic.london, hours=("09:00", "12:00")))
    factories.save(clinic.tenant, TimeOff(tenant_id=clinic.tenant.id, provider_id=clinic.chloe.id,
                                          starts_at=at(TODAY, "13:00", "Europe/London"),
                                          ends_at=at(TODAY, "14:00", "Europe/London"), reason="Dentist"))
    desk = signed_in(visitor, clinic, "staff")
    grid = Grid(html(desk.get(day_path(TODAY, clinic.london))))
    chloe, dana_column = grid.column_of("Chloe"), grid.column_of("Dana")

    assert "working" in grid.cell(dana_column, grid.row_of("11:45"))["classes"]
    off = grid.cell(dana_column, grid.row_of("12:00"))
    assert "off" in off["classes"] and "(not working)" in off["text"]
    lunch = grid.cell(chloe, grid.row_of("13:15"))
    assert "time-off" in lunch["classes"] and "time off" in lunch["text"]
    assert "working" in grid.cell(chloe, grid.row_of("14:00"))["classes"]
    assert grid.head_names() == ["Chloe Martin (time off)", "Dana Mornings"]

    factories.save(clinic.tenant, LocationClosure(tenant_id=clinic.tenant.id, location_id=clinic.london.id,
                                                  starts_on=TODAY, ends_on=TODAY, reason="Staff training"))
    closed = desk.get(day_path(TODAY, clinic.london))
    assert "Harbour Street is closed on this day: Staff training." in text(html(closed))
    assert {c["classes"][1] for c in Grid(html(closed)).cells} == {"closed"}


def test_the_now_line_sits_in_the_row_of_the_current_time(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    grid = Grid(html(desk.get(day_path(TODAY, clinic.london))))
    [now] = grid.now
    assert {grid.row_of("09:30"), grid.column_of("Chloe"), "now-0"} <= set(now["classes"])
    assert Grid(html(desk.get(day_path(TODAY + timedelta(days=1), clinic.london)))).now == []


# Daylight-saving days, in two zones: the skipped hour is absent, the repeated hour appears twice


@pytest.mark.parametrize("zone, day, opens, closes, expected", [
    # London, last Sunday of March: 01:00 GMT becomes 02:00 BST.
    ("Europe/London", date(2031, 3, 30), "00:30", "03:30",
     ["00:30", "00:45", "02:00", "02:15", "02:30", "02:45", "03:00", "03:15"]),
    # London, last Sunday of October: 02:00 BST becomes 01:00 GMT, so 01:00–01:59 happens twice.
    ("Europe/London", date(2031, 10, 26), "00:30", "03:00",
     ["00:30", "00:45", "01:00 BST", "01:15 BST", "01:30 BST", "01:45 BST",
      "01:00 GMT", "01:15 GMT", "01:30 GMT", "01:45 GMT", "02:00", "02:15", "02:30", "02:45"]),
    # New York, second Sunday of March: 02:00 EST becomes 03:00 EDT.
    ("America/New_York", date(2031, 3, 9), "01:00", "04:00",
     ["01:00", "01:15", "01:30", "01:45", "03:00", "03:15", "03:30", "03:45"]),
    # New York, first Sunday of November: 02:00 EDT becomes 01:00 EST.
    ("America/New_York", date(2031, 11, 2), "00:30", "02:30",
     ["00:30", "00:45", "01:00 EDT", "01:15 EDT", "01:30 EDT", "01:45 EDT",
      "01:00 EST", "01:15 EST", "01:30 EST", "01:45 EST", "02:00", "02:15"]),
])
def test_rows_on_daylight_saving_days_are_real_quarter_hours_labelled_in_local_time(clinic, visitor, zone, day,
                                                                                    opens, closes, expected):
    location, provider = (clinic.london, clinic.chloe) if zone == "Europe/London" else (clinic.brooklyn, clinic.ben)
    hours_on(clinic, provider, location, day, opens, closes)
    desk = signed_in(visitor, clinic, "staff")
    grid = Grid(html(desk.get(day_path(day, location))))

    assert grid.labels() == expected
    # Each row's cell starts at its own instant, 15 real minutes after the one before.
    starts = [datetime.strptime(c["href"].rpartition("start=")[2], "%Y-%m-%dT%H:%MZ") for c in grid.cells]
    assert all(later - earlier == timedelta(minutes=15) for earlier, later in zip(starts, starts[1:]))
    assert len(set(starts)) == len(expected)


def test_an_appointment_across_the_repeated_hour_spans_both_of_its_rows(clinic, visitor):
    day = date(2031, 10, 26)
    hours_on(clinic, clinic.chloe, clinic.london, day, "00:30", "03:00")
    booked = appointment(clinic, clinic.chloe, at(day, "01:30", "Europe/London", fold=0), service=clinic.pilates)
    desk = signed_in(visitor, clinic, "staff")
    grid = Grid(html(desk.get(day_path(day, clinic.london))))

    [block] = grid.blocks
    assert block["href"] == f"/dashboard/appointments/{booked.id}"
    # 01:30 BST to 01:30 GMT: an hour, four rows, starting at the first 01:30.
    assert {grid.row_of("01:30 BST"), "s-4"} <= set(block["classes"])
    assert grid.cell(grid.column_of("Chloe"), grid.row_of("01:30 GMT"))["data-time"] == "01:30"


# The week, the month and the agenda


def test_the_week_is_one_provider_with_seven_day_columns(clinic, visitor):
    booked = appointment(clinic, clinic.chloe, at(date(2031, 3, 14), "10:00", "Europe/London"), name="Grace Hopper")
    desk = signed_in(visitor, clinic, "staff")
    page = html(desk.get(f"/dashboard/calendar/week?date=2031-03-12&location_id={clinic.london.id}&provider_id={clinic.chloe.id}"))
    grid = Grid(page)

    assert grid.head_names() == ["Mon 10 Mar", "Tue 11 Mar", "Wed 12 Mar", "Thu 13 Mar", "Fri 14 Mar", "Sat 15 Mar", "Sun 16 Mar"]
    assert grid.labels()[0] == "09:00" and len(grid.labels()) == 32
    [block] = grid.blocks
    assert block["href"] == f"/dashboard/appointments/{booked.id}" and grid.column_of("Fri") in block["classes"]
    friday = grid.cell(grid.column_of("Fri"), grid.row_of("11:00"))
    assert friday["column"]["data-date"] == "2031-03-14" and friday["href"].endswith("start=2031-03-14T11:00Z")
    [now] = grid.now
    assert grid.column_of("Wed") in now["classes"]
    assert "Chloe Martin" in text(page)


def test_the_week_of_a_spring_change_shows_the_gap_on_its_sunday_only(clinic, visitor):
    sunday = date(2031, 3, 30)
    for day in (sunday - timedelta(days=1), sunday):
        hours_on(clinic, clinic.chloe, clinic.london, day, "00:30", "03:00")
    desk = signed_in(visitor, clinic, "staff")
    grid = Grid(html(desk.get(f"/dashboard/calendar/week?date=2031-03-27&location_id={clinic.london.id}")))

    assert grid.labels()[:4] == ["00:30", "00:45", "01:00", "01:15"]
    skipped = grid.cell(grid.column_of("Sun"), grid.row_of("01:15"))
    assert skipped["tag"] == "div" and "skipped" in skipped["classes"] and "clocks change" in skipped["text"]
    saturday = grid.cell(grid.column_of("Sat"), grid.row_of("01:15"))
    assert saturday["href"].endswith("start=2031-03-29T01:15Z")
    assert grid.cell(grid.column_of("Sun"), grid.row_of("02:00"))["href"].endswith("start=2031-03-30T01:00Z")


def test_the_week_of_an_autumn_change_repeats_the_hour_on_its_sunday_only(clinic, visitor):
    sunday = date(2031, 10, 26)
    for day in (sunday - timedelta(days=1), sunday):
        hours_on(clinic, clinic.chloe, clinic.london, day, "00:30", "03:00")
    desk = signed_in(visitor, clinic, "staff")
    grid = Grid(html(desk.get(f"/dashboard/calendar/week?date=2031-10-22&location_id={clinic.london.id}")))

    assert grid.labels()[:12] == ["00:30", "00:45", "01:00 BST", "01:15 BST", "01:30 BST", "01:45 BST",
                                  "01:00 GMT", "01:15 GMT", "01:30 GMT", "01:45 GMT", "02:00", "02:15"]
    saturday, sunday_column = grid.column_of("Sat"), grid.column_of("Sun")
    assert grid.cell(saturday, grid.row_of("01:15 BST"))["href"].endswith("start=2031-10-25T00:15Z")
    assert "skipped" in grid.cell(saturday, grid.row_of("01:15 GMT"))["classes"]
    assert grid.cell(sunday_column, grid.row_of("01:15 BST"))["href"].endswith("start=2031-10-26T00:15Z")
    assert grid.cell(sunday_column, grid.row_of("01:15 GMT"))["href"].endswith("start=2031-10-26T01:15Z")


def test_the_month_counts_each_days_appointments_and_links_to_that_day(clinic, visitor):
    for hhmm in ("10:00", "11:00"):
        appointment(clinic, clinic.chloe, at(date(2031, 3, 20), hhmm, "Europe/London"))
    appointment(clinic, clinic.chloe, at(date(2031, 3, 21), "10:00", "Europe/London"), status="cancelled")
    appointment(clinic, clinic.ben, at(date(2031, 3, 20), "10:00", "America/New_York"), location=clinic.brooklyn)
    desk = signed_in(visitor, clinic, "staff")
    page = html(desk.get(f"/dashboard/calendar/month?date=2031-03-05&location_id={clinic.london.id}"))

    assert "March 2031" in text(page)
    link = f'href="/dashboard/calendar?date=2031-03-20&amp;location_id={clinic.london.id}"'
    assert link in page
    cell = page.split(link, 1)[1].split("</a>", 1)[0]
    assert "2 appointments" in text(cell)
    after = page.split(f'href="/dashboard/calendar?date=2031-03-21&amp;location_id={clinic.london.id}"', 1)[1]
    assert "0 appointments" in text(after.split("</a>", 1)[0])
    # February's last days and April's first fill the weeks; 31 March is a Monday.
    assert "date=2031-02-24" in page and "date=2031-04-06" in page


def test_the_agenda_lists_a_day_or_a_week_cancelled_ones_too(clinic, visitor):
    appointment(clinic, clinic.chloe, at(TODAY, "10:00", "Europe/London"), name="Grace Hopper")
    appointment(clinic, clinic.chloe, at(date(2031, 3, 14), "15:00", "Europe/London"), status="cancelled",
                name="Alan Turing")
    desk = signed_in(visitor, clinic, "staff")

    day = text(html(desk.get(f"/dashboard/calendar/agenda?date=2031-03-12&location_id={clinic.london.id}")))
    assert "Grace Hopper" in day and "Alan Turing" not in day and "Confirmed" in day
    week = text(html(desk.get(f"/dashboard/calendar/agenda?date=2031-03-12&location_id={clinic.london.id}&span=week")))
    assert "Monday 10 March 2031 to Sunday 16 March 2031" in week
    assert "Wed 12 Mar 10:00–10:30 GMT Grace Hopper Dental check-up Chloe Martin Confirmed" in week
    assert "Fri 14 Mar 15:00–15:30 GMT Alan Turing Dental check-up Chloe Martin Cancelled" in week


def test_todays_agenda_is_the_calendars_agenda_of_today_at_every_location(clinic, visitor):
    appointment(clinic, clinic.chloe, at(TODAY, "10:00", "Europe/London"), name="Grace Hopper")
    appointment(clinic, clinic.ben, at(TODAY, "10:00", "America/New_York"), location=clinic.brooklyn,
                name="Alan Turing")
    appointment(clinic, clinic.chloe, at(TODAY, "15:00", "Europe/London"), status="cancelled", name="Gone Away")
    appointment(clinic, clinic.chloe, at(TODAY + timedelta(days=1), "10:00", "Europe/London"), name="Tomorrow Person")
    page = html(signed_in(visitor, clinic, "staff").get("/dashboard/"))
    shown = text(page)
    assert "Today’s agenda Wednesday 12 March 2031 · every location" in shown
    # Each in its own location's time zone, with where it is; cancelled ones too; today's only.
    assert "Wed 12 Mar 10:00–10:30 GMT Grace Hopper Dental check-up Chloe Martin Harbour Street Confirmed" in shown
    assert "Wed 12 Mar 10:00–10:30 EDT Alan Turing" in shown and "Brooklyn Studio" in shown
    assert "Gone Away" in shown and "Cancelled" in shown and "Tomorrow Person" not in shown
    # The calendar's toolbar: its views, today/previous/next of the agenda, and the location filter.
    assert f'href="/dashboard/calendar?date=2031-03-12&amp;location_id={clinic.brooklyn.id}"' in page  # first by name
    assert 'href="/dashboard/calendar/agenda?date=2031-03-13&amp;location_id=all&amp;span=day"' in page
    assert '<option value="all" selected>Every location</option>' in page
    # Its own URL shows the same list, by location or everywhere.
    london = text(html(signed_in(visitor, clinic, "staff").get(
        f"/dashboard/calendar/agenda?date=2031-03-12&location_id={clinic.london.id}")))
    assert "Grace Hopper" in london and "Alan Turing" not in london


# Who sees what


def test_a_provider_sees_only_their_own_calendar(clinic, visitor):
    chloes = appointment(clinic, clinic.chloe, at(TODAY, "10:00", "Europe/London"), name="Grace Hopper")
    bens = appointment(clinic, clinic.ben, at(TODAY, "10:00", "America/New_York"), location=clinic.brooklyn,
                       name="Alan Turing")
    with tenant_context(clinic.tenant):
        add(*working(clinic.tenant, clinic.ben, clinic.london))
    ben = signed_in(visitor, clinic, user=provider_user(clinic, clinic.ben))

    london = Grid(html(ben.get(day_path(TODAY, clinic.london, all=1))))
    assert london.head_names() == ["Ben Okafor"]
    # Only his own appointment, at the other site (10:00 in New York is 14:00 in London), holding his time here too.
    [own] = london.blocks
    assert "Alan Turing" in own["text"] and "at Brooklyn Studio" in own["text"] and london.row_of("14:00") in own["classes"]
    asked_for_chloe = html(ben.get(f"/dashboard/calendar/week?location_id={clinic.london.id}&provider_id={clinic.chloe.id}"))
    assert "Chloe Martin" not in asked_for_chloe and "Grace Hopper" not in asked_for_chloe
    brooklyn = Grid(html(ben.get(day_path(TODAY, clinic.brooklyn))))
    [block] = brooklyn.blocks
    assert "Alan Turing" in block["text"]
    agenda = text(html(ben.get(f"/dashboard/calendar/agenda?location_id={clinic.london.id}&span=week")))
    assert "Grace Hopper" not in agenda
    month = html(ben.get(f"/dashboard/calendar/month?location_id={clinic.london.id}&provider_id={clinic.chloe.id}"))
    assert "Chloe Martin" not in month and "1 appointment<" not in month

    desk = signed_in(visitor, clinic, "staff")
    everyone = Grid(html(desk.get(day_path(TODAY, clinic.london))))
    assert everyone.head_names() == ["Ben Okafor", "Chloe Martin"]
    assert [b["href"] for b in everyone.blocks] == [f"/dashboard/appointments/{bens.id}",  # column by column
                                                    f"/dashboard/appointments/{chloes.id}"]


# Filters, pushed URLs and htmx


def test_the_location_and_provider_filters_choose_the_columns(clinic, visitor):
    with tenant_context(clinic.tenant):
        add(*working(clinic.tenant, clinic.ben, clinic.london))
    desk = signed_in(visitor, clinic, "staff")

    assert Grid(html(desk.get(day_path(TODAY, clinic.london)))).head_names() == ["Ben Okafor", "Chloe Martin"]
    assert Grid(html(desk.get(day_path(TODAY, clinic.london, provider_id=clinic.chloe.id)))).head_names() == ["Chloe Martin"]
    brooklyn = Grid(html(desk.get(day_path(TODAY, clinic.brooklyn))))
    assert brooklyn.head_names() == ["Ben Okafor"] and brooklyn.labels()[0] == "09:00"
    assert brooklyn.cell(brooklyn.column_of("Ben"), brooklyn.row_of("09:00"))["href"].endswith("start=2031-03-12T13:00Z")


def test_a_calendar_url_loaded_directly_is_a_full_page_and_through_htmx_only_the_calendar(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    path = day_path(TODAY, clinic.london)
    page, block = desk.get(path), desk.get(path, htmx=True)

    assert html(page).startswith("<!doctype html>") and "js/calendar.js" in html(page)
    assert is_fragment(html(block)) and html(block).lstrip().startswith('<section id="calendar"')
    assert "HX-Request" in page.vary and "HX-Request" in block.vary
    # The region reloads itself, at its own URL, when a change is made anywhere on the page.
    assert 'hx-trigger="calendar-changed from:body"' in html(block)
    assert f'hx-get="/dashboard/calendar?date=2031-03-12&amp;location_id={clinic.london.id}"' in html(block)
    # Navigation pushes a URL holding the whole state: the next day, at this location.
    nxt = f'/dashboard/calendar?date=2031-03-13&amp;location_id={clinic.london.id}'
    assert f'href="{nxt}" hx-get="{nxt}" hx-push-url="true" rel="next"' in html(block)
    assert 'hx-push-url="true"' in html(block).split('<form method="get"', 1)[1].split(">", 1)[0]


def test_the_date_field_is_a_plain_get_form(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    page = html(desk.get(day_path(TODAY, clinic.london)))
    form = page.split('<form method="get" action="/dashboard/calendar"', 1)[1].split("</form>", 1)[0]
    assert 'type="date" name="date" value="2031-03-12"' in form and 'name="location_id"' in form
    # What the form submits is a URL the page answers, mistyped dates falling back to today.
    assert "Friday 14 March 2031" in text(html(desk.get(f"/dashboard/calendar?date=2031-03-14&location_id={clinic.london.id}")))
    assert "Wednesday 12 March 2031" in text(html(desk.get("/dashboard/calendar?date=soon")))


def test_the_drag_script_is_our_own_static_file(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    script = desk.get("/static/js/calendar.js")
    assert script.status_code == 200 and script.mimetype in ("text/javascript", "application/javascript")
    source = script.get_data(as_text=True)
    assert "htmx.ajax(\"POST\", block.dataset.moveUrl" in source
    assert all(name in source for name in ("starts_on", "starts_at", "provider_id", "duration_minutes", "version", "X-CSRFToken"))


# What each view costs


def twelve_providers(clinic) -> list:
    with tenant_context(clinic.tenant):
        more = add(*(Provider(tenant_id=clinic.tenant.id, name=f"Provider {n:02}") for n in range(11)))
        add(*(row for provider in more for row in working(clinic.tenant, provider, clinic.london)))
    return [clinic.chloe, *more]


def book_everyone(clinic, providers, day: date, count: int) -> None:
    for provider in providers:
        for n in range(count):
            appointment(clinic, provider, at(day, "09:00", "Europe/London") + timedelta(minutes=45 * n))


@pytest.mark.parametrize("view", ["day", "week", "month"])
def test_a_view_runs_the_same_few_statements_whatever_the_appointments(clinic, visitor, count_queries, view):
    providers = twelve_providers(clinic)
    desk = signed_in(visitor, clinic, "staff")
    path = {"day": day_path(TODAY, clinic.london),
            "week": f"/dashboard/calendar/week?date=2031-03-12&location_id={clinic.london.id}",
            "month": f"/dashboard/calendar/month?date=2031-03-12&location_id={clinic.london.id}"}[view]
    book_everyone(clinic, providers, TODAY, 1)
    with count_queries() as few:
        assert desk.get(path).status_code == 200
    book_everyone(clinic, providers, TODAY + timedelta(days=1), 8)
    with count_queries() as many:
        page = html(desk.get(path))

    assert many.count == few.count <= 6, str(many)
    if view == "day":
        assert len(Grid(page).heads) == 12
    elif view == "week":
        assert len(Grid(page).blocks) == 1 + 8
    else:
        assert "96 appointments" in text(page) and "12 appointments" in text(page)


# A move made on the grid (drag and drop) answers with the columns it changed


def _move_on_the_grid(clinic, desk, item, calendar_url: str, **changes):
    fields = {"starts_on": TODAY.isoformat(), "starts_at": "11:00", "provider_id": clinic.ben.id,
              "duration_minutes": 30, "version": item.version, "notify": "y", "calendar": calendar_url} | changes
    return desk.post(f"/dashboard/appointments/{item.id}/move", fields, htmx=True)


def test_a_move_on_the_day_answers_with_its_two_provider_columns_out_of_band(clinic, visitor):
    with tenant_context(clinic.tenant):
        add(*working(clinic.tenant, clinic.ben, clinic.london))
        db.session.commit()
    item = appointment(clinic, clinic.chloe, at(TODAY, "10:00", "Europe/London"), name="Ada Lovelace")
    desk = signed_in(visitor, clinic, "staff")
    page = Grid(html(desk.get(day_path(TODAY, clinic.london))))
    ten, eleven = page.row_of("10:00"), page.row_of("11:00")

    response = _move_on_the_grid(clinic, desk, item, day_path(TODAY, clinic.london))
    assert response.status_code == 200 and "HX-Trigger" not in response.headers
    body = html(response)
    assert "Moved to Wed 12 Mar 11:00 with Ben Okafor." in text(body)
    answer = Grid(body)
    columns = re.findall(r'<div class="cal-col[^"]*" id="([^"]+)"[^>]* hx-swap-oob="true">', body)
    assert sorted(columns) == sorted([page.column_of("Ben"), page.column_of("Chloe")])
    assert answer.head_names() == ["Ben Okafor", "Chloe Martin"] and answer.times == []  # the columns only
    [block] = answer.blocks
    assert "Ada Lovelace" in block["text"] and "11:00–11:30" in block["text"]
    assert {eleven, page.column_of("Ben"), "s-2"} <= set(block["classes"]) and block["data-version"] == "2"
    # Chloe's 10:00 is free again: an empty cell to book.
    assert answer.cell(page.column_of("Chloe"), ten)["href"].endswith("&start=2031-03-12T10:00Z")


def test_a_move_on_the_week_answers_with_its_two_day_columns_and_a_reshaped_grid_reloads(clinic, visitor):
    item = appointment(clinic, clinic.chloe, at(TODAY, "10:00", "Europe/London"), name="Ada Lovelace")
    desk = signed_in(visitor, clinic, "staff")
    week = f"/dashboard/calendar/week?date={TODAY}&location_id={clinic.london.id}&provider_id={clinic.chloe.id}"
    page = Grid(html(desk.get(week)))
    friday = TODAY + timedelta(days=2)

    response = _move_on_the_grid(clinic, desk, item, week, starts_on=friday.isoformat(), provider_id=clinic.chloe.id)
    answer = Grid(html(response))
    assert answer.head_names() == ["Wed 12 Mar", "Fri 14 Mar"]
    [block] = answer.blocks
    assert {page.row_of("11:00"), page.column_of("Fri")} <= set(block["classes"])

    # A move outside the rows drawn changes the grid's shape: the whole view reloads instead.
    late = _move_on_the_grid(clinic, desk, item, week, starts_at="20:00", provider_id=clinic.chloe.id,
                             version=2, starts_on=friday.isoformat())
    assert late.status_code == 204 and late.headers["HX-Trigger"] == "calendar-changed"


def test_an_appointment_past_midnight_continues_on_the_next_day_in_the_day_week_and_agenda(clinic, visitor):
    late = appointment(clinic, clinic.chloe, at(TODAY, "23:30", "Europe/London"), service=clinic.physio,
                       name="Night Owl")  # 50 minutes: until 00:20 on Thursday
    desk = signed_in(visitor, clinic, "staff")
    thursday = TODAY + timedelta(days=1)

    wednesday = Grid(html(desk.get(day_path(TODAY, clinic.london))))
    [first] = wednesday.blocks
    assert wednesday.labels()[-1] == "23:45" and {wednesday.row_of("23:30"), "s-2"} <= set(first["classes"])
    assert "continued" not in first["classes"]

    next_day = Grid(html(desk.get(day_path(thursday, clinic.london))))
    [rest] = next_day.blocks
    assert next_day.labels()[0] == "00:00"  # the day's rows reach back to midnight to show it
    assert {next_day.row_of("00:00"), next_day.column_of("Chloe"), "s-2", "continued"} <= set(rest["classes"])
    assert re.sub(r"\s+", " ", rest["text"]).strip().startswith("from Wed 23:30–00:20 Night Owl")
    assert rest["href"] == f"/dashboard/appointments/{late.id}"
    assert not [c for c in next_day.cells if next_day.row_of("00:15") in c["classes"]]  # no free cell under it

    week = Grid(html(desk.get(f"/dashboard/calendar/week?date={TODAY}&location_id={clinic.london.id}"
                              f"&provider_id={clinic.chloe.id}")))
    wed, thu = week.blocks
    assert {week.column_of("Wed"), week.row_of("23:30")} <= set(wed["classes"])
    assert {week.column_of("Thu"), week.row_of("00:00"), "continued"} <= set(thu["classes"])

    agenda = text(html(desk.get(f"/dashboard/calendar/agenda?date={thursday}&location_id={clinic.london.id}")))
    assert "Wed 12 Mar 23:30–00:20 GMT Night Owl" in agenda


def test_forty_five_providers_are_forty_five_columns_each_placed_by_a_class_the_stylesheet_has(clinic, visitor):
    with tenant_context(clinic.tenant):
        many = [add(Provider(tenant_id=clinic.tenant.id, name=f"Provider {n:02d}")) for n in range(44)]
        for provider in many:
            add(*working(clinic.tenant, provider, clinic.london))
        db.session.commit()
    appointment(clinic, many[-1], at(TODAY, "11:00", "Europe/London"), name="Last Column")
    desk = signed_in(visitor, clinic, "staff")
    page = html(desk.get(day_path(TODAY, clinic.london)))
    grid = Grid(page)

    assert len(grid.heads) == 45 and len(set(grid.column_of(h["text"].strip()[:11]) for h in grid.heads)) == 45
    [block] = grid.blocks
    assert grid.column_of("Provider 43") in block["classes"]
    # Every placement class in the grid has its rule (the stylesheet's classes no longer stop at 40 columns:
    # columns place themselves, in order; rows and spans are bounded by a day's quarter hours).
    stylesheet = open("app/static/sloty.css").read()
    used = {name for classes in re.findall(r'class="([^"]*)"', page) for name in classes.split()
            if re.fullmatch(r"(r|s|rows)-\d+", name)}
    assert used and {c for c in used if f".{c} {{" not in stylesheet} == set()
    assert not re.search(r'class="[^"]*\bc-\d+', page)  # no per-column placement left to run out of
