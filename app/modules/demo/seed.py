"""The demo practice: a two-site clinic with staff, schedules, intake questions and a fortnight of
bookings, plus a platform superadmin, so every face of Sloty has something to show."""
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from itertools import cycle
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.tenancy import all_tenants, tenant_context
from app.modules import accounts, tenants
from app.modules.accounts.models import User
from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.catalogue.models import (
    Location,
    LocationClosure,
    Provider,
    ProviderLocation,
    ProviderService,
    Service,
    ServiceCategory,
)
from app.modules.customers.models import Customer
from app.modules.intake.models import ParameterDefinition, ParameterOption, ParameterRule, ServiceParameter
from app.modules.schedules.models import WorkingHours
from app.modules.tenants.models import Tenant

DEMO_SLUG = "demo"
DEMO_PASSWORD = "demo-password"
SUPERADMIN_EMAIL = "admin@sloty.test"
SUPERADMIN_PASSWORD = "admin-password"

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


class Credential(NamedTuple):
    role: str
    email: str
    password: str


@dataclass(frozen=True)
class DemoSummary:
    tenant_slug: str
    created: bool
    credentials: list[Credential] = field(default_factory=list)


TENANT = dict(
    slug=DEMO_SLUG, name="Harbour Health Clinic", timezone="Europe/London", currency="GBP",
    owner_email="owner@demo.test", owner_name="Olivia Owner", owner_password=DEMO_PASSWORD,
)

# role, email, name: the people who run the practice but are not bookable.
STAFF = (
    ("admin", "admin@demo.test", "Aisha Patel"),
    ("staff", "frontdesk@demo.test", "Tom Reed"),
)

# key: name, IANA zone, address. The two zones make time-zone mistakes visible.
LOCATIONS = {
    "london": ("Harbour Street", "Europe/London", "14 Harbour Street\nLondon SE1 9PF\nUnited Kingdom"),
    "brooklyn": ("Brooklyn Studio", "America/New_York", "210 Atlantic Avenue\nBrooklyn, NY 11201\nUnited States"),
}

CLOSED_ON_CHRISTMAS = "london"

CATEGORIES = ("Consultations", "Physiotherapy", "Dental care", "Classes")

# key: category, Service fields. Prices are minor units (pence).
SERVICES = {
    "consultation": ("Consultations", dict(
        name="Initial consultation", duration_minutes=45, buffer_after_minutes=10,
        price=6500, description="A first, unhurried appointment to understand your health and agree a plan.",
    )),
    "follow_up": ("Consultations", dict(
        name="Follow-up visit", duration_minutes=20, price=3500,
        description="A short review of how you are getting on since your last visit.",
    )),
    "physio": ("Physiotherapy", dict(
        name="Physiotherapy session", duration_minutes=50, buffer_before_minutes=5, buffer_after_minutes=10,
        price=5500, requires_approval=True,
        description="Assessment and hands-on treatment. We confirm each request after reading your notes.",
    )),
    "dental": ("Dental care", dict(
        name="Dental check-up", duration_minutes=30, buffer_after_minutes=10, price=4500,
        requires_approval=False, description="Examination, advice and, if needed, X-rays.",
    )),
    "pilates": ("Classes", dict(
        name="Pilates group class", duration_minutes=60, buffer_before_minutes=10, buffer_after_minutes=5,
        price=1800, capacity=6, description="A small mat class for core strength and posture. All levels welcome.",
    )),
}


class ProviderSpec(NamedTuple):
    name: str
    email: str
    bio: str
    services: dict  # service key -> ProviderService overrides
    hours: tuple  # (location key, weekdays, local start, local end); no provider works two sites on one day


PROVIDERS = (
    ProviderSpec(
        name="Dr. Amelia Hart",
        email="amelia.hart@demo.test",
        bio="General practitioner with fifteen years in family medicine. "
        "Sees patients in London and, on Tuesdays and Thursdays, in Brooklyn.",
        services={"consultation": {}, "follow_up": {}},
        hours=(
            ("london", (MON, WED, FRI), "09:00", "12:30"),
            ("london", (MON, WED, FRI), "13:30", "17:00"),
            ("london", (SAT,), "09:00", "13:00"),
            ("brooklyn", (TUE, THU), "09:00", "17:00"),
        ),
    ),
    ProviderSpec(
        name="Ben Okafor",
        email="ben.okafor@demo.test",
        bio="Chartered physiotherapist and Pilates instructor, specialising in sports injuries and back pain.",
        services={"physio": {"duration_minutes": 60, "price": 7000}, "pilates": {}},
        hours=(
            ("london", (MON, TUE, WED, THU), "08:00", "16:00"),
            ("brooklyn", (FRI,), "10:00", "18:00"),
            ("brooklyn", (SUN,), "10:00", "14:00"),
        ),
    ),
    ProviderSpec(
        name="Chloe Martin",
        email="chloe.martin@demo.test",
        bio="Dentist with a gentle approach for nervous patients. Also sees short follow-up visits.",
        services={"dental": {}, "follow_up": {}},
        hours=(
            ("london", (TUE, WED, THU, FRI, SAT), "09:00", "12:30"),
            ("london", (TUE, WED, THU, FRI, SAT), "13:30", "17:00"),
            ("brooklyn", (SUN,), "10:00", "14:00"),
        ),
    ),
)

