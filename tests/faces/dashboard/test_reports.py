"""The dashboard's reports over one known month, October 2026 in Europe/London (clocks go back on Sunday
25 October): every figure of every report equals the one worked out by hand below, on the page (its
tables) and in its CSV; who may see which figures; other practices' ids; bad dates; and the statements
each report costs."""
import csv
import io
import re
from datetime import datetime, time, timedelta, timezone
from html.parser import HTMLParser

import pytest

from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments.models import AppointmentParticipant
from app.modules.catalogue.models import LocationClosure, ProviderLocation
from app.modules.schedules.models import ScheduleOverride, TimeOff, WorkingHours
from tests.support import factories
from tests.support.clients import host_of
from tests.support.pages import html, text

UTC = timezone.utc
# The clock: Tuesday 10 November 2026, so "last month" is October.
NOW = "2026-11-10T10:00:00+00:00"
pytestmark = pytest.mark.now(NOW)


def utc(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=UTC)


# The month, worked out by hand.
#
# Central (Europe/London; BST = UTC+1 until Sunday 25 October 01:00 UTC, GMT after):
#   Ann works Monday–Friday 09:00–17:00 (480 min). October 2026 has 22 weekdays: 22 × 480 = 10,560 min,
#   less her time off on Wednesday 14 October 13:00–17:00 BST (240), less the closure on Tuesday 27 (480):
#   ANN_WORKING = 9,840 min (164 h).
#   Ben works Tuesday and Thursday 10:00–14:00 (240) and Sunday 00:30–02:30 (120). Four Tuesdays and five
#   Thursdays: 9 × 240 = 2,160, less the closure on Tuesday 27 (240), less Thursday 22's override of
#   10:00–12:00 (240 → 120: 120 less) = 1,800. Four Sundays: 4, 11, 18 at 120 each, and 25 October, when
#   00:30 BST to 02:30 GMT is three real hours (the hour 01:00–02:00 happens twice): 180. 360 + 180 = 540.
#   BEN_WORKING = 2,340 min (39 h).
# North (America/New_York): nobody has hours there; Ben has one appointment (A12).
#
# Services: Check-up 30 min at £45.00 (4500), Cleaning 60 min at £80.00 (8000).
# The appointments (local time; lead = created_at → starts_at):
#   X1  Ann Check-up  Wed 30 Sep 23:30 BST (22:30Z) completed  Cara   — September: Cara is returning
#   X2  Ben Check-up  Tue 15 Sep 10:00 BST           completed  Gus    — September: Gus is returning
#   X3  Ann Check-up  Sun 1 Nov 00:15 GMT            completed  Hal    — November: after the range
#   B1  Ann Check-up  Thu 1 Oct 00:30 BST (30 Sep 23:30Z) completed Ida  lead 3 h   (in: local 1 October)
#   A1  Ann Check-up  Thu 1 Oct 09:00                completed  Cara   lead 10 days
#   A2  Ann Cleaning  Mon 5 Oct 10:00                completed  Dan    lead 2 h
#   A3  Ann Check-up  Wed 14 Oct 09:30               no-show    Gus    lead 48 h (2 days)
#   A4  Ann Cleaning  Tue 20 Oct 15:00               cancelled late  Fay  lead 40 days
#   A5  Ben Check-up  Tue 6 Oct 10:00                completed  Eve    lead 5 days
#   A11 Ann Check-up  Sun 25 Oct 01:30 BST (00:30Z)  completed  Eve    lead 4 days
#   A6  Ben Cleaning  Sun 25 Oct 01:30 GMT (01:30Z)  completed  Eve    lead 24 h (1 day)
#   A7  Ben Check-up  Thu 29 Oct 11:00 GMT           cancelled (in time)  Dan  lead 3 days
#   A8  Ann Check-up  Fri 30 Oct 16:00 GMT           confirmed at £40.00  Cara  lead 31 days
#   A9  Ann Check-up  Mon 26 Oct 09:00 GMT           declined   Dan    — never booked: counted nowhere
#   A10 Ann Check-up  Sat 31 Oct 23:30 GMT           completed  Hal    lead 1 h   (in: local 31 October)
#   A12 Ben Check-up  North, Sat 10 Oct 10:00 EDT (14:00Z) completed Cara  lead 3 days
#
# Whole practice (12 booked: B1, A1–A8, A10, A11, A12):
STATUS = {"pending": 0, "confirmed": 1, "checked_in": 0, "completed": 8, "no_show": 1, "cancelled": 2}
BOOKED, LATE = 12, 1  # no-show rate 1/12 = 8.3%, late cancellation rate 1/12 = 8.3%
# Central only: A12 left out.
CENTRAL_STATUS = {**STATUS, "completed": 7}
CENTRAL_BOOKED = 11  # 1/11 = 9.1% each
# Lead times: same day B1 A2 A10; 1–2 days A3 A6; 3–7 days A5 A7 A11 A12; 8–30 A1; over 30 A4 A8.
LEAD = {"Same day (under 24 hours)": 3, "1–2 days": 2, "3–7 days": 4, "8–30 days": 1, "Over 30 days": 2}
# Revenue (kept or due: completed and confirmed): Ann Check-up B1 A1 A10 A11 at 4500 and A8 at 4000 = 22,000;
# Ann Cleaning A2 8,000; Ben Check-up A5 A12 9,000; Ben Cleaning A6 8,000. Total 47,000 from 9 appointments.
REVENUE = [("Ann", "Check-up", 5, "220.00"), ("Ben", "Check-up", 2, "90.00"),
           ("Ann", "Cleaning", 1, "80.00"), ("Ben", "Cleaning", 1, "80.00")]
