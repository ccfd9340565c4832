"""Every route that takes an id 404s for another tenant's id, and changes nothing when it does."""
import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.accounts.models import User
from app.modules.appointments.models import Appointment, Series
from app.modules.billing.models import Plan
from app.modules.catalogue.models import Location, Provider, Service, ServiceCategory
from app.modules.customers.models import Customer
from app.modules.intake.models import ParameterDefinition, ParameterOption
from app.modules.notifications.models import Notification
from app.modules.resources.models import Resource
from app.modules.tenants.models import Tenant
from app.modules.waitlist.models import WaitlistEntry
from tests.support import factories
from tests.support.clients import ADMIN_HOST, host_of
from tests.support.practice import build_practice
from tests.support.routes import a_free_slot, a_subscription, a_waitlist_offer, an_intake_question

# Every id argument a route may take, and the model it names. A route with an id argument
# missing here fails the sweep, so a new route cannot quietly dodge it.
ID_ARGUMENTS = {
    "appointment_id": Appointment,
    "category_id": ServiceCategory,
    "customer_id": Customer,
    "location_id": Location,
    "notification_id": Notification,
    "plan_id": Plan,
    "option_id": ParameterOption,
    "provider_id": Provider,
    "question_id": ParameterDefinition,
    "resource_id": Resource,
    "series_id": Series,
    "service_id": Service,
    "tenant_id": Tenant,
    "user_id": User,
    "entry_id": WaitlistEntry,
}
INT_ARGUMENT = re.compile(r"<int(?:\([^)]*\))?:(\w+)>")


def query_for(practice) -> dict:
    """The query string booking pages expect, naming the practice's own location, provider and slot."""
    return {"location": practice["location"].id, "provider": practice["provider"].id, "start": a_free_slot(practice)}


def form_for(practice) -> dict:
    """Plausible values for the fields our forms have, so that a view which validated before
    loading would act on them rather than stop at a validation error."""
    return query_for(practice) | {
        "end": "", "idempotency_key": "isolation-sweep", "reason": "Changed from another practice",
        "status": "suspended", "name": "Renamed from another practice", "email": "intruder@example.com",
        "phone": "", "notes": "Written from another practice", "active": "y",
    }


def id_rules(app):
    """(rule, its id arguments) for every rule with an ``<int:…>`` argument."""
    rules = [(rule, INT_ARGUMENT.findall(rule.rule)) for rule in app.url_map.iter_rules()]
    return sorted(((rule, names) for rule, names in rules if names), key=lambda pair: pair[0].rule)


def row_of(practice, model):
    rows = [row for row in practice.values() if isinstance(row, model)]
    assert rows, f"build_practice() has no {model.__name__}: add one so routes taking its id are swept"
    return rows[0]


def url_for_practice(rule, names, practice) -> str:
    unknown = [name for name in names if name not in ID_ARGUMENTS]
    assert not unknown, (
        f"{rule.rule} ({rule.endpoint}) takes {unknown}: add them to ID_ARGUMENTS in tests/faces/test_isolation.py "
        "so the isolation sweep covers this route"
    )
    path = rule.rule
    for name in names:
        path = re.sub(rf"<int(?:\([^)]*\))?:{name}>", str(row_of(practice, ID_ARGUMENTS[name]).id), path)
    return path


