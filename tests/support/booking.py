"""Shared pieces of the booking-site tests: a clinic that is open every day, and readers for its pages.

Schedules are built relative to today (a view's ``now`` cannot be injected), with providers who
work every day, so no test depends on the weekday it runs on.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.catalogue.models import Location, Provider, ProviderLocation, ProviderService, Service, ServiceCategory
from app.modules.intake.models import ParameterDefinition, ParameterOption, ParameterRule, ServiceParameter
from app.modules.notifications import jobs, outbox
from app.modules.notifications.models import Notification
from app.modules.schedules.models import BookingPolicy, WorkingHours
from tests import factories
from tests.clients import host_of

UTC = timezone.utc
INSTANT = "%Y-%m-%dT%H:%MZ"
EVERY_DAY = range(7)


@pytest.fixture(autouse=True)
def messages_stay_in_the_outbox(monkeypatch):
    """Without Redis, messages are sent in-process right after the request commits. Delivery has
    its own tests; here they stay queued, the rows the booking flow promises."""
    monkeypatch.setattr(jobs, "dispatch", lambda session, now: outbox.take_committed(session, now=now))


# Building a clinic


def save(tenant, *rows):
    """Add and commit ``rows`` of ``tenant``; returns them refreshed (one row alone)."""
    return factories.save(tenant, *rows)


def add(*rows):
    """Add ``rows`` in the current tenant scope, flushed so they have ids; the caller commits."""
    db.session.add_all(rows)
    db.session.flush()
    return rows[0] if len(rows) == 1 else rows


def working(tenant, provider, location, *, hours=("09:00", "17:00"), days=EVERY_DAY) -> list:
    """Rows for ``provider`` working at ``location`` on ``days`` during ``hours`` (local wall-clock times)."""
    start, end = (time.fromisoformat(hhmm) for hhmm in hours)
    return [
        ProviderLocation(tenant_id=tenant.id, provider_id=provider.id, location_id=location.id),
        *(WorkingHours(tenant_id=tenant.id, provider_id=provider.id, location_id=location.id, weekday=day,
                       starts_at=start, ends_at=end) for day in days),
    ]


def offering(tenant, provider, *services) -> list:
    return [ProviderService(tenant_id=tenant.id, provider_id=provider.id, service_id=s.id) for s in services]


# The dental check-up's questions, one of each type, in the order asked: key, label, type, options, settings.
DENTAL_QUESTIONS = (
    ("first_visit", "Is this your first visit to us?", "boolean", (), {"default": "yes"}),
    ("has_pain", "Are you in any pain at the moment?", "select", (("yes", "Yes"), ("no", "No")),
     {"required": True, "default": "no"}),
    ("pain_level", "How bad is the pain?", "number", (), {"help_text": "From 1 (mild) to 10."}),
    ("pain_area", "Where is the pain?", "multiselect", (("upper", "Upper teeth"), ("lower", "Lower teeth"), ("jaw", "Jaw")),
     {}),
    ("insurance_provider", "Dental insurance provider", "text", (), {"scope": "customer"}),
    ("date_of_birth", "Date of birth", "date", (), {"scope": "customer", "required": True}),
    ("notes", "Anything else we should know?", "textarea", (), {}),
)
# When the patient is in pain, ask how bad (and insist) and where.
DENTAL_RULES = (("has_pain", "yes", "show", "pain_level"), ("has_pain", "yes", "require", "pain_level"),
                ("has_pain", "yes", "show", "pain_area"))


def asking(tenant, service, questions: dict, specs=DENTAL_QUESTIONS, rules=DENTAL_RULES) -> list:
    """Rows attaching the flushed ``questions`` (by key) to ``service``, with their options and rules."""
    made = []
    for position, (key_, _, _, options, settings) in enumerate(specs):
        question = questions[key_]
        made += [ParameterOption(tenant_id=tenant.id, parameter_id=question.id, value=value, label=label, position=i)
                 for i, (value, label) in enumerate(options)]
        made.append(ServiceParameter(
            tenant_id=tenant.id, service_id=service.id, parameter_id=question.id, position=position,
            required=settings.get("required", False), default_value=settings.get("default"),
        ))
    made += [ParameterRule(tenant_id=tenant.id, service_id=service.id, source_parameter_id=questions[source].id,
                           value=value, action=action, target_parameter_id=questions[target].id)
             for source, value, action, target in rules]
    return made


def policy(tenant, service, **minutes) -> BookingPolicy:
    """A booking policy of ``service`` alone, e.g. ``policy(t, s, cancel_cutoff_minutes=7 * 24 * 60)``."""
    return save(tenant, BookingPolicy(tenant_id=tenant.id, service_id=service.id, **minutes))


@dataclass
class Clinic:
    """A two-site practice. Chloe works in London every day 09:00–17:00; Ben in Brooklyn, 09:00–12:00."""

    tenant: object
    london: Location
    brooklyn: Location
    closed_branch: Location
    dental: Service
    pilates: Service
    physio: Service
    retired: Service
    chloe: Provider
    ben: Provider
    former: Provider
    questions: dict

    @property
    def host(self) -> str:
        return host_of(self.tenant)

    def day(self, ahead: int = 3, location: Location | None = None) -> date:
        """The local date ``ahead`` days from today at ``location`` (London by default)."""
        zone = ZoneInfo((location or self.london).timezone)
        return clock.now().astimezone(zone).date() + timedelta(days=ahead)

    def at(self, day: date, hhmm: str, location: Location | None = None) -> datetime:
        """A wall-clock time at ``location`` as a UTC instant."""
        zone = ZoneInfo((location or self.london).timezone)
        return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=zone).astimezone(UTC)


def build_clinic(slug="riverside", name="Riverside Clinic") -> Clinic:
    t = factories.tenant(slug, name=name, timezone="Europe/London", currency="GBP")
    # One transaction and few flushes: row-by-row commits would be most of these tests' run time.
    with tenant_context(t):
        london, brooklyn, closed_branch, dental_care, classes, physiotherapy, chloe, ben, former = add(
            Location(tenant_id=t.id, name="Harbour Street", address="14 Harbour Street\nLondon SE1 9PF",
                     timezone="Europe/London"),
            Location(tenant_id=t.id, name="Brooklyn Studio", address="210 Atlantic Avenue\nBrooklyn, NY 11201",
                     timezone="America/New_York"),
            Location(tenant_id=t.id, name="Old Branch", timezone="Europe/London", active=False),
            *(ServiceCategory(tenant_id=t.id, name=category, position=i)
              for i, category in enumerate(("Dental care", "Classes", "Physiotherapy"))),
            Provider(tenant_id=t.id, name="Chloe Martin"),
            Provider(tenant_id=t.id, name="Ben Okafor"),
            Provider(tenant_id=t.id, name="Former Dentist", active=False),
        )
        dental, pilates, physio, retired = add(
            Service(tenant_id=t.id, name="Dental check-up", category_id=dental_care.id, duration_minutes=30,
                    buffer_before_minutes=5, buffer_after_minutes=10, price=4500),
            Service(tenant_id=t.id, name="Pilates group class", category_id=classes.id, duration_minutes=60,
                    capacity=6, price=1800),
            Service(tenant_id=t.id, name="Physiotherapy session", category_id=physiotherapy.id, duration_minutes=50,
                    price=5500, requires_approval=True),
            Service(tenant_id=t.id, name="Retired treatment", category_id=dental_care.id, duration_minutes=30,
                    active=False),
        )
        questions = {
            key_: ParameterDefinition(tenant_id=t.id, key=key_, label=label, type=type_,
                                      scope=settings.get("scope", "appointment"), help_text=settings.get("help_text", ""))
            for key_, label, type_, _, settings in DENTAL_QUESTIONS
        }
        add(
            *working(t, chloe, london), *working(t, chloe, closed_branch),
            *working(t, ben, brooklyn, hours=("09:00", "12:00")), *working(t, former, london),
            *offering(t, chloe, dental, pilates, physio, retired), *offering(t, ben, dental), *offering(t, former, dental),
            *questions.values(),
        )
        add(*asking(t, dental, questions))
        db.session.commit()
    return Clinic(t, london, brooklyn, closed_branch, dental, pilates, physio, retired, chloe, ben, former, questions)


@pytest.fixture
def clinic(app) -> Clinic:
    return build_clinic()


@pytest.fixture
def elsewhere(app) -> dict:
    """Another practice, whose ids and tokens must mean nothing on the clinic's host."""
    return factories.practice("elsewhere", name="Elsewhere Practice")