REVENUE_BY_SERVICE = {"Check-up": "£310.00", "Cleaning": "£160.00"}
REVENUE_BY_PROVIDER = {"Ann": "£300.00", "Ben": "£170.00"}
# Customers seen (held appointments: not the cancelled A4 of Fay or A7, not the declined A9): Ida, Cara, Dan,
# Gus, Eve, Hal. Returning: Cara (X1) and Gus (X2). New: Ida, Dan, Eve, Hal (Hal's X3 comes after).
NEW, RETURNING = 4, 2
# Booked minutes (held: completed, confirmed, no-show): Ann B1 A1 A3 A8 A10 A11 at 30 and A2 at 60 = 240;
# Ben A5 30 + A6 60 (+ A12 30 at North) = 90 at Central, 120 everywhere.
# Utilisation: Ann 240 / 9,840 = 2.4%; Ben 120 / 2,340 = 5.1% (everywhere), 90 / 2,340 = 3.8% (Central).
# The busiest hours (held, each location's local time; Monday 0):
HOURS = {(3, 0): 1, (3, 9): 1, (0, 10): 1, (2, 9): 1, (1, 10): 1, (6, 1): 2, (4, 16): 1, (5, 23): 1,
         (5, 10): 1}  # B1, A1, A2, A3, A5, A11+A6 (both 01:30 on the 25th), A8, A10, A12 (10:00 in New York)


