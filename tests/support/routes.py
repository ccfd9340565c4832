"""Sweeping every route of the url_map: which rules there are, which host serves each, and its URL
filled with real ids, tokens and query strings from one practice; the visitor who can really see each
page. Registered from tests/conftest.py (``pytest_plugins``), so the sweeps ask for fixtures by name."""
import hashlib
import re
import secrets
from datetime import datetime, time, timedelta, timezone
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.accounts import tokens
from app.modules.accounts.models import Invitation, User
from app.modules.appointments.models import AppointmentParticipant
from app.modules.customers.models import CustomerSignInToken
from app.modules.intake.models import ParameterDefinition, ParameterOption, ServiceParameter
from app.modules.notifications.models import Notification
from app.modules.tenants.models import Tenant
from app.web import handoff
from app.web.sites import BACKOFFICE_BLUEPRINTS, PLATFORM_BLUEPRINTS, TENANT_BLUEPRINTS
from tests.support import factories
from tests.support.clients import ADMIN_HOST, PLATFORM_HOST, host_of
from tests.support.practice import a_duplicate
from tests.support.practice import build_practice as new_practice

# What each URL argument is filled with, from the practice's rows. A rule taking an argument missing
# here fails the sweeps, so a new route cannot quietly dodge them.
ARGUMENTS = {
    "appointment_id": lambda p: p["appointment"].id,
    "category_id": lambda p: p["category"].id,
    "customer_id": lambda p: p["customer"].id,
    "location_id": lambda p: p["location"].id,
    "notification_id": lambda p: p["notification"].id,
    "option_id": lambda p: p["option"].id,
    "provider_id": lambda p: p["provider"].id,
    "question_id": lambda p: p["question"].id,
    "resource_id": lambda p: p["resource"].id,
    "service_id": lambda p: p["service"].id,
    "tenant_id": lambda p: p["tenant"].id,
    "plan_id": lambda p: p["plan"].id,
    "series_id": lambda p: p["series"].id,
    "user_id": lambda p: p["owner"].id,
    "token": lambda p: p["manage_token"],
    "filename": lambda p: "sloty.css",
    "feed_token": lambda p: p.get("feed_token") or p.setdefault("feed_token", feed_token(p)),
    # An RQ job's id: the sweeps' app has no Redis, so no job has it (its actions answer 404).
    "job_id": lambda p: f"notification-{p['notification'].id}-3",
    "entry_id": lambda p: a_waitlist_offer(p)["entry"].id,
}
# "token" names two secrets: a booking's manage link and, on these routes, a customer's sign-in link.
# So do a staff member's password reset link and an invitation's link (made on first use).
ENDPOINT_ARGUMENTS = {
    ("booking.sign_in_link", "token"): lambda p: p["sign_in_token"],
    ("booking.redeem_link", "token"): lambda p: p["sign_in_token"],
    ("auth.reset_password", "token"): lambda p: p.get("reset_token") or p.setdefault("reset_token", reset_token(p)),
    ("auth.invitation", "token"): lambda p: p.get("invitation_token") or p.setdefault("invitation_token", invitation_token(p)),
    # A welcome pass is spent by its first use: each visit gets a fresh one.
    ("auth.welcome", "token"): lambda p: welcome_pass(p),
    ("auth.confirm_email", "token"): lambda p: p.get("confirm_token") or p.setdefault("confirm_token", confirm_token(p)),
    # The waitlist's emailed links: leaving it, and an offer of a held time.
    ("booking.waitlist_leave", "token"): lambda p: a_waitlist_offer(p)["leave_token"],
    ("booking.waitlist_leave_post", "token"): lambda p: a_waitlist_offer(p)["leave_token"],
    ("booking.waitlist_offer", "token"): lambda p: a_waitlist_offer(p)["offer_token"],
    ("booking.waitlist_claim", "token"): lambda p: a_waitlist_offer(p)["offer_token"],
}
# Auth pages that only a practice has (its staff's password resets and invitations, sign-up's
# welcome and email confirmation): not on the backoffice host.
TENANT_ONLY_AUTH = frozenset({"auth.request_password_reset", "auth.reset_password", "auth.invitation",
                              "auth.welcome", "auth.confirm_email"})
