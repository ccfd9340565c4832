"""Reading the calendar: the appointments of a period, with everything the dashboard shows of them."""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.core.records import UTCDateTime
from app.core.zones import is_ambiguous, wall_time
from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.availability.engine import ProviderCalendar, local_day_bounds, resolve
from app.modules.catalogue.models import Location, LocationClosure, Provider, ProviderLocation, Service
from app.modules.customers.models import Customer
from app.modules.resources.models import AppointmentResource, Resource
from app.modules.schedules.models import ScheduleOverride, TimeOff, WorkingHours

# The calendar grid: day (providers as columns), rooms (the location's resources as columns, each
# appointment in the one it uses), week (days as columns), month (counts per day).
#
# Rows are 15-minute steps of real UTC instants, labelled in the location's wall-clock time: on the
# day clocks go forward the skipped quarter hours never appear; on the day they go back the repeated
# ones appear twice, labelled with their zone abbreviation. A week's columns are days, whose instants
# differ: each row is a wall-clock time (told apart by fold), and a day without it shows a gap.

STEP = timedelta(minutes=15)
HIDDEN_STATUSES = ("cancelled", "declined")  # not holding time: listed by the agenda, not drawn on the grid
DEFAULT_HOURS = (time(9), time(17))  # the rows of a day nobody shown works
STATE_NAMES = {"off": "not working", "time-off": "time off", "closed": "closed"}


@dataclass
class Member:
    """A provider as the calendar shows them: linked to the location or not, with their hours there."""

    id: int
    name: str
    user_id: int | None
    works_here: bool
    hours: ProviderCalendar


@dataclass
class Setting:
    """What every view loads first: the locations, the one chosen, and the providers there."""

    locations: list[Location]
    location: Location | None
    zone: ZoneInfo
    members: list[Member]

    def member(self, provider_id: int | None) -> Member | None:
        return next((m for m in self.members if m.id == provider_id), None)


def setting(session: Session, *, location_id: int | None, provider_user_id: int | None) -> Setting:
    """The active locations (one statement) and the providers of the chosen one with their weekly hours
    there (one statement). ``provider_user_id`` keeps only that user's provider."""
    locations = list(session.scalars(select(Location).where(Location.active).order_by(Location.name, Location.id)))
    location = next((l for l in locations if l.id == location_id), locations[0] if locations else None)
    if location is None:
        return Setting(locations, None, ZoneInfo("UTC"), [])
    query = (
        select(Provider.id, Provider.name, Provider.user_id, ProviderLocation.id,
               WorkingHours.weekday, WorkingHours.starts_at, WorkingHours.ends_at)
        .outerjoin(ProviderLocation, sa.and_(ProviderLocation.provider_id == Provider.id,
                                             ProviderLocation.location_id == location.id))
        .outerjoin(WorkingHours, sa.and_(WorkingHours.provider_id == Provider.id, WorkingHours.location_id == location.id))
        .where(Provider.active)
        .order_by(Provider.name, Provider.id, WorkingHours.weekday, WorkingHours.starts_at)
    )
    if provider_user_id is not None:
        query = query.where(Provider.user_id == provider_user_id)
    members: dict[int, Member] = {}
    for provider_id, name, user_id, link, weekday, opens, closes in session.execute(query):
        member = members.get(provider_id)
        if member is None:
            member = members[provider_id] = Member(
                provider_id, name, user_id, link is not None, ProviderCalendar(provider_id, name, timedelta(0), None))
        if weekday is not None:
            member.hours.weekly[weekday].append((opens, closes))
    return Setting(locations, location, ZoneInfo(location.timezone), list(members.values()))


@dataclass
class Exceptions:
    closures: dict[date, str] = field(default_factory=dict)  # a closed local date, with its reason
    time_off: dict[int, list[tuple[datetime, datetime, str]]] = field(default_factory=lambda: defaultdict(list))