def build_october():
    tenant = factories.tenant(timezone="Europe/London", currency="GBP", name="October Clinic")
    central = factories.location(tenant, name="Central", timezone="Europe/London")
    north = factories.location(tenant, name="North", timezone="America/New_York")
    checkup = factories.service(tenant, name="Check-up", duration_minutes=30, price=4500)
    cleaning = factories.service(tenant, name="Cleaning", duration_minutes=60, price=8000)
    ben_user = factories.user(tenant, "provider")
    ann = factories.provider(tenant, name="Ann", services=[checkup, cleaning])
    ben = factories.provider(tenant, name="Ben", services=[checkup, cleaning], user=ben_user)
    rows = [ProviderLocation(tenant_id=tenant.id, provider_id=p.id, location_id=central.id) for p in (ann, ben)]
    rows.append(ProviderLocation(tenant_id=tenant.id, provider_id=ben.id, location_id=north.id))
    hours = [(ann, day, time(9), time(17)) for day in range(5)]
    hours += [(ben, 1, time(10), time(14)), (ben, 3, time(10), time(14)), (ben, 6, time(0, 30), time(2, 30))]
    rows += [WorkingHours(tenant_id=tenant.id, provider_id=p.id, location_id=central.id, weekday=day, starts_at=opens,
                          ends_at=closes) for p, day, opens, closes in hours]
    rows.append(TimeOff(tenant_id=tenant.id, provider_id=ann.id, starts_at=utc("2026-10-14T12:00"),
                        ends_at=utc("2026-10-14T16:00"), reason="Dentist"))
    rows.append(LocationClosure(tenant_id=tenant.id, location_id=central.id, starts_on=datetime(2026, 10, 27).date(),
                                ends_on=datetime(2026, 10, 27).date(), reason="Staff training"))
    rows.append(ScheduleOverride(tenant_id=tenant.id, provider_id=ben.id, location_id=central.id,
                                 on_date=datetime(2026, 10, 22).date(), starts_at=time(10), ends_at=time(12)))
    factories.save(tenant, *rows)
    people = {name: factories.customer(tenant, name=name) for name in ("Cara", "Dan", "Eve", "Fay", "Gus", "Hal", "Ida")}
    made = {}
    for key, provider, service, starts, status, who, lead, extra in (
        ("X1", ann, checkup, "2026-09-30T22:30", "completed", "Cara", timedelta(days=2), {}),
        ("X2", ben, checkup, "2026-09-15T09:00", "completed", "Gus", timedelta(days=2), {}),
        ("X3", ann, checkup, "2026-11-01T00:15", "completed", "Hal", timedelta(days=2), {}),
        ("B1", ann, checkup, "2026-09-30T23:30", "completed", "Ida", timedelta(hours=3), {}),
        ("A1", ann, checkup, "2026-10-01T08:00", "completed", "Cara", timedelta(days=10), {}),
        ("A2", ann, cleaning, "2026-10-05T09:00", "completed", "Dan", timedelta(hours=2), {}),
        ("A3", ann, checkup, "2026-10-14T08:30", "no_show", "Gus", timedelta(hours=48), {}),
        ("A4", ann, cleaning, "2026-10-20T14:00", "cancelled", "Fay", timedelta(days=40), {"cancelled_late": True}),
        ("A5", ben, checkup, "2026-10-06T09:00", "completed", "Eve", timedelta(days=5), {}),
        ("A11", ann, checkup, "2026-10-25T00:30", "completed", "Eve", timedelta(days=4), {}),
        ("A6", ben, cleaning, "2026-10-25T01:30", "completed", "Eve", timedelta(hours=24), {}),
        ("A7", ben, checkup, "2026-10-29T11:00", "cancelled", "Dan", timedelta(days=3), {}),
        ("A8", ann, checkup, "2026-10-30T16:00", "confirmed", "Cara", timedelta(days=31), {"price": 4000}),
        ("A9", ann, checkup, "2026-10-26T09:00", "declined", "Dan", timedelta(days=1), {}),
        ("A10", ann, checkup, "2026-10-31T23:30", "completed", "Hal", timedelta(hours=1), {}),
        ("A12", ben, checkup, "2026-10-10T14:00", "completed", "Cara", timedelta(days=3), {"at": north}),
    ):
        at = extra.pop("at", central)
        appointment = factories.appointment(tenant, location=at, provider=provider, service=service,
                                            customer=people[who], starts_at=utc(starts), status=status)
        with tenant_context(tenant):
            appointment.created_at = appointment.starts_at - lead
            for name, value in extra.items():
                setattr(appointment, name, value)
            db.session.flush()
        made[key] = appointment
    return {"tenant": tenant, "central": central, "north": north, "ann": ann, "ben": ben, "ben_user": ben_user,
            "checkup": checkup, "appointments": made}