# key, label, type, scope, help text, options (value, label)
QUESTIONS = (
    ("first_visit", "Is this your first visit to us?", "boolean", "appointment", "", ()),
    ("has_pain", "Are you in any pain at the moment?", "select", "appointment", "", (("yes", "Yes"), ("no", "No"))),
    ("pain_level", "How bad is the pain?", "number", "appointment",
     "From 1 (mild) to 10 (the worst you can imagine).", ()),
    ("pain_area", "Where is the pain?", "multiselect", "appointment", "Tick every area that hurts.", (
        ("upper_left", "Upper left teeth"), ("upper_right", "Upper right teeth"),
        ("lower_left", "Lower left teeth"), ("lower_right", "Lower right teeth"),
        ("gums", "Gums"), ("jaw", "Jaw"),
    )),
    ("insurance_provider", "Dental insurance provider", "text", "customer",
     "Leave blank if you pay for treatment yourself.", ()),
    ("date_of_birth", "Date of birth", "date", "customer", "We use it to find your records.", ()),
    ("notes", "Anything else we should know?", "textarea", "appointment", "Optional.", ()),
)

# service key -> (question key, required, default value), in the order they are asked.
SERVICE_QUESTIONS = {
    "dental": (
        ("first_visit", False, None),
        ("has_pain", True, "no"),
        ("pain_level", False, None),  # required only when has_pain is "yes", by the rule below
        ("pain_area", False, None),
        ("insurance_provider", False, None),
        ("date_of_birth", True, None),
        ("notes", False, None),
    ),
    "consultation": (
        ("first_visit", False, None),
        ("notes", False, None),
    ),
}

# service key, source question, value, action, target question
RULES = (
    ("dental", "has_pain", "yes", "show", "pain_level"),
    ("dental", "has_pain", "yes", "require", "pain_level"),
    ("dental", "has_pain", "yes", "show", "pain_area"),
)

# name, email, phone (E.164; numbers that validate, for made-up people), SMS consent, notes
CUSTOMERS = (
    ("Grace Thompson", "grace.thompson@example.com", "+447400100123", True, ""),
    ("Oliver Bennett", "oliver.bennett@example.com", "+447400100456", False, "Prefers afternoon appointments."),
    ("Sophie Clarke", "sophie.clarke@example.com", "+447400100789", True, ""),
    ("Maya Rodriguez", "maya.rodriguez@example.com", "+12125550147", True, ""),
    ("Harry Wilson", "harry.wilson@example.com", "+447400100321", True, "Uses a wheelchair; ground-floor room."),
    ("James O'Connor", "james.oconnor@example.com", "+17185550162", False, ""),
    ("Priya Nair", "priya.nair@example.com", "+447400100654", True, ""),
    ("Daniel Kim", "daniel.kim@example.com", "+17185550188", False, ""),
)

HORIZON_DAYS = 14
GROUP_BOOKED_SEATS = 3
# One candidate slot in three is booked, so the calendar looks busy yet online booking still finds room;
# today, where the dashboard's agenda opens, one in two, so even a quiet Sunday has several.
BOOK_ONE_IN = 3
BOOK_ONE_IN_TODAY = 2
START_GRANULARITY_MINUTES = 15
SOURCES = ("online", "online", "staff")


def seed_demo(session: Session, *, now: datetime) -> DemoSummary:
    """Create the demo tenant and a superadmin unless they exist. Flushes; the caller commits.

    Appointments fill the fortnight from ``now``, in the practice's time zone."""
    today = now.astimezone(ZoneInfo(TENANT["timezone"])).date()
    _ensure_superadmin(session)
    if session.scalar(select(Tenant.id).where(Tenant.slug == DEMO_SLUG)):
        return _summary(created=False)

    tenant = tenants.create_tenant(session, **TENANT, actor=None)
    with tenant_context(tenant):
        for role, email, name in STAFF:
            accounts.create_user(session, tenant, email=email, name=name, password=DEMO_PASSWORD, role=role)
        locations = _create_locations(session, tenant, today)
        services = _create_services(session, tenant)
        _create_intake_questions(session, tenant, services)
        providers = _create_providers(session, tenant, locations, services)
        customers = _create_customers(session, tenant)
        _book_fortnight(session, tenant, today, locations, services, providers, customers)
    return _summary(created=True)