def load_exceptions(session: Session, place: Setting, members: list[Member], first: date, last: date,
                    starts: datetime, ends: datetime) -> Exceptions:
    """Date overrides (into each member's hours), time off and the location's closures, in one statement."""
    found = Exceptions()
    ids = [m.id for m in members] or [0]
    no_date, no_time, no_instant = sa.cast(sa.null(), sa.Date), sa.cast(sa.null(), sa.Time), sa.cast(sa.null(), UTCDateTime())
    overrides = select(
        sa.literal("override").label("kind"), ScheduleOverride.provider_id.label("provider_id"),
        ScheduleOverride.on_date.label("first"), ScheduleOverride.on_date.label("last"),
        ScheduleOverride.starts_at.label("opens"), ScheduleOverride.ends_at.label("closes"),
        ScheduleOverride.is_day_off.label("day_off"), no_instant.label("starts"), no_instant.label("ends"),
        sa.literal("").label("reason"),
    ).where(ScheduleOverride.location_id == place.location.id, ScheduleOverride.provider_id.in_(ids),
            ScheduleOverride.on_date.between(first, last))
    time_off = select(
        sa.literal("time_off"), TimeOff.provider_id, no_date, no_date, no_time, no_time, sa.false(),
        TimeOff.starts_at, TimeOff.ends_at, TimeOff.reason,
    ).where(TimeOff.provider_id.in_(ids), TimeOff.starts_at < ends, TimeOff.ends_at > starts)
    closures = select(
        sa.literal("closure"), sa.cast(sa.null(), sa.Integer), LocationClosure.starts_on, LocationClosure.ends_on,
        no_time, no_time, sa.false(), no_instant, no_instant, LocationClosure.reason,
    ).where(LocationClosure.location_id == place.location.id, LocationClosure.starts_on <= last,
            LocationClosure.ends_on >= first)
    by_id = {m.id: m for m in members}
    for kind, provider_id, first_day, last_day, opens, closes, day_off, off_from, off_until, reason in session.execute(
        sa.union_all(overrides, time_off, closures)
    ):
        if kind == "override":
            hours = by_id[provider_id].hours.overrides.setdefault(first_day, [])
            if not day_off:
                hours.append((opens, closes))
        elif kind == "time_off":
            found.time_off[provider_id].append((off_from, off_until, reason))
        else:
            day = max(first_day, first)
            while day <= min(last_day, last):
                found.closures[day] = reason
                day += timedelta(days=1)
    return found


@dataclass
class Booked:
    """An appointment as the grid draws it: plain values, read in one statement (ORM objects for a busy
    day of twelve providers cost more than the rest of the page)."""

    id: int
    provider_id: int
    location_id: int
    starts_at: datetime
    ends_at: datetime
    blocked_from: datetime
    blocked_until: datetime
    status: str
    version: int
    capacity: int
    service_name: str
    location_name: str
    attendees: list[tuple[str, int]] = field(default_factory=list)  # (customer's name, seats), booked ones only


def grid_appointments(session: Session, provider_ids: list[int], starts: datetime, ends: datetime, *,
                      appointment_ids: list[int] | None = None) -> list[Booked]:
    """The providers' appointments overlapping [starts, ends) that hold time, with their service, location
    and attendees, in one statement; or those of ``appointment_ids``, whoever their provider."""
    query = (
        select(Appointment.id, Appointment.provider_id, Appointment.location_id, Appointment.starts_at,
               Appointment.ends_at, Appointment.blocked_from, Appointment.blocked_until, Appointment.status,
               Appointment.version, Appointment.capacity, Service.name, Location.name, Customer.name,
               AppointmentParticipant.seats)
        .join(Service, Service.id == Appointment.service_id)
        .join(Location, Location.id == Appointment.location_id)
        .outerjoin(AppointmentParticipant, sa.and_(AppointmentParticipant.appointment_id == Appointment.id,
                                                   AppointmentParticipant.cancelled_at.is_(None)))
        .outerjoin(Customer, Customer.id == AppointmentParticipant.customer_id)
        .where(Appointment.provider_id.in_(provider_ids or [0]) if appointment_ids is None
               else Appointment.id.in_(appointment_ids or [0]),
               Appointment.status.not_in(HIDDEN_STATUSES),
               Appointment.starts_at < ends, Appointment.ends_at > starts,
               # Bounded below too, so the index on (provider, start) serves it: nothing lasts a day.
               Appointment.starts_at >= starts - timedelta(days=1))
        .order_by(Appointment.starts_at, Appointment.id, AppointmentParticipant.id)
    )
    found: dict[int, Booked] = {}
    for *values, customer, seats in session.execute(query):
        booked = found.get(values[0])
        if booked is None:
            booked = found[values[0]] = Booked(*values)
        if customer is not None:
            booked.attendees.append((customer, seats))
    return list(found.values())