@pytest.fixture
def october(app):
    return build_october()


def member(visitor, month, role="owner", user=None):
    user = user or factories.user(month["tenant"], role)
    guest = visitor(host_of(month["tenant"]))
    assert guest.sign_in(user.email, factories.PASSWORD).status_code == 303
    return guest


class Tables(HTMLParser):
    """Each <table> of a page by its caption: its rows as lists of cell texts."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.tables, self._table, self._cell, self._in_caption = {}, None, None, False
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = {"caption": "", "rows": []}
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self._table is not None:
            self._table["rows"].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "table" and self._table is not None:
            self.tables[self._table["caption"].strip()] = self._table["rows"]
            self._table = None
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self._table["rows"][-1].append(" ".join(self._cell.split()))
            self._cell = None

    def handle_data(self, data):
        if self._in_caption:
            self._table["caption"] += data
        elif self._cell is not None:
            self._cell += data


def tables(response) -> dict[str, list[list[str]]]:
    assert response.status_code == 200, response.status_code
    return Tables(html(response)).tables


def table_of(response, caption_start: str) -> dict[str, list[str]]:
    """The table whose caption is, or starts with, ``caption_start`` as {first cell: the other cells} (its
    header row included)."""
    found = tables(response)
    [rows] = [found[caption_start]] if caption_start in found else [
        rows for caption, rows in found.items() if caption.startswith(caption_start)]
    return {row[0]: row[1:] for row in rows if row}


def sheet(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="')
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


LAST_MONTH = "preset=last_month"
STATUS_LABELS = {"pending": "Pending", "confirmed": "Confirmed", "checked_in": "Checked in",
                 "completed": "Completed", "no_show": "No show", "cancelled": "Cancelled"}


# The figures, by hand


def test_appointments_by_status_and_the_rates_match_the_hand_count(october, visitor):
    owner = member(visitor, october)
    page = owner.get(f"/dashboard/reports?{LAST_MONTH}")
    assert "1 Oct 2026 – 31 Oct 2026" in text(html(page))
    by_status = table_of(page, "Appointments by status")
    assert {STATUS_LABELS[s]: [str(n)] for s, n in STATUS.items()} | {"Booked": [str(BOOKED)]} == {
        label: cells for label, cells in by_status.items() if label != "Status"}
    rates = table_of(page, "No-shows and late cancellations")
    assert rates["No-shows"] == ["1", "8.3%"] and rates["Late cancellations"] == [str(LATE), "8.3%"]

    rows = sheet(owner.get(f"/dashboard/reports/status.csv?{LAST_MONTH}"))
    assert rows[0] == ["Measure", "Value"]
    values = dict(rows[1:])
    assert {status: int(values[status]) for status in STATUS} == STATUS
    assert int(values["booked"]) == BOOKED and int(values["late_cancellations"]) == LATE
    assert float(values["no_show_rate"]) == pytest.approx(1 / 12, abs=5e-5)
    assert float(values["late_cancellation_rate"]) == pytest.approx(1 / 12, abs=5e-5)


def test_a_location_filter_leaves_the_other_location_out(october, visitor):
    owner = member(visitor, october)
    page = owner.get(f"/dashboard/reports?{LAST_MONTH}&location={october['central'].id}")
    by_status = table_of(page, "Appointments by status")
    assert by_status["Completed"] == [str(CENTRAL_STATUS["completed"])]
    assert by_status["Booked"] == [str(CENTRAL_BOOKED)]
    assert table_of(page, "No-shows and late cancellations")["No-shows"] == ["1", "9.1%"]


def test_utilisation_is_booked_over_working_minutes_across_the_clocks_going_back(october, visitor):
    owner = member(visitor, october)
    everywhere = table_of(owner.get(f"/dashboard/reports/utilisation?{LAST_MONTH}"), "Utilisation by provider")
    assert everywhere["Ann"] == ["164 h", "4 h", "2.4%"]
    assert everywhere["Ben"] == ["39 h", "2 h", "5.1%"]
    central = table_of(owner.get(f"/dashboard/reports/utilisation?{LAST_MONTH}&location={october['central'].id}"),
                       "Utilisation by provider")
    assert central["Ben"] == ["39 h", "1 h 30 min", "3.8%"]

    rows = sheet(owner.get(f"/dashboard/reports/utilisation.csv?{LAST_MONTH}"))
    assert rows[0] == ["Provider", "Working minutes", "Booked minutes", "Utilisation"]
    assert rows[1:] == [["Ann", "9840", "240", "0.0244"], ["Ben", "2340", "120", "0.0513"]]


def test_revenue_by_service_and_provider_in_the_practices_currency(october, visitor):
    owner = member(visitor, october)
    page = owner.get(f"/dashboard/reports/revenue?{LAST_MONTH}")
    by_service = table_of(page, "Revenue by service")
    assert {name: cells[0] for name, cells in by_service.items() if name in REVENUE_BY_SERVICE} == REVENUE_BY_SERVICE
    assert by_service["Total"] == ["£470.00"]
    by_provider = table_of(page, "Revenue by provider")
    assert {name: cells[0] for name, cells in by_provider.items() if name in REVENUE_BY_PROVIDER} == REVENUE_BY_PROVIDER

    rows = sheet(owner.get(f"/dashboard/reports/revenue.csv?{LAST_MONTH}"))
    assert rows[0] == ["Provider", "Service", "Appointments", "Revenue", "Currency"]
    assert [(p, s, int(n), amount) for p, s, n, amount, currency in rows[1:-1]] == REVENUE
    assert rows[-1] == ["All", "All", "9", "470.00", "GBP"]
    assert {row[4] for row in rows[1:]} == {"GBP"}


def test_a_group_sessions_revenue_is_each_bookings_places(october, visitor):
    # December: a class at £12.00 a place, booked by three customers: two places, one place, and one
    # place cancelled out of the session. 2 + 1 = 3 places: £36.00, from one appointment.
    tenant = october["tenant"]
    yoga = factories.service(tenant, name="Yoga", duration_minutes=60, price=1200, capacity=10)
    session = factories.appointment(tenant, location=october["central"], provider=october["ann"], service=yoga,
                                    customer=factories.customer(tenant), starts_at=utc("2026-12-05T10:00"))
    factories.save(tenant, AppointmentParticipant(tenant_id=tenant.id, appointment_id=session.id, seats=2,
                                                  customer_id=factories.customer(tenant).id, manage_token="two-places"))
    factories.save(tenant, AppointmentParticipant(tenant_id=tenant.id, appointment_id=session.id,
                                                  customer_id=factories.customer(tenant).id, manage_token="cancelled",
                                                  cancelled_at=utc("2026-11-09T10:00")))
    owner = member(visitor, october)
    rows = sheet(owner.get("/dashboard/reports/revenue.csv?start=2026-12-01&end=2026-12-31"))
    assert rows[1:] == [["Ann", "Yoga", "1", "36.00", "GBP"], ["All", "All", "1", "36.00", "GBP"]]
    [line] = sheet(owner.get("/dashboard/reports/appointments.csv?start=2026-12-01&end=2026-12-31"))[1:]
    assert line[11].count(";") == 1  # the two standing bookings' customers, not the cancelled one's
    assert line[12:15] == ["3", "12.00", "GBP"]


def test_new_and_returning_customers(october, visitor):
    owner = member(visitor, october)
    found = table_of(owner.get(f"/dashboard/reports/customers?{LAST_MONTH}"), "New and returning customers")
    assert found["New"] == [str(NEW)] and found["Returning"] == [str(RETURNING)] and found["Total"] == ["6"]
    rows = sheet(owner.get(f"/dashboard/reports/customers.csv?{LAST_MONTH}"))
    assert rows == [["Customers", "Count"], ["new", "4"], ["returning", "2"], ["total", "6"]]


def test_how_far_ahead_people_book(october, visitor):
    owner = member(visitor, october)
    found = table_of(owner.get(f"/dashboard/reports/lead-time?{LAST_MONTH}"), "How far ahead people book")
    assert {label: int(cells[0]) for label, cells in found.items() if label in LEAD} == LEAD
    rows = sheet(owner.get(f"/dashboard/reports/lead-time.csv?{LAST_MONTH}"))
    assert rows[0] == ["Lead time", "Appointments"]
    assert {label: int(count) for label, count in rows[1:]} == LEAD


def test_the_busiest_hours_in_local_time_count_the_repeated_hour_twice(october, visitor):
    owner = member(visitor, october)
    page = owner.get(f"/dashboard/reports/busiest-hours?{LAST_MONTH}")
    grid = table_of(page, "Appointments by weekday and starting hour")
    weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert grid["Weekday"] == [f"{hour:02d}" for hour in range(24)]
    shown = {(day, hour): int(count) for day, name in enumerate(weekdays) for hour, count in enumerate(grid[name])
             if count != "0"}
    assert shown == HOURS
    assert '<svg viewBox="0 0' in html(page) and "<script" not in html(page).split("<main", 1)[1]

    rows = sheet(owner.get(f"/dashboard/reports/busiest-hours.csv?{LAST_MONTH}"))
    assert rows[0] == ["Weekday", "Hour", "Appointments"] and len(rows) == 1 + 7 * 24
    from_csv = {(weekdays.index(day), int(hour[:2])): int(n) for day, hour, n in rows[1:] if n != "0"}
    assert from_csv == HOURS


def test_the_appointments_csv_is_streamed(app, october, visitor):
    owner = member(visitor, october)
    with app.app_context():  # unbuffered, unlike a Visitor's requests: the answer is a generator's lines
        response = owner.client.get(f"/dashboard/reports/appointments.csv?{LAST_MONTH}", base_url=f"http://{owner.host}")
        assert response.is_streamed
        lines = list(response.response)
        response.close()
    assert len(lines) == 1 + 13 and lines[0].startswith(b"Appointment,Starts (local),")


def test_the_appointments_csv_lists_the_range_in_local_time_and_utc(october, visitor):
    owner = member(visitor, october)
    response = owner.get("/dashboard/reports/appointments.csv?start=2026-10-01&end=2026-10-31")
    assert response.headers["Content-Disposition"] == 'attachment; filename="appointments-2026-10-01-to-2026-10-31.csv"'
    rows = sheet(response)
    header, body = rows[0], [dict(zip(rows[0], row)) for row in rows[1:]]
    assert header[:6] == ["Appointment", "Starts (local)", "Ends (local)", "Time zone", "Starts (UTC)", "Ends (UTC)"]
    ids = {appointment.id: key for key, appointment in october["appointments"].items()}
    # The 12 booked and the declined A9; none of September's or November's.
    assert sorted(ids[int(row["Appointment"])] for row in body) == sorted(
        ["B1", "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10", "A11", "A12"])
    by_key = {ids[int(row["Appointment"])]: row for row in body}
    # The two 01:30s of 25 October, told apart by their offsets.
    assert by_key["A11"]["Starts (local)"] == "2026-10-25T01:30+01:00" and by_key["A11"]["Starts (UTC)"] == "2026-10-25T00:30:00Z"
    assert by_key["A6"]["Starts (local)"] == "2026-10-25T01:30+00:00" and by_key["A6"]["Starts (UTC)"] == "2026-10-25T01:30:00Z"
    assert by_key["B1"]["Starts (local)"] == "2026-10-01T00:30+01:00"
    assert by_key["A4"]["Status"] == "cancelled" and by_key["A4"]["Cancelled late"] == "yes"
    assert by_key["A8"]["Price per place"] == "40.00" and by_key["A8"]["Places"] == "1" and by_key["A8"]["Currency"] == "GBP" and by_key["A8"]["Customers"] == "Cara"
    assert by_key["A12"]["Location"] == "North" and by_key["A12"]["Provider"] == "Ben"
    assert by_key["A1"]["Booked (UTC)"] == "2026-09-21T08:00:00Z"
    # The revenue report's total, summed back from the lines it is made of.
    earning = [row for row in body if row["Status"] in ("pending", "confirmed", "checked_in", "completed")]
    assert sum(int(row["Price per place"].replace(".", "")) * int(row["Places"]) for row in earning) == 47000


def test_the_presets_and_dates_agree(october, visitor):
    owner = member(visitor, october)
    by_dates = owner.get("/dashboard/reports?start=2026-10-01&end=2026-10-31")
    by_preset = owner.get(f"/dashboard/reports?{LAST_MONTH}")
    assert table_of(by_dates, "Appointments by status") == table_of(by_preset, "Appointments by status")
    this_month = owner.get("/dashboard/reports?preset=this_month&start=2026-10-01&end=2026-10-31")
    assert "1 Nov 2026 – 30 Nov 2026" in text(html(this_month))  # a preset chosen wins over the dates
    # The dates it stands for fill the date fields, ready to be changed with "The dates below".
    assert 'name="start" value="2026-11-01"' in html(this_month) and 'name="end" value="2026-11-30"' in html(this_month)
    assert '<option value="custom" selected>' in html(by_dates)
    # X3 (1 November, completed) is November's only appointment.
    assert table_of(this_month, "Appointments by status")["Completed"] == ["1"]


# Who sees what


def test_a_provider_sees_their_own_figures_whatever_the_query_string_says(october, visitor):
    ben = member(visitor, october, user=october["ben_user"])
    page = ben.get(f"/dashboard/reports?{LAST_MONTH}&provider={october['ann'].id}")
    by_status = table_of(page, "Appointments by status")
    # Ben's: A5, A6, A12 completed; A7 cancelled.
    assert by_status["Completed"] == ["3"] and by_status["Cancelled"] == ["1"] and by_status["Booked"] == ["4"]
    assert 'name="provider"' not in html(page)
    assert "your own appointments only" in text(html(page))
    revenue = sheet(ben.get(f"/dashboard/reports/revenue.csv?{LAST_MONTH}&provider={october['ann'].id}"))
    assert {row[0] for row in revenue[1:-1]} == {"Ben"} and revenue[-1][3] == "170.00"
    listed = sheet(ben.get(f"/dashboard/reports/appointments.csv?{LAST_MONTH}"))
    assert {row[9] for row in listed[1:]} == {"Ben"} and len(listed) == 1 + 4
    utilisation = table_of(ben.get(f"/dashboard/reports/utilisation?{LAST_MONTH}"), "Utilisation by provider")
    assert "Ann" not in utilisation and utilisation["Ben"] == ["39 h", "2 h", "5.1%"]


def test_a_provider_account_without_a_calendar_sees_no_figures(october, visitor):
    nobody = member(visitor, october, role="provider")
    by_status = table_of(nobody.get(f"/dashboard/reports?{LAST_MONTH}"), "Appointments by status")
    assert by_status["Booked"] == ["0"]


@pytest.mark.parametrize("path", ["/dashboard/reports", "/dashboard/reports/revenue.csv",
                                  "/dashboard/reports/appointments.csv"])
def test_the_front_desk_sees_no_report(october, visitor, path):
    desk = member(visitor, october, role="staff")
    response = desk.get(f"{path}?{LAST_MONTH}")
    assert response.status_code == 403 and "Not allowed" in html(response)
    assert 'href="/dashboard/reports"' not in html(desk.get("/dashboard/"))


def test_the_nav_offers_reports_to_owners_and_providers(october, visitor):
    assert 'href="/dashboard/reports"' in html(member(visitor, october).get("/dashboard/"))
    assert 'href="/dashboard/reports"' in html(member(visitor, october, user=october["ben_user"]).get("/dashboard/"))


# Other practices' ids, and bad input


@pytest.mark.parametrize("name", ["location", "provider"])
@pytest.mark.parametrize("path", ["/dashboard/reports", "/dashboard/reports/utilisation.csv",
                                  "/dashboard/reports/appointments.csv"])
def test_another_practices_location_or_provider_is_not_found(october, visitor, name, path):
    other = factories.tenant(name="Elsewhere")
    other_location = factories.location(other)
    other_provider = factories.provider(other, location=other_location)
    owner = member(visitor, october)
    wanted = other_location.id if name == "location" else other_provider.id
    response = owner.get(f"{path}?{LAST_MONTH}&{name}={wanted}")
    assert response.status_code == 404 and "Not found" in html(response)


@pytest.mark.parametrize("query, field, message", [
    ("start=2026-13-01&end=2026-10-31", "start", "That is not a date"),
    ("start=2026-10-31&end=2026-10-01", "end", "The end comes before the start."),
    ("start=2024-01-01&end=2026-10-31", "end", "A report covers at most a year."),
    ("start=2026-10-01&end=", "end", "Give a date"),
    ("location=central", "location", "Choose one from the list."),
])
def test_bad_dates_get_422_with_the_values_kept(october, visitor, query, field, message):
    owner = member(visitor, october)
    for path in ("/dashboard/reports/revenue", "/dashboard/reports/revenue.csv"):
        response = owner.get(f"{path}?{query}")
        assert response.status_code == 422 and response.mimetype == "text/html"
        page = html(response)
        assert message in text(page)
        assert "Fix the choices above to see the report." in text(page)
        for name, value in (pair.split("=") for pair in query.split("&")):
            if name in ("start", "end"):
                assert re.search(rf'name="{name}" value="{re.escape(value)}"', page)
        if field in ("start", "end"):
            assert re.search(rf'name="{field}" value="[^"]*"[^>]* aria-invalid="true"', page)


# What each report costs


REPORT_PAGES = ["/dashboard/reports", "/dashboard/reports/utilisation", "/dashboard/reports/revenue",
                "/dashboard/reports/customers", "/dashboard/reports/lead-time", "/dashboard/reports/busiest-hours"]


@pytest.mark.parametrize("path", REPORT_PAGES)
def test_every_report_page_takes_at_most_five_statements(october, visitor, count_queries, path):
    owner = member(visitor, october)
    query = f"{LAST_MONTH}&location={october['central'].id}"  # read before counting: the test's own rows reload
    owner.get(f"{path}?{query}")
    with count_queries() as queries:
        page = owner.get(f"{path}?{query}")
    assert page.status_code == 200
    # The tenant and the user; the locations and providers (one statement); the figures (one or two).
    assert queries.count <= 5, f"{path} sent {queries.count} statements:\n{queries}"
    with count_queries() as as_csv:
        sheet(owner.get(f"{'/dashboard/reports/status' if path == '/dashboard/reports' else path}.csv?{query}"))
    assert as_csv.count == queries.count, f"{path}.csv sent {as_csv.count}:\n{as_csv}"


def test_a_report_costs_the_same_statements_with_more_appointments(october, visitor, count_queries):
    owner = member(visitor, october)
    path = f"/dashboard/reports/customers?{LAST_MONTH}"
    owner.get(path)
    with count_queries() as few:
        owner.get(path)
    tenant, central, ann, checkup = october["tenant"], october["central"], october["ann"], october["checkup"]
    for day in range(1, 21):
        factories.appointment(tenant, location=central, provider=ann, service=checkup,
                              customer=factories.customer(tenant), starts_at=utc(f"2026-10-{day:02d}T12:00"),
                              status="completed")
    with count_queries() as many:
        found = table_of(owner.get(path), "New and returning customers")
    assert found["New"] == [str(NEW + 20)]
    assert many.count == few.count