# Reading pages


def html(response) -> str:
    return response.get_data(as_text=True)


def text(markup: str) -> str:
    """What a reader sees: the page without tags, whitespace collapsed."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


def is_fragment(markup: str) -> bool:
    return "<html" not in markup and "<body" not in markup


def key(instant: datetime) -> str:
    """A UTC instant as the booking forms carry it."""
    return instant.astimezone(UTC).strftime(INSTANT)


class _Elements(HTMLParser):
    """Anchors (href, text) and the fields of each form, as a browser would submit them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[dict, str]] = []
        self.forms: dict[str, dict[str, list[str]]] = {}
        self._anchor = None
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value if value is not None else "" for name, value in attrs}
        if tag == "a":
            self._anchor = (attrs, [])
        elif tag == "form":
            self._form = self.forms.setdefault(attrs.get("id", f"form{len(self.forms)}"), {})
        elif self._form is None or "name" not in attrs and tag != "option":
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                values = self._form.setdefault(attrs["name"], [])
                if "checked" in attrs:
                    values.append(attrs.get("value", "on"))
            elif kind not in ("submit", "button"):
                self._form.setdefault(attrs["name"], []).append(attrs.get("value", ""))
        elif tag == "select":
            self._select = self._form.setdefault(attrs["name"], [])
        elif tag == "option" and self._select is not None and "selected" in attrs:
            self._select.append(attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = self._form.setdefault(attrs["name"], [])
            self._textarea.append("")

    def handle_endtag(self, tag):
        if tag == "a" and self._anchor:
            attrs, parts = self._anchor
            self.links.append((attrs, re.sub(r"\s+", " ", "".join(parts)).strip()))
            self._anchor = None
        elif tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # As in a browser, a newline right after <textarea> is not part of the value.
            self._textarea[-1] = re.sub(r"^\r?\n", "", self._textarea[-1])
            self._textarea = None

    def handle_data(self, data):
        if self._anchor:
            self._anchor[1].append(data)
        if self._textarea is not None:
            self._textarea[-1] += data


def elements(markup: str) -> _Elements:
    parser = _Elements()
    parser.feed(markup)
    return parser


def links(markup: str, css_class: str | None = None) -> list[tuple[str, str]]:
    """(href, text) of the page's links, only those with ``css_class`` when given."""
    return [
        (attrs.get("href", ""), label) for attrs, label in elements(markup).links
        if css_class is None or css_class in attrs.get("class", "").split()
    ]


def link_to(markup: str, label: str) -> str:
    """The href of the link whose text contains ``label``."""
    found = [href for href, text_ in links(markup) if label in text_]
    assert found, f"no link {label!r} on the page"
    return found[0]


def query(href: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(href).query).items()}