# Query strings a page needs to render rather than send the visitor back a step.
QUERIES = {
    "booking.details": lambda p: {"location": p["location"].id, "provider": p["provider"].id, "start": a_free_slot(p)},
    "dashboard.new_appointment": lambda p: {"provider_id": p["provider"].id, "location_id": p["location"].id,
                                            "start": a_free_slot(p)},
    "dashboard.customer_search": lambda p: {"q": p["customer"].name[:4]},
    "booking.waitlist_join": lambda p: {"location": p["location"].id, "provider": "any"},
    # A series' review: the create form as sent with a repeat (every week, three times, from a free slot).
    "dashboard.series_review": lambda p: {"provider_id": p["provider"].id, "location_id": p["location"].id,
                                          "start": (start := a_free_slot(p)), "service_id": p["service"].id,
                                          "customer_id": p["customer"].id, "repeat_weeks": 1, "repeat_count": 3,
                                          "repeat_days": datetime.strptime(start, "%Y-%m-%dT%H:%MZ").replace(
                                              tzinfo=timezone.utc).astimezone(ZoneInfo(p["location"].timezone)).weekday()},
    "dashboard.customers": lambda p: {"q": p["customer"].name[:4]},
    # The merge's confirmation, of the practice's customer and its duplicate.
    "dashboard.customer_merge": lambda p: {"with": p["duplicate"].id},
    "backoffice.users": lambda p: {"q": p["owner"].email[:5]},
}
ARGUMENT = re.compile(r"<(?:[^<>:]+:)?(\w+)>")

# Finding and filling the rules


def blueprint_of(rule) -> str | None:
    return rule.endpoint.rpartition(".")[0] or None


def rules_of(app, *blueprints, method: str | None = None) -> list:
    """The url_map's rules of ``blueprints`` (every rule, ``static`` too, when none are named)."""
    rules = [
        rule for rule in app.url_map.iter_rules()
        if (not blueprints or blueprint_of(rule) in blueprints) and (method is None or method in rule.methods)
    ]
    return sorted(rules, key=lambda rule: (rule.rule, rule.endpoint))


def methods_of(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def hosts_of(rule, practice) -> list[str]:
    """The hosts that serve ``rule``: the auth pages live on both."""
    blueprint = blueprint_of(rule)
    if blueprint is None:  # static files are served on every host
        return [host_of(practice["tenant"])]
    if blueprint in PLATFORM_BLUEPRINTS:
        return [PLATFORM_HOST]
    hosts = [host_of(practice["tenant"])] if blueprint in TENANT_BLUEPRINTS else []
    return hosts + ([ADMIN_HOST] if blueprint in BACKOFFICE_BLUEPRINTS and rule.endpoint not in TENANT_ONLY_AUTH else [])


def path_of(rule, practice) -> str:
    """``rule`` with its arguments filled from ``practice``, and the query string its page needs."""
    def value(match):
        name = match.group(1)
        fill = ENDPOINT_ARGUMENTS.get((rule.endpoint, name)) or ARGUMENTS.get(name)
        assert fill, (
            f"{rule.rule} ({rule.endpoint}) takes <{name}>: add it to ARGUMENTS in tests/support/routes.py "
            "so the sweeps over every route cover this one"
        )
        return str(fill(practice))

    path = ARGUMENT.sub(value, rule.rule)
    query = QUERIES.get(rule.endpoint)
    return f"{path}?{urlencode(query(practice))}" if query else path


def a_free_slot(practice) -> str:
    """A slot key the practice offers: 10:00 local on a weekday at least three days ahead."""
    zone = ZoneInfo(practice["location"].timezone)
    day = clock.now().astimezone(zone).date() + timedelta(days=3)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(10), tzinfo=zone).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


# The practice every route is filled from


