"""Booking storms on PostgreSQL: many customers at once, through a real HTTP server.

Each customer is a thread with its own sockets, cookies and CSRF token; the
server answers every request in a thread of its own, with its own database
connection. A barrier releases all the submits at the same moment.
"""
import http.client
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from datetime import time as wall
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules import intake
from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.catalogue.models import ProviderLocation, ProviderService, Service
from app.modules.customers.models import Customer
from app.modules.resources.models import Resource
from app.modules.schedules.models import WorkingHours
from tests.conftest import running_app
from tests.support import factories, services

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CLIENTS = 24
STORM_TIMEOUT = 90  # seconds for a whole storm; each request also has its own socket timeout
REQUEST_TIMEOUT = 60
ZONE = ZoneInfo("Europe/London")
ACTIVE = "('pending', 'confirmed', 'checked_in')"
TAKEN = "just been taken"


# A real server, and customers who talk to it over sockets


@pytest.fixture
def storm_app(database_url):
    """An app whose pool holds a connection for every concurrent request."""
    services.require("postgres")
    engine_options = {"pool_size": CLIENTS + 6, "max_overflow": 10, "pool_pre_ping": True, "pool_timeout": 60}
    with running_app(database_url, SQLALCHEMY_ENGINE_OPTIONS=engine_options) as app:
        yield app