def _summary(*, created: bool) -> DemoSummary:
    credentials = [
        Credential("owner", TENANT["owner_email"], DEMO_PASSWORD),
        *(Credential(role, email, DEMO_PASSWORD) for role, email, _ in STAFF),
        *(Credential("provider", spec.email, DEMO_PASSWORD) for spec in PROVIDERS),
        Credential("superadmin", SUPERADMIN_EMAIL, SUPERADMIN_PASSWORD),
    ]
    return DemoSummary(tenant_slug=DEMO_SLUG, created=created, credentials=credentials)


def _ensure_superadmin(session: Session) -> None:
    # Superadmins belong to no tenant, so only an all-tenants scope can see them.
    with all_tenants():
        exists = session.scalar(
            select(User.id).where(User.tenant_id.is_(None), User.email == SUPERADMIN_EMAIL)
        )
        if not exists:
            accounts.create_superadmin(session, email=SUPERADMIN_EMAIL, name="Platform Admin", password=SUPERADMIN_PASSWORD)


def _christmas(today: date) -> date:
    christmas = date(today.year, 12, 25)
    return christmas if christmas >= today else christmas.replace(year=today.year + 1)


def _create_locations(session: Session, tenant: Tenant, today: date) -> dict[str, Location]:
    locations = {
        key: Location(tenant_id=tenant.id, name=name, timezone=zone, address=address)
        for key, (name, zone, address) in LOCATIONS.items()
    }
    session.add_all(locations.values())
    session.flush()
    christmas = _christmas(today)
    session.add(LocationClosure(
        tenant_id=tenant.id, location_id=locations[CLOSED_ON_CHRISTMAS].id,
        starts_on=christmas, ends_on=christmas, reason="Christmas Day",
    ))
    return locations


def _create_services(session: Session, tenant: Tenant) -> dict[str, Service]:
    categories = {
        name: ServiceCategory(tenant_id=tenant.id, name=name, position=position)
        for position, name in enumerate(CATEGORIES)
    }
    session.add_all(categories.values())
    session.flush()
    services = {
        key: Service(tenant_id=tenant.id, category_id=categories[category].id, **fields)
        for key, (category, fields) in SERVICES.items()
    }
    session.add_all(services.values())
    session.flush()
    return services


def _create_intake_questions(session: Session, tenant: Tenant, services: dict[str, Service]) -> None:
    questions = {}
    for key, label, type_, scope, help_text, options in QUESTIONS:
        question = ParameterDefinition(
            tenant_id=tenant.id, key=key, label=label, type=type_, scope=scope, help_text=help_text
        )
        session.add(question)
        session.flush()
        session.add_all(
            ParameterOption(tenant_id=tenant.id, parameter_id=question.id, value=value, label=option_label, position=i)
            for i, (value, option_label) in enumerate(options)
        )
        questions[key] = question

    for service_key, asked in SERVICE_QUESTIONS.items():
        session.add_all(
            ServiceParameter(
                tenant_id=tenant.id, service_id=services[service_key].id, parameter_id=questions[key].id,
                required=required, default_value=default, visible_in_booking=True, position=position,
            )
            for position, (key, required, default) in enumerate(asked)
        )
    session.add_all(
        ParameterRule(
            tenant_id=tenant.id, service_id=services[service_key].id, source_parameter_id=questions[source].id,
            value=value, action=action, target_parameter_id=questions[target].id,
        )
        for service_key, source, value, action, target in RULES
    )


def _create_providers(
    session: Session, tenant: Tenant, locations: dict[str, Location], services: dict[str, Service]
) -> list[tuple[Provider, ProviderSpec]]:
    providers = []
    for spec in PROVIDERS:
        user = accounts.create_user(session, tenant, email=spec.email, name=spec.name, password=DEMO_PASSWORD, role="provider")
        provider = Provider(tenant_id=tenant.id, user_id=user.id, name=spec.name, bio=spec.bio)
        session.add(provider)
        session.flush()
        for service_key, overrides in spec.services.items():
            session.add(ProviderService(
                tenant_id=tenant.id, provider_id=provider.id, service_id=services[service_key].id, **overrides
            ))
        for location_key in dict.fromkeys(location for location, *_ in spec.hours):
            session.add(ProviderLocation(
                tenant_id=tenant.id, provider_id=provider.id, location_id=locations[location_key].id
            ))
        for location_key, weekdays, starts, ends in spec.hours:
            session.add_all(
                WorkingHours(
                    tenant_id=tenant.id, provider_id=provider.id, location_id=locations[location_key].id,
                    weekday=weekday, starts_at=time.fromisoformat(starts), ends_at=time.fromisoformat(ends),
                )
                for weekday in weekdays
            )
        providers.append((provider, spec))
    session.flush()
    return providers