def appointments_today(practice, count: int) -> None:
    """``count`` more of today's appointments, back to back from 05:00, each with its own customer:
    the rows an agenda or a slot picker would be tempted to load one by one."""
    tenant, service = practice["tenant"], practice["service"]
    zone = ZoneInfo(tenant.timezone)
    first = datetime.combine(clock.today_in(tenant.timezone), time(5), tzinfo=zone).astimezone(timezone.utc)
    # Buffers included, so that no two block the provider at once (the database refuses that).
    step = timedelta(minutes=service.buffer_before_minutes + service.duration_minutes + service.buffer_after_minutes)
    already = practice.setdefault("today", 0)
    for n in range(already, already + count):
        factories.appointment(
            tenant, location=practice["location"], provider=practice["provider"], service=service,
            customer=factories.customer(tenant), starts_at=first + n * step,
        )
    practice["today"] = already + count


def sign_in_token(practice) -> str:
    """A fresh, unused sign-in link for the practice's customer, as an emailed link would carry."""
    token = secrets.token_urlsafe(32)
    factories.save(practice["tenant"], CustomerSignInToken(
        tenant_id=practice["tenant"].id, customer_id=practice["customer"].id,
        token_hash=hashlib.sha256(token.encode()).hexdigest(), expires_at=clock.now() + timedelta(minutes=15),
    ))
    return token


def feed_token(practice) -> str:
    """The secret of a calendar feed for the practice's provider, as its subscription URL carries."""
    from app.modules.appointments import feeds
    from app.modules.catalogue.models import Provider

    with tenant_context(practice["tenant"]):
        token = feeds.regenerate(db.session, db.session.get(Provider, practice["provider"].id), actor=None)
        db.session.commit()
    return token


def reset_token(practice) -> str:
    """A fresh password reset link's token for the practice's owner."""
    with tenant_context(practice["tenant"]):
        return tokens.issue(db.session, practice["owner"], "password_reset", now=clock.now())


def welcome_pass(practice) -> str:
    """A fresh pass from sign-up into the practice's dashboard, for its owner."""
    with tenant_context(practice["tenant"]):
        return handoff.make_pass(db.session.get(User, practice["owner"].id))


def confirm_token(practice) -> str:
    """A fresh email confirmation link's token for the practice's owner."""
    with tenant_context(practice["tenant"]):
        return tokens.issue(db.session, practice["owner"], "email_confirmation", now=clock.now())


def invitation_token(practice) -> str:
    """A fresh invitation's token, as its emailed link would carry."""
    token, hashed = tokens.new_token()
    factories.save(practice["tenant"], Invitation(
        tenant_id=practice["tenant"].id, email="invited@example.com", name="Invited Person", role="staff",
        token_hash=hashed, expires_at=clock.now() + timedelta(days=7), invited_by_id=practice["owner"].id,
    ))
    return token


def a_waitlist_offer(practice) -> dict:
    """The practice's customer on its service's waitlist, offered a held time (made on first use): the entry,
    its leave link's token and the offer's."""
    if "waitlist" in practice:
        return practice["waitlist"]
    from app.modules.waitlist import tokens as waitlist_tokens
    from app.modules.waitlist.models import WaitlistEntry, WaitlistHold, WaitlistOffer

    tenant, zone = practice["tenant"], ZoneInfo(practice["location"].timezone)
    day = clock.now().astimezone(zone).date() + timedelta(days=4)
    leave_token, leave_hash = waitlist_tokens.new_token()
    offer_token, offer_hash = waitlist_tokens.new_token()
    entry = factories.save(tenant, WaitlistEntry(
        tenant_id=tenant.id, service_id=practice["service"].id, location_id=practice["location"].id,
        customer_id=practice["customer"].id, first_day=day, last_day=day, joined_at=clock.now(),
        leave_token_hash=leave_hash,
    ))
    starts_at = datetime.combine(day, time(11), zone).astimezone(timezone.utc)
    hold = factories.save(tenant, WaitlistHold(
        tenant_id=tenant.id, service_id=practice["service"].id, location_id=practice["location"].id,
        provider_id=practice["provider"].id, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=30),
        blocked_from=starts_at, blocked_until=starts_at + timedelta(minutes=30),
        held_until=clock.now() + timedelta(days=1),
    ))
    factories.save(tenant, WaitlistOffer(tenant_id=tenant.id, hold_id=hold.id, entry_id=entry.id,
                                         token_hash=offer_hash))
    practice["waitlist"] = {"entry": entry, "leave_token": leave_token, "offer_token": offer_token}
    practice["waitlist_entry"] = entry  # for the isolation sweep, which finds rows among the practice's values
    return practice["waitlist"]