def form_fields(markup: str, form_id: str) -> dict:
    """The fields of form ``form_id`` that a browser would send, with their values: a list for several."""
    forms = elements(markup).forms
    assert form_id in forms, f"no form #{form_id} on the page"
    return {name: values if len(values) > 1 else values[0] for name, values in forms[form_id].items() if values}


def field_error(markup: str, key_: str) -> str | None:
    """The error shown inside the intake question ``key_``'s field, if any."""
    match = re.search(rf'<div class="field[^"]*" id="field-{key_}">(.*?)</div>', markup, re.S)
    assert match, f"question {key_!r} is not on the page"
    error = re.search(r'<small class="error">(.*?)</small>', match.group(1), re.S)
    return unescape(error.group(1)) if error else None


def redirect_path(response) -> str:
    """Where a successful POST sends the browser: the 303's Location, or htmx's HX-Redirect."""
    location = response.headers.get("HX-Redirect") or response.headers["Location"]
    return urlsplit(location).path


def assert_redirected(response, htmx: bool) -> str:
    """A plain request gets 303; htmx gets 200 with HX-Redirect (htmx ignores headers on a 3xx)."""
    if htmx:
        assert response.status_code == 200 and "HX-Redirect" in response.headers
    else:
        assert response.status_code == 303 and "HX-Redirect" not in response.headers
    return redirect_path(response)


