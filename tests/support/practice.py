"""Building a practice: the two-site clinic most tests use, and the rows it is made of.

Schedules are built relative to today (a view's ``now`` cannot be injected), with providers who
work every day, so no test depends on the weekday it runs on. Everything is flushed, not committed:
a Visitor's request commits it, and tests read across connections commit once themselves.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments.models import Series
from app.modules.catalogue.models import Location, Provider, ProviderLocation, ProviderService, Service, ServiceCategory
from app.modules.intake.models import ParameterDefinition, ParameterOption, ParameterRule, ServiceParameter
from app.modules.resources.models import Resource
from app.modules.schedules.models import BookingPolicy, WorkingHours
from tests.support import factories
from tests.support.clients import host_of

UTC = timezone.utc
EVERY_DAY = range(7)


def add(*rows):
    """Add ``rows`` in the current tenant scope, flushed so they have ids."""
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
    return factories.save(tenant, BookingPolicy(tenant_id=tenant.id, service_id=service.id, **minutes))


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


def build_clinic(slug="riverside", name="Riverside Clinic", **tenant_fields) -> Clinic:
    """The practice: its sites, services, providers and intake questions (see ``Clinic``)."""
    tenant_fields = {"timezone": "Europe/London", "currency": "GBP"} | tenant_fields
    t = factories.tenant(slug, name=name, **tenant_fields)
    # Few flushes: row-by-row round trips would be most of these tests' run time.
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
    return Clinic(t, london, brooklyn, closed_branch, dental, pilates, physio, retired, chloe, ben, former, questions)



def build_practice(slug: str | None = None, **fields) -> dict:
    """The smallest practice: a tenant with one of each row a route takes by id (an owner, a location,
    a service in its category, a provider working there on weekdays, a customer and their appointment a day from now).
    For booking through the site, build the clinic instead."""
    t = factories.tenant(slug, **fields)
    owner = factories.user(t, "owner")
    loc = factories.location(t)
    category = factories.save(t, ServiceCategory(tenant_id=t.id, name="General"))
    svc = factories.service(t, category_id=category.id)
    prov = factories.provider(t, location=loc, services=[svc])
    cust = factories.customer(t)
    appt = factories.appointment(t, location=loc, provider=prov, service=svc, customer=cust)
    room = factories.save(t, Resource(tenant_id=t.id, location_id=loc.id, name="Room 1", kind="treatment room"))
    series = a_series(t, appt, cust, loc)
    return {"tenant": t, "owner": owner, "location": loc, "category": category, "service": svc, "provider": prov,
            "customer": cust, "appointment": appt, "resource": room, "series": series}


def a_series(tenant, appointment, customer, location) -> Series:
    """A weekly series of which ``appointment`` is the first (and only booked) occurrence: the row series routes take."""
    local = appointment.starts_at.astimezone(ZoneInfo(location.timezone))
    series = factories.save(tenant, Series(
        tenant_id=tenant.id, customer_id=customer.id, service_id=appointment.service_id,
        provider_id=appointment.provider_id, location_id=location.id, interval_weeks=1,
        weekdays=str(local.weekday()), start_time=local.time(), first_day=local.date(), count=2,
    ))
    appointment.series_id = series.id
    factories.save(tenant, appointment)
    return series


def a_duplicate(tenant, customer, **fields):
    """Another record of ``customer``, as a second booking made with a capitalised email leaves one:
    the row the duplicates and merge pages take."""
    fields = {"name": customer.name, "email": customer.email.upper(), "phone": customer.phone} | fields
    return factories.customer(tenant, **fields)