def an_intake_question(practice) -> None:
    """A select question with one option, asked by the practice's service: the rows intake set-up routes take."""
    tenant = practice["tenant"]
    practice["question"] = factories.save(tenant, ParameterDefinition(
        tenant_id=tenant.id, key="insurer", label="Insurer", type="select"))
    practice["option"] = factories.save(tenant, ParameterOption(
        tenant_id=tenant.id, parameter_id=practice["question"].id, value="bupa", label="Bupa"))
    factories.save(tenant, ServiceParameter(tenant_id=tenant.id, service_id=practice["service"].id,
                                            parameter_id=practice["question"].id))


def a_subscription(practice) -> None:
    """The practice on the default plan's trial, as sign-up leaves it: the plan the backoffice's plan routes take."""
    from app.modules.billing.trials import start_trial

    with tenant_context(practice["tenant"]):
        practice["subscription"] = start_trial(db.session, practice["tenant"], now=clock.now())
        practice["plan"] = practice["subscription"].plan
        db.session.commit()


@pytest.fixture
def route_practice(app) -> dict:
    """The support practice, with a failed email to retry, its booking's manage token, a sign-in link
    and a duplicate of its customer."""
    made = new_practice("acme", name="Acme Dental")
    tenant = made["tenant"]
    made["notification"] = factories.save(tenant, Notification(
        tenant_id=tenant.id, appointment_id=made["appointment"].id, channel="email", kind="booking_confirmed",
        recipient=made["customer"].email, status="failed", scheduled_for=clock.now(), attempts=3,
        last_error="mailbox unavailable",
    ))
    with tenant_context(tenant):
        made["manage_token"] = db.session.scalar(
            select(AppointmentParticipant.manage_token).where(AppointmentParticipant.appointment_id == made["appointment"].id)
        )
    made["sign_in_token"] = sign_in_token(made)
    with tenant_context(tenant):  # a brand colour and a logo, so that the pages serving them have one to serve
        branded = db.session.get(Tenant, tenant.id)
        branded.branding = {"color": "#0a7f5a", "logo_version": "v1"}
        branded.logo, branded.logo_type = b"\x89PNG\r\n\x1a\n", "image/png"
        db.session.commit()
    an_intake_question(made)
    made["duplicate"] = a_duplicate(tenant, made["customer"])
    factories.appointment(tenant, location=made["location"], provider=made["provider"], service=made["service"],
                          customer=made["duplicate"], starts_at=made["appointment"].starts_at + timedelta(days=1))
    a_subscription(made)
    return made



@pytest.fixture
def route_owner(route_practice, visitor):
    member = visitor(host_of(route_practice["tenant"]))
    response = member.sign_in(route_practice["owner"].email, factories.PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/dashboard/"
    return member


@pytest.fixture
def route_customer(route_practice, visitor):
    """The practice's customer, signed in on its booking site by a link of their own."""
    member = visitor(host_of(route_practice["tenant"]))
    response = member.post(f"/account/sign-in/{sign_in_token(route_practice)}")
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    return member


@pytest.fixture
def browsers(route_practice, visitor, route_owner, route_customer, superadmin) -> dict:
    """Who asks for a blueprint's pages on each host, so that they really render."""
    tenant_host = host_of(route_practice["tenant"])
    return {
        (tenant_host, "booking"): route_customer,
        (tenant_host, "auth"): visitor(tenant_host),
        (tenant_host, "dashboard"): route_owner,
        (tenant_host, None): visitor(tenant_host),
        (ADMIN_HOST, "auth"): visitor(ADMIN_HOST),
        (PLATFORM_HOST, "platform"): visitor(PLATFORM_HOST),
        (ADMIN_HOST, "backoffice"): superadmin,
        (ADMIN_HOST, "monitoring"): visitor(ADMIN_HOST),  # uptime monitors never sign in
    }