def assert_page(response, status: int, htmx: bool, block: str = '<section id="booking-step"') -> str:
    """The status, and a full page or, for htmx, only the swapped block. Returns the markup."""
    markup = html(response)
    assert response.status_code == status, text(markup)[:500]
    assert block in markup
    assert is_fragment(markup) == htmx
    assert "HX-Request" in response.headers.get("Vary", "")
    return markup


# Checking the database


def snapshot() -> dict:
    """Every table's row count and latest update, read with raw SQL across all tenants."""
    db.session.expire_all()
    return {
        table.name: tuple(db.session.execute(sa.text(f"SELECT count(*), max(updated_at) FROM {table.name}")).one())
        for table in db.metadata.sorted_tables
    }


def changed_tables(before: dict) -> list[str]:
    after = snapshot()
    return sorted(name for name in before if before[name] != after[name])


def rows(tenant, model, *where):
    db.session.expire_all()
    with tenant_context(tenant):
        return list(db.session.scalars(sa.select(model).where(*where).order_by(model.id)))


def service_url(clinic: Clinic, service=None, location=None, provider="any", **params) -> str:
    service = service or clinic.dental
    location = location or clinic.london
    return f"/services/{service.id}?" + urlencode({"location": location.id, "provider": provider, **params})


def details_url(clinic: Clinic, start: datetime, service=None, location=None, provider="any") -> str:
    service = service or clinic.dental
    location = location or clinic.london
    return f"/services/{service.id}/book?" + urlencode(
        {"location": location.id, "provider": provider, "start": key(start)}
    )


CONTACT = {"name": "Grace Thompson", "email": "grace@example.com", "phone": ""}
DENTAL_ANSWERS = {"q_has_pain": "no", "q_date_of_birth": "1990-04-01"}


def filled_form(visitor, clinic: Clinic, start: datetime, *, service=None, location=None, provider="any", **values) -> dict:
    """The details form of ``start`` as served, filled in like a customer would."""
    page = visitor.get(details_url(clinic, start, service, location, provider))
    assert page.status_code == 200, text(html(page))[:300]
    form = form_fields(html(page), "booking-form")  # with its CSRF token, as a browser sends it
    answers = DENTAL_ANSWERS if (service or clinic.dental) is clinic.dental else {}
    return form | CONTACT | answers | values


def book(visitor, clinic: Clinic, start: datetime, *, service=None, htmx=False, **values):
    """Fill in and submit the details form of ``start``: the response to the confirm POST."""
    form = filled_form(visitor, clinic, start, service=service, **values)
    return visitor.post(f"/services/{(service or clinic.dental).id}/book", form, htmx=htmx, csrf=False)


def booked_token(response) -> str:
    path = redirect_path(response)
    match = re.fullmatch(r"/bookings/([^/]+)/confirmation", path)
    assert match, path
    return match.group(1)


def magic_link(tenant) -> str:
    """The path of the latest sign-in link emailed (queued) to a customer of ``tenant``."""
    sent = rows(tenant, Notification, Notification.kind == "magic_link")
    assert sent, "no sign-in link was queued"
    return urlsplit(sent[-1].payload["link"]).path


def sign_in_customer(visitor, clinic: Clinic, email: str) -> None:
    """Ask for a sign-in link by email, open it and press its button, as the customer would."""
    assert visitor.post("/account/sign-in", {"email": email}).status_code == 200
    assert visitor.get(magic_link(clinic.tenant)).status_code == 200
    assert visitor.post(magic_link(clinic.tenant)).status_code == 303


@dataclass
class Booked:
    """A booking made through the site, and the guest's browser that made it."""

    guest: object
    token: str
    start: datetime

    @property
    def manage(self) -> str:
        return f"/bookings/{self.token}"


@pytest.fixture
def booked(clinic, visitor) -> Booked:
    """Grace's dental check-up at 10:00 in London, three days ahead."""
    guest = visitor(clinic.host)
    start = clinic.at(clinic.day(3), "10:00")
    return Booked(guest, booked_token(book(guest, clinic, start)), start)
