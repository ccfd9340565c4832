"""The front desk's calendar: day (providers as columns), rooms (the location's resources as columns),
week (one provider's days), month (counts per day) and agenda (the list, the accessible view). Every view
is one URL holding all its state."""
from dataclasses import dataclass, replace
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import request
from werkzeug.datastructures import MultiDict

from app.blueprints.dashboard import bp
from app.blueprints.dashboard.access import own_calendar_only
from app.core import clock
from app.core.database import db
from app.modules.appointments import calendars
from app.modules.availability import week_of
from app.web.rendering import render

PATHS = {"day": "/dashboard/calendar", "rooms": "/dashboard/calendar/rooms", "week": "/dashboard/calendar/week",
         "month": "/dashboard/calendar/month", "agenda": "/dashboard/calendar/agenda"}


@dataclass(frozen=True)
class State:
    """Everything a calendar view shows, as its query string carries it."""

    view: str
    day: date | None
    location_id: int | None
    provider_id: int | None
    show_all: bool = False
    span: str = "day"  # the agenda's: a day or a week
    everywhere: bool = False  # the agenda's: every location's appointments, each in its own time zone

    @classmethod
    def from_query(cls, view: str, args=None) -> "State":
        args = request.args if args is None else args
        return cls(view, _date(args.get("date")), _integer(args.get("location_id")), _integer(args.get("provider_id")),
                   args.get("all") == "1", "week" if args.get("span") == "week" else "day",
                   view == "agenda" and args.get("location_id") == "all")

    @property
    def path(self) -> str:
        return PATHS[self.view]

    def url(self, **changes) -> str:
        state = replace(self, **changes)
        everywhere = state.everywhere and state.view == "agenda"
        query = {"date": state.day.isoformat() if state.day else None,
                 "location_id": "all" if everywhere else state.location_id,
                 "provider_id": state.provider_id, "all": "1" if state.show_all and state.view == "day" else None,
                 "span": state.span if state.view == "agenda" else None}
        query = {name: value for name, value in query.items() if value is not None}
        return PATHS[state.view] + ("?" + urlencode(query) if query else "")

    def step(self, direction: int) -> date:
        if self.view == "month":
            month = self.day.month - 1 + direction
            return date(self.day.year + month // 12, month % 12 + 1, 1)
        weeks = self.view == "week" or (self.view == "agenda" and self.span == "week")
        return self.day + timedelta(days=direction * (7 if weeks else 1))


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None  # a mistyped date shows today rather than an error


def _integer(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _setting(view: str, args=None):
    """The view's state, with the chosen location and its providers (a provider sees only their own)."""
    state = State.from_query(view, args)
    place = calendars.setting(db.session, location_id=state.location_id, provider_user_id=own_calendar_only())
    today = clock.now().astimezone(place.zone).date()
    state = replace(state, day=state.day or today, location_id=place.location.id if place.location else None)
    if state.provider_id is not None and place.member(state.provider_id) is None:
        state = replace(state, provider_id=None)  # not a provider of this practice whom the member may see
    return state, place, today


def _page(template: str, state: State, place, today: date, **context):
    return render(template, "calendar", state=state, place=place, today=today, **context)


def _day(state: State, place) -> dict:
    grid = members = exceptions = None
    if place.location is not None:
        grid, members, exceptions = calendars.day_grid(
            db.session, place, state.day, show_all=state.show_all, provider_id=state.provider_id, now=clock.now())
    return {"state": state, "grid": grid, "members": members, "exceptions": exceptions}


def _week(state: State, place) -> dict:
    monday = week_of(state.day)[0]
    state = replace(state, day=monday)
    here = [m for m in place.members if m.works_here]
    member = place.member(state.provider_id) or (here[0] if here else None)
    grid = exceptions = None
    if place.location is not None and member is not None:
        state = replace(state, provider_id=member.id)
        grid, exceptions = calendars.week_grid(db.session, place, member, monday, now=clock.now())
    return {"state": state, "grid": grid, "member": member, "exceptions": exceptions,
            "last": monday + timedelta(days=6)}


def _rooms(state: State, place) -> dict:
    grid = resources = None
    if place.location is not None:
        # A provider sees only their own appointments in the rooms (own_calendar_only keeps one member).
        own = None
        if own_calendar_only() is not None:
            own = place.members[0].id if place.members else 0  # a provider without a calendar sees nobody's
        grid, resources = calendars.rooms_grid(db.session, place, state.day, provider_id=own, now=clock.now())
    return {"state": replace(state, provider_id=None), "grid": grid, "resources": resources}


GRIDS = {"day": ("dashboard/calendar/day.html", _day), "week": ("dashboard/calendar/week.html", _week)}


@bp.get("/calendar")
def calendar():
    state, place, today = _setting("day")
    return render("dashboard/calendar/day.html", "calendar", place=place, today=today, **_day(state, place))


@bp.get("/calendar/rooms")
def calendar_rooms():
    state, place, today = _setting("rooms")
    return render("dashboard/calendar/rooms.html", "calendar", place=place, today=today, **_rooms(state, place))


@bp.get("/calendar/week")
def calendar_week():
    state, place, today = _setting("week")
    return render("dashboard/calendar/week.html", "calendar", place=place, today=today, **_week(state, place))


class Shown:
    """The day or week grid a calendar URL shows, read before a change, to answer the change with only
    the columns it touched (htmx swaps each by its id, out of band)."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        view = next((name for name, path in PATHS.items() if path == parts.path), None)
        self.template, build = GRIDS.get(view, (None, None))
        self.context = None
        if build is not None:
            state, place, today = _setting(view, MultiDict(parse_qsl(parts.query)))
            self.build = lambda: build(state, place) | {"place": place, "today": today}
            self.context = self.build()

    def changed(self, touched: set[tuple[int, date]]):
        """The columns of ``touched`` (provider, local day) as they are now, as out-of-band swaps; None when
        the grid's shape changed (its rows or columns), and only a reload of the whole view is right."""
        if self.context is None or self.context["grid"] is None:
            return None
        before, after = self.context["grid"], self.build()
        grid = after["grid"]
        if grid is None or [r.label for r in grid.rows] != [r.label for r in before.rows] or (
                [c.key for c in grid.columns] != [c.key for c in before.columns]):
            return None
        keys = {f"col-{provider_id}-{day.isoformat()}" for provider_id, day in touched}
        return after | {"changed": {c.key for c in grid.columns if c.key in keys}}


@bp.get("/calendar/month")
def calendar_month():
    state, place, today = _setting("month")
    state = replace(state, day=state.day.replace(day=1))
    weeks = calendars.month_weeks(state.day)
    counts = {}
    if place.location is not None:
        ids = [state.provider_id] if state.provider_id else [m.id for m in place.members]
        counts = calendars.month_counts(db.session, place, ids, weeks[0][0], weeks[-1][-1])
    return _page("dashboard/calendar/month.html", state, place, today, weeks=weeks, counts=counts)


def agenda_of(state: State, place) -> dict:
    """The agenda's list for the state's day or week: at the chosen location, or everywhere."""
    first = week_of(state.day)[0] if state.span == "week" else state.day
    state = replace(state, day=first)
    last = first + timedelta(days=6 if state.span == "week" else 0)
    items = []
    if place.location is not None:
        ids = [state.provider_id] if state.provider_id else [m.id for m in place.members]
        items = calendars.agenda(db.session, place, ids, first, last, everywhere=state.everywhere)
    return {"state": state, "appointments": items, "last": last}


@bp.get("/calendar/agenda")
def calendar_agenda():
    state, place, today = _setting("agenda")
    return render("dashboard/calendar/agenda.html", "calendar", place=place, today=today, **agenda_of(state, place))


def todays_agenda():
    """Today's agenda, everywhere: the dashboard's front page (see agenda.py)."""
    state, place, today = _setting("agenda", MultiDict({"location_id": "all"}))
    return place, today, agenda_of(state, place)