@pytest.fixture
def server(storm_app):
    """Serve the app on a free loopback port, one thread per request, as in the browser tests."""
    httpd = make_server("127.0.0.1", 0, storm_app, threaded=True)
    storm_app.config["BASE_DOMAIN"] = f"sloty.test:{httpd.server_port}"
    storm_app.config["SESSION_COOKIE_SECURE"] = False  # plain http on loopback
    thread = threading.Thread(target=httpd.serve_forever, name="storm-server", daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    thread.join(timeout=5)


@dataclass(frozen=True)
class Answer:
    status: int
    location: str | None
    text: str

    def __str__(self) -> str:
        return str(self.status)


class HiddenFields(HTMLParser):
    """The named inputs of one form on a page, as a browser would submit them."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.fields, self.buttons = form_id, False, {}, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        elif self.inside and tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif self.inside and tag == "button" and attrs.get("name") == "start":
            self.buttons.append(attrs.get("value"))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_on(answer: Answer, form_id: str) -> HiddenFields:
    parser = HiddenFields(form_id)
    parser.feed(answer.text)
    assert parser.fields, f"no form #{form_id} on the page (status {answer.status}):\n{answer.text[:2000]}"
    return parser


class Browser:
    """One customer's browser: a fresh connection per request, its own cookie jar."""

    def __init__(self, clinic):
        self.port = clinic.port
        self.host = clinic.host
        self.cookies: dict[str, str] = {}

    def get(self, path: str) -> Answer:
        return self._send("GET", path)

    def post(self, path: str, form: dict) -> Answer:
        return self._send("POST", path, urlencode(form), {"Content-Type": "application/x-www-form-urlencoded"})

    def _send(self, method, path, body=None, headers=None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            headers = {"Host": self.host, **(headers or {})}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for cookie in response.msg.get_all("Set-Cookie") or []:
                name, _, rest = cookie.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            location = response.getheader("Location")
            return Answer(response.status, location and urlsplit(location).path, text)
        finally:
            connection.close()


def storm(count: int, prepare, submit) -> list:
    """Run ``count`` customers in threads: each prepares alone, then all submit at once.

    Returns each customer's Answer, or the exception it met, in order.
    """
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def customer(i):
        try:
            ready = prepare(i)
            barrier.wait(timeout=STORM_TIMEOUT)
            outcomes[i] = submit(i, ready)
        except Exception as error:  # noqa: BLE001  (reported in the histogram)
            barrier.abort()
            outcomes[i] = f"{type(error).__name__}: {error}"

    threads = [threading.Thread(target=customer, args=(i,), name=f"customer-{i}", daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + STORM_TIMEOUT
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"still waiting after {STORM_TIMEOUT}s: {stuck}; so far {histogram(outcomes)}"
    return outcomes


def histogram(outcomes) -> dict:
    return dict(Counter(str(outcome) for outcome in outcomes))


def answers_with(outcomes, status: int) -> list[Answer]:
    return [o for o in outcomes if isinstance(o, Answer) and o.status == status]


# The practice under siege


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, wall(hour, minute), ZONE).astimezone(timezone.utc)


def key(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%MZ")


def days_ahead(count: int) -> date:
    """A day far enough ahead for any notice and cutoff."""
    return clock.now().astimezone(ZONE).date() + timedelta(days=count)


def save(tenant, *rows) -> None:
    with tenant_context(tenant):
        db.session.add_all(rows)
        db.session.commit()


def sql(query: str, **params) -> list:
    """Ask the database directly, on a connection of its own, past any ORM scoping or identity map."""
    with db.engine.connect() as connection:
        return connection.execute(sa.text(query), params).all()


@dataclass(frozen=True)
class Clinic:
    """The practice under siege, as plain ids that any thread can read."""

    tenant: object  # for the factories, in the test's own thread
    host: str
    port: int
    location_id: int
    provider_id: int


@pytest.fixture
def clinic(storm_app, server) -> Clinic:
    """One provider who works 08:00–20:00 every day at one London location."""
    tenant = factories.tenant("storm", name="Storm Clinic")
    location = factories.location(tenant, timezone="Europe/London")
    provider = factories.provider(tenant, name="Dr Busy")
    ids = Clinic(tenant, f"storm.{storm_app.config['BASE_DOMAIN']}", server.server_port, location.id, provider.id)
    works_all_week(tenant, provider.id, location.id)
    return ids


def works_all_week(tenant, provider_id: int, location_id: int) -> None:
    save(tenant, ProviderLocation(tenant_id=tenant.id, provider_id=provider_id, location_id=location_id), *[
        WorkingHours(tenant_id=tenant.id, provider_id=provider_id, location_id=location_id, weekday=weekday,
                     starts_at=wall(8), ends_at=wall(20))
        for weekday in range(7)
    ])


def colleague(clinic: Clinic) -> int:
    """A second provider, with the same hours at the same place; its id."""
    provider_id = factories.provider(clinic.tenant, name="Dr Also").id
    works_all_week(clinic.tenant, provider_id, clinic.location_id)
    return provider_id


def offered(clinic: Clinic, *, by: tuple[int, ...] = (), **service_fields) -> int:
    """A service the clinic's provider (or the providers ``by``) offers; its id."""
    service_id = factories.service(clinic.tenant, **service_fields).id
    save(clinic.tenant, *[
        ProviderService(tenant_id=clinic.tenant.id, provider_id=provider_id, service_id=service_id)
        for provider_id in by or (clinic.provider_id,)
    ])
    return service_id


def details_path(clinic: Clinic, service_id: int, starts_at: datetime, provider: int | str | None = None) -> str:
    query = urlencode({"location": clinic.location_id, "provider": provider or clinic.provider_id, "start": key(starts_at)})
    return f"/services/{service_id}/book?{query}"


def booked(clinic: Clinic, service_id: int, starts_at: datetime, *, customers: int = 1, provider_id: int | None = None) -> list[str]:
    """An existing appointment at ``starts_at`` with ``customers`` bookings in it; their manage tokens."""
    tenant = clinic.tenant
    with tenant_context(tenant):
        service = db.session.get(Service, service_id)
        ends_at = starts_at + timedelta(minutes=service.duration_minutes)
        appointment = Appointment(
            tenant_id=tenant.id, location_id=clinic.location_id, provider_id=provider_id or clinic.provider_id,
            service_id=service_id,
            starts_at=starts_at, ends_at=ends_at, blocked_from=starts_at - timedelta(minutes=service.buffer_before_minutes),
            blocked_until=ends_at + timedelta(minutes=service.buffer_after_minutes), status="confirmed",
            capacity=service.capacity, price=service.price, manage_token=secrets.token_urlsafe(32),
        )
        db.session.add(appointment)
        db.session.flush()
        tokens = [secrets.token_urlsafe(32) for _ in range(customers)]
        for token in tokens:
            person = Customer(tenant_id=tenant.id, name="Early Bird", email=f"early.{token[:12].lower()}@example.com")
            db.session.add(person)
            db.session.flush()
            db.session.add(AppointmentParticipant(
                tenant_id=tenant.id, appointment_id=appointment.id, customer_id=person.id, manage_token=token,
            ))
        db.session.commit()
    return tokens


def open_details(browser: Browser, clinic: Clinic, service_id: int, starts_at: datetime, provider=None) -> dict:
    """The booking form as the details page serves it: CSRF token, slot and idempotency key."""
    page = browser.get(details_path(clinic, service_id, starts_at, provider))
    assert page.status == 200, f"details page for {key(starts_at)}: {page.status}\n{page.text[:2000]}"
    return form_on(page, "booking-form").fields


def filled_in(fields: dict, n: int) -> dict:
    return fields | {"name": f"Customer {n}", "email": f"customer{n}@example.com"}


def assert_taken_page(answer: Answer) -> None:
    """The 409: the slot picker again, a plain message, and other times to choose from."""
    assert TAKEN in answer.text, answer.text[:2000]
    assert 'id="booking-step"' in answer.text
    assert 'class="slot"' in answer.text, "the picker offers other times"


def overlapping_pairs() -> list:
    """Active appointments of one provider whose blocked times (buffers included) overlap."""
    return sql(f"""
        SELECT a.id, b.id, a.blocked_from, a.blocked_until, b.blocked_from, b.blocked_until
        FROM appointments a JOIN appointments b
          ON a.tenant_id = b.tenant_id AND a.provider_id = b.provider_id AND a.id < b.id
        WHERE a.status IN {ACTIVE} AND b.status IN {ACTIVE}
          AND a.blocked_from < b.blocked_until AND b.blocked_from < a.blocked_until
    """)


# The storms


def book(browser: Browser, service_id: int, fields: dict) -> Answer:
    return browser.post(f"/services/{service_id}/book", fields)


def test_many_customers_booking_the_same_slot_get_one_booking_and_409s(clinic):
    services.require("postgres")
    service_id = offered(clinic, duration_minutes=30)
    starts_at = at(days_ahead(3), 10)
    browsers = [Browser(clinic) for _ in range(CLIENTS)]

    outcomes = storm(
        CLIENTS,
        prepare=lambda i: open_details(browsers[i], clinic, service_id, starts_at),
        submit=lambda i, fields: book(browsers[i], service_id, filled_in(fields, i)),
    )

    assert histogram(outcomes) == {"303": 1, "409": CLIENTS - 1}, histogram(outcomes)
    for answer in answers_with(outcomes, 409):
        assert_taken_page(answer)
    assert sql("SELECT starts_at FROM appointments") == [(starts_at,)]
    [(winner, answer)] = [(i, o) for i, o in enumerate(outcomes) if o.status == 303]
    assert sql("SELECT c.email FROM appointment_participants p JOIN customers c ON c.id = p.customer_id") == [
        (f"customer{winner}@example.com",)
    ]
    confirmation = browsers[winner].get(answer.location)
    assert confirmation.status == 200 and "You’re booked" in confirmation.text


def test_overlapping_times_storm_never_books_overlapping_appointments(clinic):
    services.require("postgres")
    service_id = offered(clinic, duration_minutes=60, buffer_before_minutes=10, buffer_after_minutes=5)
    day = days_ahead(4)
    starts = [at(day, 9) + timedelta(minutes=15 * i) for i in range(CLIENTS)]  # 09:00, 09:15, … 14:45
    browsers = [Browser(clinic) for _ in range(CLIENTS)]

    outcomes = storm(
        CLIENTS,
        prepare=lambda i: open_details(browsers[i], clinic, service_id, starts[i]),
        submit=lambda i, fields: book(browsers[i], service_id, filled_in(fields, i)),
    )

    statuses = histogram(outcomes)
    assert set(statuses) == {"303", "409"}, statuses
    assert overlapping_pairs() == [], statuses
    won = sorted(starts[i] for i, o in enumerate(outcomes) if o.status == 303)
    assert [row.starts_at for row in sql("SELECT starts_at FROM appointments ORDER BY starts_at")] == won, statuses
    blocks = [(start - timedelta(minutes=10), start + timedelta(minutes=65)) for start in won]
    for i, outcome in enumerate(outcomes):
        if outcome.status == 409:
            assert_taken_page(outcome)
            wanted = (starts[i] - timedelta(minutes=10), starts[i] + timedelta(minutes=65))
            assert any(start < wanted[1] and wanted[0] < end for start, end in blocks), (
                f"{key(starts[i])} was refused but overlaps no winner; {statuses}"
            )


def test_reschedule_storm_into_one_free_time_moves_exactly_one_booking(clinic):
    services.require("postgres")
    service_id = offered(clinic, duration_minutes=30)
    day, target_day = days_ahead(3), days_ahead(4)
    tokens = [  # 08:00, 08:30, … 19:30: a full day, one customer each
        booked(clinic, service_id, at(day, 8) + timedelta(minutes=30 * i))[0] for i in range(CLIENTS)
    ]
    target = at(target_day, 10)
    browsers = [Browser(clinic) for _ in range(CLIENTS)]

    def prepare(i):
        form = form_on(browsers[i].get(f"/bookings/{tokens[i]}/reschedule?day={target_day.isoformat()}"), "reschedule-form")
        assert key(target) in form.buttons, f"{key(target)} is not offered: {form.buttons}"
        return form.fields | {"start": key(target)}

    outcomes = storm(CLIENTS, prepare, lambda i, form: browsers[i].post(f"/bookings/{tokens[i]}/reschedule", form))

    assert histogram(outcomes) == {"303": 1, "409": CLIENTS - 1}, histogram(outcomes)
    [mover] = [i for i, o in enumerate(outcomes) if o.status == 303]
    assert outcomes[mover].location == f"/bookings/{tokens[mover]}"
    for answer in answers_with(outcomes, 409):
        assert TAKEN in answer.text and 'id="reschedule-form"' in answer.text, answer.text[:2000]
    at_target = sql(
        "SELECT p.manage_token FROM appointments a JOIN appointment_participants p ON p.appointment_id = a.id "
        "WHERE a.starts_at = :target", target=target,
    )
    assert at_target == [(tokens[mover],)]
    assert sql("SELECT count(*) FROM appointments WHERE starts_at < :target", target=target) == [(CLIENTS - 1,)]
    assert overlapping_pairs() == []


def test_last_seat_storm_sells_the_seat_once(clinic):
    services.require("postgres")
    service_id = offered(clinic, duration_minutes=60, capacity=6)
    starts_at = at(days_ahead(3), 11)
    booked(clinic, service_id, starts_at, customers=5)  # five of six places taken
    browsers = [Browser(clinic) for _ in range(CLIENTS)]

    def prepare(i):
        fields = open_details(browsers[i], clinic, service_id, starts_at)
        assert fields["attendees"] == "1"
        return fields

    outcomes = storm(CLIENTS, prepare, lambda i, fields: book(browsers[i], service_id, filled_in(fields, i)))

    assert histogram(outcomes) == {"303": 1, "409": CLIENTS - 1}, histogram(outcomes)
    for answer in answers_with(outcomes, 409):
        assert_taken_page(answer)
    seats = sql(f"""
        SELECT a.starts_at, a.capacity, sum(p.seats) FROM appointments a
        JOIN appointment_participants p ON p.appointment_id = a.id AND p.cancelled_at IS NULL
        WHERE a.status IN {ACTIVE} GROUP BY a.id
    """)
    assert seats == [(starts_at, 6, 6)]


def test_any_provider_group_storm_never_overfills_a_session(clinic):
    """Several places with "anyone available": only a provider whose own session has room may take them."""
    services.require("postgres")
    second = colleague(clinic)
    group_id = offered(clinic, by=(clinic.provider_id, second), duration_minutes=60, capacity=6)
    day = days_ahead(3)
    starts_at = at(day, 14)
    booked(clinic, group_id, starts_at, customers=5)  # the first provider's session: one place left
    checkup_id = offered(clinic, by=(second,), duration_minutes=30)
    for hour in (9, 10):  # the second provider has the busier day, so is not the "least busy" one
        booked(clinic, checkup_id, at(day, hour), provider_id=second)
    browsers = [Browser(clinic) for _ in range(CLIENTS)]

    def prepare(i):
        return open_details(browsers[i], clinic, group_id, starts_at, provider="any") | {"attendees": "2"}

    outcomes = storm(CLIENTS, prepare, lambda i, fields: book(browsers[i], group_id, filled_in(fields, i)))

    statuses = histogram(outcomes)
    assert statuses.get("303") == 3 and set(statuses) <= {"303", "409", "422"}, statuses
    for answer in answers_with(outcomes, 409) + answers_with(outcomes, 422):
        assert "left" in answer.text or TAKEN in answer.text, answer.text[:2000]
    seats = sql(f"""
        SELECT a.provider_id, a.capacity, sum(p.seats) FROM appointments a
        JOIN appointment_participants p ON p.appointment_id = a.id AND p.cancelled_at IS NULL
        WHERE a.status IN {ACTIVE} AND a.service_id = :group GROUP BY a.id ORDER BY a.provider_id
    """, group=group_id)
    assert seats == [(clinic.provider_id, 6, 5), (second, 6, 6)], statuses


def test_a_form_submitted_ten_times_at_once_books_once(clinic):
    services.require("postgres")
    service_id = offered(clinic, duration_minutes=30)
    browser = Browser(clinic)
    form = filled_in(open_details(browser, clinic, service_id, at(days_ahead(3), 15)), 1)
    submits = 10

    outcomes = storm(submits, prepare=lambda i: form, submit=lambda i, form: book(browser, service_id, form))

    assert histogram(outcomes) == {"303": submits}, histogram(outcomes)
    assert len({o.location for o in outcomes}) == 1, {o.location for o in outcomes}
    assert sql("SELECT count(*) FROM appointments") == [(1,)]
    assert sql("SELECT count(*) FROM appointment_participants") == [(1,)]
    assert sql("SELECT count(*) FROM notifications WHERE kind = 'booking_confirmed'") == [(1,)]
    confirmation = browser.get(outcomes[0].location)
    assert confirmation.status == 200 and "You’re booked" in confirmation.text


def test_a_resubmit_arriving_while_the_first_submit_commits_gets_the_confirmation(clinic, monkeypatch):
    """The resubmit finds no booking under its key, then finds its slot taken: by its own first copy."""
    services.require("postgres")
    service_id = offered(clinic, duration_minutes=30)
    browser = Browser(clinic)
    form = filled_in(open_details(browser, clinic, service_id, at(days_ahead(3), 16)), 1)
    resubmit_checked_key, first_committed = threading.Event(), threading.Event()
    load_questions = intake.load

    def slow_for_the_resubmit(*args, **kwargs):
        # The resubmit has found no booking under its key; hold it there until the first submit has committed.
        if not resubmit_checked_key.is_set():
            resubmit_checked_key.set()
            first_committed.wait(timeout=REQUEST_TIMEOUT)
        return load_questions(*args, **kwargs)

    monkeypatch.setattr(intake, "load", slow_for_the_resubmit)
    resubmit: list = []
    thread = threading.Thread(target=lambda: resubmit.append(book(browser, service_id, form)), daemon=True)
    thread.start()
    assert resubmit_checked_key.wait(timeout=REQUEST_TIMEOUT)
    first = book(browser, service_id, form)
    first_committed.set()
    thread.join(timeout=REQUEST_TIMEOUT)

    assert first.status == 303
    assert [(answer.status, answer.location) for answer in resubmit] == [(303, first.location)]
    assert sql("SELECT count(*) FROM appointment_participants") == [(1,)]


# Rooms: services of different providers that need the same resource


def a_room(clinic: Clinic, *, capacity: int = 1) -> int:
    room = Resource(tenant_id=clinic.tenant.id, location_id=clinic.location_id, name=f"Room for {capacity}",
                    kind="treatment room", capacity=capacity)
    save(clinic.tenant, room)
    return room.id


def room_uses() -> list:
    return sql("SELECT appointment_id, resource_id, blocked_from, blocked_until FROM appointment_resources "
               "WHERE active ORDER BY appointment_id")


def test_two_services_of_two_providers_storming_the_only_room_book_once(clinic):
    services.require("postgres")
    room_id = a_room(clinic)
    other = colleague(clinic)
    massage = offered(clinic, duration_minutes=45, buffer_after_minutes=15, resource_kind="treatment room")
    facial = offered(clinic, by=(other,), duration_minutes=30, resource_kind="treatment room")
    starts_at = at(days_ahead(3), 10)
    wants = [(massage, clinic.provider_id) if i % 2 else (facial, other) for i in range(CLIENTS)]
    browsers = [Browser(clinic) for _ in range(CLIENTS)]

    def prepare(i):
        service_id, provider_id = wants[i]
        return open_details(browsers[i], clinic, service_id, starts_at, provider_id)

    outcomes = storm(CLIENTS, prepare, lambda i, fields: book(browsers[i], wants[i][0], filled_in(fields, i)))

    assert histogram(outcomes) == {"303": 1, "409": CLIENTS - 1}, histogram(outcomes)
    for answer in answers_with(outcomes, 409):
        assert_taken_page(answer)
    [(appointment_id, service_id)] = sql("SELECT id, service_id FROM appointments")
    [winner] = [i for i, o in enumerate(outcomes) if o.status == 303]
    assert service_id == wants[winner][0]
    [(used_by, used, blocked_from, _)] = room_uses()
    assert (used_by, used, blocked_from) == (appointment_id, room_id, starts_at)
    # The database's final word: another appointment's use of the room at that time, written directly, is refused.
    loser = facial if wants[winner][0] == massage else massage
    booked(clinic, loser, starts_at + timedelta(hours=3), provider_id=other if loser == facial else None)
    [(late_id,)] = sql("SELECT id FROM appointments WHERE id <> :won", won=appointment_id)
    with pytest.raises(sa.exc.IntegrityError, match="ex_appointment_resources_no_overlap"):
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO appointment_resources (tenant_id, appointment_id, resource_id, blocked_from, "
                "blocked_until, active, exclusive) VALUES (:tenant, :late, :room, :start, :until, true, true)"),
                {"tenant": clinic.tenant.id, "late": late_id, "room": room_id, "start": starts_at,
                 "until": starts_at + timedelta(minutes=30)})
    assert len(room_uses()) == 1


def test_a_room_for_two_stormed_by_three_providers_takes_two(clinic):
    services.require("postgres")
    a_room(clinic, capacity=2)
    providers = (clinic.provider_id, colleague(clinic), colleague(clinic))
    service_id = offered(clinic, by=providers, duration_minutes=30, resource_kind="treatment room")
    starts_at = at(days_ahead(3), 15)
    browsers = [Browser(clinic) for _ in range(CLIENTS)]

    def prepare(i):
        return open_details(browsers[i], clinic, service_id, starts_at, providers[i % 3])

    outcomes = storm(CLIENTS, prepare, lambda i, fields: book(browsers[i], service_id, filled_in(fields, i)))

    assert histogram(outcomes) == {"303": 2, "409": CLIENTS - 2}, histogram(outcomes)
    assert len(room_uses()) == 2
    assert len({row.provider_id for row in sql("SELECT provider_id FROM appointments")}) == 2
    assert overlapping_pairs() == []