# Rows


@dataclass(frozen=True)
class Row:
    key: tuple
    label: str
    index: int  # its grid row (the header is row 1)


def wall_minutes(instant: datetime, zone: ZoneInfo) -> int:
    local = instant.astimezone(zone)
    return local.hour * 60 + local.minute


def row_key(instant: datetime, zone: ZoneInfo) -> tuple:
    """Where an instant's row sorts: by wall-clock time, except that a repeated (second) wall time sorts
    after every first one of the repeated hour, just before the wall time where the repetition ends."""
    local = instant.astimezone(zone)
    if not local.fold:
        return (wall_minutes(instant, zone), 0, 0)
    after = instant
    while after.astimezone(zone).fold and is_ambiguous(after, zone):
        after += STEP
    return (wall_minutes(after, zone) or 24 * 60, -1, wall_minutes(instant, zone))


def day_instants(day: date, first_minute: int, last_minute: int, zone: ZoneInfo) -> list[datetime]:
    """Real instants 15 minutes apart covering the wall-clock minutes [first_minute, last_minute) of ``day``."""
    start = resolve(day, time(first_minute // 60, first_minute % 60), zone, earliest=True)
    if last_minute >= 24 * 60:
        end = resolve(day + timedelta(days=1), time.min, zone, earliest=True)
    else:
        end = resolve(day, time(last_minute // 60, last_minute % 60), zone, earliest=False)
    instants, cursor = [], start
    while cursor < end:
        instants.append(cursor)
        cursor += STEP
    return instants


def minute_range(spans: list[tuple[int, int]]) -> tuple[int, int]:
    """The quarter hours enclosing every (first, last) wall minute span; the default hours when there are none."""
    if not spans:
        spans = [(DEFAULT_HOURS[0].hour * 60, DEFAULT_HOURS[1].hour * 60)]
    first = min(s for s, _ in spans) // 15 * 15
    last = -(-max(e for _, e in spans) // 15) * 15
    return first, max(last, first + 15)


def hours_minutes(hours: list[tuple[time, time]]) -> list[tuple[int, int]]:
    return [(o.hour * 60 + o.minute, c.hour * 60 + c.minute) for o, c in hours]


# Cells and blocks


@dataclass
class Block:
    appointment: Booked
    column: int
    row: int
    span: int
    seats_taken: int
    elsewhere: bool  # at another location than the one shown
    continued: bool = False  # the part after midnight of one that began the day before

    @property
    def duration(self) -> int:
        return int((self.appointment.ends_at - self.appointment.starts_at).total_seconds() // 60)


@dataclass(slots=True)
class Cell:
    """An empty quarter hour of a column, with the strings the template writes (worked out once per
    column and row: a busy day draws some 500 of them)."""

    row: Row
    state: str  # working, off, time-off, closed, buffer, skipped
    label: str  # what a screen reader hears of it: what it books, or why it cannot
    hhmm: str  # the local wall-clock time, as the move form takes it (without the zone, even when repeated)
    start: str  # the UTC start the create page takes ("" when skipped); the web layer builds the link


@dataclass
class Column:
    index: int  # its grid column (the times are column 1)
    title: str
    provider_id: int | None
    day: date
    note: str = ""  # closed, time off…
    cells: list = field(default_factory=list)  # its cells and blocks, drawn inside its own element
    blocks: list = field(default_factory=list)
    resource_id: int | None = None  # a room's column (the rooms view), not a provider's

    @property
    def lane(self) -> int:
        return self.provider_id if self.resource_id is None else self.resource_id

    @property
    def key(self) -> str:
        """The column's element id: the same provider and day keep it across renders, so a move can
        swap just the columns it changed."""
        if self.resource_id is not None:
            return f"col-room-{self.resource_id}-{self.day.isoformat()}"
        return f"col-{self.provider_id}-{self.day.isoformat()}"


@dataclass
class Grid:
    zone: ZoneInfo
    columns: list[Column]
    rows: list[Row]
    cells: list[Cell]
    blocks: list[Block]
    now_row: Row | None = None
    now_offset: int = 0  # minutes into the now row, in fives
    now_column: int | None = None  # None: across every column


def build_grid(zone: ZoneInfo, columns: list[Column], hours: dict[int, list[tuple[time, time]]],
               appointments: list[Booked], exceptions: Exceptions, *, location_id: int, now: datetime,
               rooms: dict[int, int] | None = None) -> Grid:
    """Lay the columns out on 15-minute rows: each column's day and provider, the hours each worked
    (by column index), the appointments to place and the exceptions to shade. ``rooms`` (appointment id →
    resource id) places appointments in their room's column instead of their provider's."""
    spans = [span for column in columns for span in hours_minutes(hours[column.index])]
    mine = {(c.lane, c.day): c for c in columns}

    def lane(appointment: Booked) -> int | None:
        return appointment.provider_id if rooms is None else rooms.get(appointment.id)

    def drawn_in(appointment: Booked):
        """The columns an appointment is drawn in, with its first and last wall minute in each: its start's
        day and, past midnight, its continuation on the days it runs into (from their midnight)."""
        first_day = appointment.starts_at.astimezone(zone).date()
        last_day = (appointment.ends_at - timedelta(microseconds=1)).astimezone(zone).date()
        day = first_day
        while day <= last_day:
            column = mine.get((lane(appointment), day))
            if column is not None:
                start = wall_minutes(appointment.starts_at, zone) if day == first_day else 0
                ends_later = appointment.ends_at.astimezone(zone).date() > day  # past midnight, or at it
                end = 24 * 60 if ends_later else wall_minutes(appointment.ends_at, zone)
                yield column, day != first_day, (start, max(end, start + 1))
            day += timedelta(days=1)

    placed = []
    for appointment in appointments:
        for column, continued, span in drawn_in(appointment):
            placed.append((appointment, column, continued))
            spans.append(span)
    first, last = minute_range(spans)
    by_day = {day: day_instants(day, first, last, zone) for day in {c.day for c in columns}}
    per_column = {c.index: by_day[c.day] for c in columns}

    keys = {index: [row_key(t, zone) for t in instants] for index, instants in per_column.items()}
    labels: dict[tuple, str] = {}
    labelled_on: dict[tuple, date] = {}  # a day's columns share their instants: one look at each day's
    for column in columns:
        for key, instant in zip(keys[column.index], per_column[column.index]):
            if key not in labels or (labelled_on[key] != column.day and is_ambiguous(instant, zone)):
                labels[key], labelled_on[key] = wall_time(instant, zone), column.day
    rows = [Row(key, labels[key], n) for n, key in enumerate(sorted(labels), start=2)]
    by_key = {row.key: row for row in rows}

    blocks, covered = [], set()
    for appointment, column, continued in placed:
        touched = [by_key[key] for key, t in zip(keys[column.index], per_column[column.index])
                   if t < appointment.ends_at and t + STEP > appointment.starts_at]
        if not touched:
            continue
        first_row, last_row = touched[0].index, touched[-1].index
        covered.update((column.index, n) for n in range(first_row, last_row + 1))
        seats = sum(taken for _, taken in appointment.attendees)
        block = Block(appointment, column.index, first_row, last_row - first_row + 1, seats,
                      appointment.location_id != location_id, continued)
        blocks.append(block)
        column.blocks.append(block)

    cells = []
    for column in columns:
        instants = dict(zip(keys[column.index], per_column[column.index]))
        day_begins, day_ends = (per_column[column.index][0], per_column[column.index][-1] + STEP) \
            if per_column[column.index] else (now, now)

        def here(spans):  # only the spans touching this column's day: a week's other days need no look
            return [(s, e) for s, e in spans if s < e and s < day_ends and day_begins < e]

        working = [(resolve(column.day, o, zone, earliest=True), resolve(column.day, c, zone, earliest=False))
                   for o, c in hours[column.index]]
        off = here([(s, e) for s, e, _ in exceptions.time_off.get(column.provider_id, [])])
        mine_booked = [a for a in appointments if lane(a) == column.lane]
        buffers = here([(a.blocked_from, a.starts_at) for a in mine_booked] + [(a.ends_at, a.blocked_until)
                                                                              for a in mine_booked])
        closed = column.day in exceptions.closures
        when = f"{column.day:%a %-d %b}"
        book = f"Book {column.title}, {when} " if column.resource_id is None else f"{column.title}, {when} "
        suffix = {name: f" ({label})" for name, label in STATE_NAMES.items()}
        for row in rows:
            if (column.index, row.index) in covered:
                continue
            instant = instants.get(row.key)
            if instant is None:
                cell = Cell(row, "skipped", f"{row.label} does not happen on {column.day:%A %-d %B} (clocks change)",
                            row.label[:5], "")
            else:
                ends = instant + STEP
                if closed:
                    state = "closed"
                elif any(s < ends and instant < e for s, e in off):
                    state = "time-off"
                elif any(s < ends and instant < e for s, e in buffers):
                    state = "buffer"
                elif any(s <= instant and ends <= e for s, e in working):
                    state = "working"
                else:
                    state = "off"
                label = (f"{column.title}, {when} {row.label}: buffer" if state == "buffer"
                         else book + row.label + suffix.get(state, ""))
                # The row's label is the wall-clock time (with the zone when repeated): its first five.
                cell = Cell(row, state, label, row.label[:5], f"{instant:%Y-%m-%dT%H:%MZ}")
            cells.append(cell)
            column.cells.append(cell)

    grid = Grid(zone, columns, rows, cells, blocks)
    for column in columns:
        for key, instant in zip(keys[column.index], per_column[column.index]):
            if instant <= now < instant + STEP:
                grid.now_row = by_key[key]
                grid.now_offset = int((now - instant).total_seconds() // 300) * 5
                grid.now_column = column.index if len({c.day for c in columns}) > 1 else None
    return grid


def day_grid(session: Session, place: Setting, day: date, *, show_all: bool, provider_id: int | None,
             now: datetime) -> tuple[Grid, list[Member], Exceptions]:
    """The day view: the providers at the location as columns (those working that day, or all of them,
    or one), in three more statements whatever the number of providers or appointments."""
    zone = place.zone
    starts, ends = local_day_bounds(day, day, zone)
    candidates = [m for m in place.members if m.works_here or m.id == provider_id]
    exceptions = load_exceptions(session, place, candidates, day, day, starts, ends)
    if provider_id is not None:
        shown = [m for m in candidates if m.id == provider_id]
    elif show_all:
        shown = candidates
    else:
        shown = [m for m in candidates if m.hours.hours_on(day)]
    columns = [Column(n, m.name, m.id, day) for n, m in enumerate(shown, start=2)]
    hours = {c.index: m.hours.hours_on(day) for c, m in zip(columns, shown)}
    for column in columns:
        if day in exceptions.closures:
            column.note = "closed"
        elif exceptions.time_off.get(column.provider_id):
            column.note = "time off"
        elif not hours[column.index]:
            column.note = "not working"
    appointments = grid_appointments(session, [m.id for m in shown], starts, ends)
    return build_grid(zone, columns, hours, appointments, exceptions, location_id=place.location.id, now=now), shown, exceptions


def rooms_grid(session: Session, place: Setting, day: date, *, provider_id: int | None,
               now: datetime) -> tuple[Grid, list[Resource]]:
    """The rooms view: the location's active resources as columns, each appointment of the day in the one it
    uses (``provider_id``: only that provider's), the rows covering everyone's hours there, in four more
    statements: exceptions, resources, their uses, the appointments."""
    zone = place.zone
    starts, ends = local_day_bounds(day, day, zone)
    members = [m for m in place.members if m.works_here]
    exceptions = load_exceptions(session, place, members, day, day, starts, ends)
    resources = list(session.scalars(
        select(Resource).where(Resource.location_id == place.location.id, Resource.active)
        .order_by(Resource.kind, Resource.name, Resource.id)))
    uses = session.execute(
        select(AppointmentResource.appointment_id, AppointmentResource.resource_id)
        .join(Appointment, Appointment.id == AppointmentResource.appointment_id)
        .where(AppointmentResource.resource_id.in_([r.id for r in resources] or [0]),
               Appointment.status.not_in(HIDDEN_STATUSES), Appointment.starts_at < ends, Appointment.ends_at > starts,
               Appointment.starts_at >= starts - timedelta(days=1),
               *([Appointment.provider_id == provider_id] if provider_id is not None else []))
    ).all()
    rooms = dict(uses)
    columns = [Column(n, r.name, None, day, note=r.kind, resource_id=r.id) for n, r in enumerate(resources, start=2)]
    # A room keeps no hours of its own: its rows and shading are the hours of everyone working here that day.
    everyone = [hours for m in members for hours in m.hours.hours_on(day)]
    hours = {c.index: everyone for c in columns}
    if day in exceptions.closures:
        for column in columns:
            column.note = "closed"
    exceptions.time_off.clear()  # a provider's time off is not a room's
    appointments = grid_appointments(session, [], starts, ends, appointment_ids=list(rooms))
    grid = build_grid(zone, columns, hours, appointments, exceptions, location_id=place.location.id, now=now,
                      rooms=rooms)
    return grid, resources


def week_grid(session: Session, place: Setting, member: Member, first_day: date, *, now: datetime) -> tuple[Grid, Exceptions]:
    """The week view: one provider, seven day columns, in two more statements."""
    zone = place.zone
    last_day = first_day + timedelta(days=6)
    starts, ends = local_day_bounds(first_day, last_day, zone)
    exceptions = load_exceptions(session, place, [member], first_day, last_day, starts, ends)
    days = [first_day + timedelta(days=n) for n in range(7)]
    columns = [Column(n, f"{day:%a %-d %b}", member.id, day) for n, day in enumerate(days, start=2)]
    hours = {c.index: member.hours.hours_on(c.day) for c in columns}
    for column in columns:
        if column.day in exceptions.closures:
            column.note = "closed"
        elif not hours[column.index]:
            column.note = "not working"
    appointments = grid_appointments(session, [member.id], starts, ends)
    return build_grid(zone, columns, hours, appointments, exceptions, location_id=place.location.id, now=now), exceptions


def month_counts(session: Session, place: Setting, provider_ids: list[int], first_day: date, last_day: date) -> Counter:
    """Each local day's number of appointments at the location (those holding time, and those done), one statement."""
    starts, ends = local_day_bounds(first_day, last_day, place.zone)
    query = select(Appointment.starts_at).where(
        Appointment.location_id == place.location.id, Appointment.provider_id.in_(provider_ids or [0]),
        Appointment.status.not_in(HIDDEN_STATUSES), Appointment.starts_at >= starts, Appointment.starts_at < ends,
    )
    return Counter(instant.astimezone(place.zone).date() for instant in session.scalars(query))


def month_weeks(day: date) -> list[list[date]]:
    """The Monday-to-Sunday weeks covering ``day``'s month."""
    first = day.replace(day=1)
    cursor = first - timedelta(days=first.weekday())
    weeks = []
    while cursor.month == first.month or cursor < first:
        weeks.append([cursor + timedelta(days=n) for n in range(7)])
        cursor += timedelta(days=7)
    return weeks


def agenda(session: Session, place: Setting, provider_ids: list[int], first_day: date, last_day: date, *,
           everywhere: bool = False) -> list[Appointment]:
    """The agenda view's list: every appointment at the location (or at every one) in the days, those
    running past midnight into them too, cancelled ones too, one statement. The days are the shown
    location's local days."""
    starts, ends = local_day_bounds(first_day, last_day, place.zone)
    query = (
        select(Appointment)
        .where(Appointment.provider_id.in_(provider_ids or [0]),
               # Those running into the days from the evening before too (bounded below for the index).
               Appointment.starts_at < ends, Appointment.ends_at > starts,
               Appointment.starts_at >= starts - timedelta(days=1))
        .options(joinedload(Appointment.provider), joinedload(Appointment.service), joinedload(Appointment.location),
                 joinedload(Appointment.participants).joinedload(AppointmentParticipant.customer))
        .order_by(Appointment.starts_at, Appointment.id)
    )
    if not everywhere:
        query = query.where(Appointment.location_id == place.location.id)
    return list(session.scalars(query).unique())