def _create_customers(session: Session, tenant: Tenant) -> list[Customer]:
    customers = [
        Customer(
            tenant_id=tenant.id, name=name, email=email, phone=phone,
            email_consent=True, sms_consent=sms_consent, notes=notes,
        )
        for name, email, phone, sms_consent, notes in CUSTOMERS
    ]
    session.add_all(customers)
    session.flush()
    return customers


def _book_fortnight(
    session: Session, tenant: Tenant,
    today: date,
    locations: dict[str, Location],
    services: dict[str, Service],
    providers: list[tuple[Provider, ProviderSpec]],
    customers: list[Customer],
) -> None:
    """Book part of each provider's working time for two weeks from ``today``."""
    christmas = _christmas(today)
    guests = cycle(customers)
    sources = cycle(SOURCES)
    pending_wanted = True  # one request awaiting approval, for the dashboard to show
    booked: list[tuple[Appointment, list[Customer]]] = []

    for day_index in range(HORIZON_DAYS):
        day = today + timedelta(days=day_index)
        book_one_in = BOOK_ONE_IN_TODAY if day_index == 0 else BOOK_ONE_IN
        for provider_index, (provider, spec) in enumerate(providers):
            offered = [(services[key], overrides) for key, overrides in spec.services.items()]
            for location_key, intervals in _working_day(spec, day.weekday()).items():
                if location_key == CLOSED_ON_CHRISTMAS and day == christmas:
                    continue
                location = locations[location_key]
                slots = _day_slots(day, intervals, ZoneInfo(location.timezone), offered, rotation=day_index)
                for candidate, (service, overrides, starts, ends) in enumerate(slots):
                    if (day_index + provider_index + candidate) % book_one_in:
                        continue
                    status, source = "confirmed", next(sources)
                    if pending_wanted and service.requires_approval and day_index > 0:
                        status, source, pending_wanted = "pending", "online", False
                    before = timedelta(minutes=service.buffer_before_minutes)
                    after = timedelta(minutes=service.buffer_after_minutes)
                    appointment = Appointment(
                        tenant_id=tenant.id,
                        location_id=location.id,
                        provider_id=provider.id,
                        service_id=service.id,
                        starts_at=starts.astimezone(timezone.utc),
                        ends_at=ends.astimezone(timezone.utc),
                        blocked_from=(starts - before).astimezone(timezone.utc),
                        blocked_until=(ends + after).astimezone(timezone.utc),
                        status=status,
                        capacity=service.capacity,
                        price=overrides.get("price", service.price),
                        source=source,
                        manage_token=secrets.token_urlsafe(32),
                    )
                    seats = GROUP_BOOKED_SEATS if service.is_group else 1
                    booked.append((appointment, [next(guests) for _ in range(seats)]))

    session.add_all(appointment for appointment, _ in booked)
    session.flush()
    session.add_all(
        AppointmentParticipant(
            tenant_id=tenant.id, appointment_id=appointment.id, customer_id=customer.id, role="attendee", seats=1,
            manage_token=secrets.token_urlsafe(32),
        )
        for appointment, attendees in booked
        for customer in attendees
    )
    session.flush()


def _working_day(spec: ProviderSpec, weekday: int) -> dict[str, list[tuple[time, time]]]:
    """The provider's intervals on ``weekday``, per location, in order."""
    day = defaultdict(list)
    for location_key, weekdays, starts, ends in spec.hours:
        if weekday in weekdays:
            day[location_key].append((time.fromisoformat(starts), time.fromisoformat(ends)))
    return {key: sorted(intervals) for key, intervals in day.items()}


def _day_slots(
    day: date, intervals: list[tuple[time, time]], zone: ZoneInfo, offered: list[tuple[Service, dict]], *, rotation: int
):
    """Candidate (service, overrides, starts, ends) laid end to end, buffers included, inside the intervals.

    Because each slot begins after the previous one's buffer ends, no two of one
    provider's appointments can overlap, which PostgreSQL's exclusion constraint insists on.
    """
    turn = rotation
    for opens, closes in intervals:
        free_from, closes_at = datetime.combine(day, opens, zone), datetime.combine(day, closes, zone)
        while True:
            service, overrides = offered[turn % len(offered)]
            starts = _round_up(free_from + timedelta(minutes=service.buffer_before_minutes))
            ends = starts + timedelta(minutes=overrides.get("duration_minutes", service.duration_minutes))
            blocked_until = ends + timedelta(minutes=service.buffer_after_minutes)
            if blocked_until > closes_at:
                break
            yield service, overrides, starts, ends
            free_from, turn = blocked_until, turn + 1


def _round_up(moment: datetime) -> datetime:
    """The next quarter hour at or after ``moment`` (always whole minutes), so appointments start at tidy times."""
    return moment + timedelta(minutes=-moment.minute % START_GRANULARITY_MINUTES)