def methods_of(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def shown_name(practice, model) -> str:
    """What a record's page shows of it: its name or, for an appointment, its service's."""
    if model in (Appointment, Series):  # a series' page is named by its service too
        return practice["service"].name
    row = row_of(practice, model)
    return row.label if model is ParameterDefinition else row.name


def snapshot() -> dict:
    """Every table's row count and latest update, and every tenant's status, read with raw SQL."""
    state = {
        table.name: tuple(db.session.execute(text(f"SELECT count(*), max(updated_at) FROM {table.name}")).one())
        for table in db.metadata.sorted_tables
    }
    state["tenants.status"] = db.session.execute(text("SELECT id, status FROM tenants ORDER BY id")).all()
    return state


def full_practice(slug: str) -> dict:
    """build_practice() plus a failed email about its appointment, which a retry would requeue."""
    practice = build_practice(slug, name=f"{slug.title()} Practice")
    with tenant_context(practice["tenant"]):
        practice["notification"] = Notification(
            tenant_id=practice["tenant"].id, appointment_id=practice["appointment"].id, channel="email",
            kind="booking_confirmed", recipient=practice["customer"].email, status="failed",
            scheduled_for=clock.now(), attempts=3, last_error="mailbox unavailable",
        )
        db.session.add(practice["notification"])
        db.session.commit()
    an_intake_question(practice)
    a_waitlist_offer(practice)
    a_subscription(practice)
    return practice


@pytest.fixture
def alpha(app):
    return full_practice("alpha")


@pytest.fixture
def bravo(app):
    return full_practice("bravo")


@pytest.fixture
def alpha_owner(alpha, visitor):
    owner = visitor(host_of(alpha["tenant"]))
    assert owner.sign_in(alpha["owner"].email, factories.PASSWORD).status_code == 303
    return owner


def secrets_of(practice) -> list[str]:
    return [
        practice["tenant"].name, practice["customer"].name, practice["customer"].email,
        practice["provider"].name, practice["service"].name, practice["owner"].email,
    ]


def test_the_sweep_finds_the_routes_that_take_ids(app):
    endpoints = {rule.endpoint for rule, _ in id_rules(app)}
    assert {"booking.service", "dashboard.appointment", "dashboard.cancel_appointment", "dashboard.customer",
            "dashboard.provider", "backoffice.tenant", "backoffice.tenant_status"} <= endpoints


def test_every_route_404s_for_another_tenants_ids_and_changes_nothing(app, alpha, bravo, alpha_owner):
    hidden = secrets_of(bravo)
    failures = []
    for rule, names in id_rules(app):
        path = url_for_practice(rule, names, bravo)
        for method in methods_of(rule):
            before = snapshot()
            try:
                if method == "POST":
                    response = alpha_owner.post(path, form_for(bravo))
                else:
                    response = alpha_owner.get(f"{path}?{urlencode(query_for(bravo))}")
            except Exception as error:  # noqa: BLE001 - TESTING propagates a view's error; report it with the rest
                db.session.rollback()
                failures.append(f"{method} {path} ({rule.endpoint}) raised {error!r}")
                continue
            db.session.expire_all()
            after = snapshot()
            html = response.get_data(as_text=True)

            if response.status_code != 404:
                failures.append(f"{method} {path} ({rule.endpoint}) answered {response.status_code}, not 404")
            elif "Not found" not in html:
                failures.append(f"{method} {path} ({rule.endpoint}) 404 did not render the not-found page")
            if leaked := [secret for secret in hidden if secret in html]:
                failures.append(f"{method} {path} ({rule.endpoint}) showed bravo's {leaked}")
            if changed := sorted(name for name in before if before[name] != after[name]):
                failures.append(f"{method} {path} ({rule.endpoint}) changed {changed}")

    assert failures == [], "\n".join(failures)


def test_own_ids_give_the_page_proving_the_404s_are_earned(app, alpha, bravo, alpha_owner):
    failures = []
    for rule, names in id_rules(app):
        if "GET" not in rule.methods:
            continue
        response = alpha_owner.get(f"{url_for_practice(rule, names, alpha)}?{urlencode(query_for(alpha))}")
        html = response.get_data(as_text=True)
        if rule.endpoint.startswith("backoffice."):
            # The backoffice never answers on a tenant's host, whoever's id is asked for.
            expected, shown = 404, "Not found"
        else:
            expected, shown = 200, shown_name(alpha, ID_ARGUMENTS[names[0]])
        if response.status_code != expected or shown not in html:
            failures.append(f"GET {rule.rule} ({rule.endpoint}) with alpha's ids: {response.status_code}, {shown!r} not shown")

    assert failures == [], "\n".join(failures)


def test_superadmin_sees_every_tenant_in_the_backoffice(app, alpha, bravo, visitor):
    superadmin = factories.user(None, "superadmin")
    admin = visitor(ADMIN_HOST)
    assert admin.sign_in(superadmin.email, factories.PASSWORD).status_code == 303

    for practice in (alpha, bravo):
        tenant = practice["tenant"]
        page = admin.get(f"/backoffice/tenants/{tenant.id}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert f"{tenant.name} <small class=\"muted\">{tenant.slug}</small>" in html
        assert practice["owner"].email in html
        others = bravo if practice is alpha else alpha
        assert others["owner"].email not in html
