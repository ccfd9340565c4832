"""Automatic tenant scoping: every ORM query on tenant data is confined to the scope's tenant."""
from contextlib import contextmanager

import pytest
from sqlalchemy import delete, event, func, select, text, true, update
from sqlalchemy.orm import aliased
from werkzeug.exceptions import NotFound

from app.core.database import db
from app.core.records import TenantOwned
from app.core.tenancy import TenantScopeError, all_tenants, current_tenant_id, reused, scoped_get, tenant_context
from app.modules import tables  # noqa: F401  (registers every model, so the sweep sees every table)
from app.modules.accounts.models import User
from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.audit.models import AuditEvent
from app.modules.catalogue.models import Location, Provider, ProviderLocation, ProviderService, Service
from app.modules.customers.models import Customer
from app.modules.schedules.models import BookingPolicy, WorkingHours
from app.modules.tenants.models import Tenant
from app.web.loading import get_or_404
from tests.support import factories
from tests.support.practice import build_practice

TENANT_OWNED = sorted(
    (mapper.class_ for mapper in db.Model.registry.mappers if issubclass(mapper.class_, TenantOwned)),
    key=lambda model: model.__name__,
)
# The models build_practice() gives rows in every tenant: the behaviour tests are not vacuous on these.
POPULATED = [
    Appointment, AppointmentParticipant, AuditEvent, BookingPolicy, Customer, Location, Provider,
    ProviderLocation, ProviderService, Service, User, WorkingHours,
]
# build_practice() keys whose rows tests load by id.
LOADABLE = ["appointment", "customer", "location", "owner", "provider", "service"]


@pytest.fixture
def alpha(app):
    made = build_practice("alpha")
    db.session.commit()  # some tests roll their session back, which must not take the practice with it
    return made


@pytest.fixture
def bravo(app):
    made = build_practice("bravo")
    db.session.commit()  # some tests roll their session back, which must not take the practice with it
    return made


@contextmanager
def captured_sql():
    """Collect (sql, parameter values) of every statement the engine sends."""
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        values = parameters.values() if isinstance(parameters, dict) else parameters
        statements.append((statement, list(values)))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)


def ids_in_database(model, tenant) -> set[int]:
    """The ids of ``tenant``'s rows, read with raw SQL: the ground truth, independent of scoping."""
    rows = db.session.execute(text(f"SELECT id FROM {model.__tablename__} WHERE tenant_id = :t"), {"t": tenant.id})
    return {row.id for row in rows}


def rows_of(tenant) -> dict[str, list]:
    """Every row a tenant owns, in every tenant-owned table, read with raw SQL."""
    return {
        model.__tablename__: db.session.execute(
            text(f"SELECT * FROM {model.__tablename__} WHERE tenant_id = :t ORDER BY id"), {"t": tenant.id}
        ).all()
        for model in TENANT_OWNED
    }


# --- The sweep: no tenant-owned model escapes scoping -------------------------------------------


def test_every_table_with_a_tenant_id_is_mapped_by_a_tenant_owned_model():
    scoped_tables = {model.__table__.name for model in TENANT_OWNED}
    unscoped_models = [
        mapper.class_.__name__
        for mapper in db.Model.registry.mappers
        if "tenant_id" in mapper.local_table.c and not issubclass(mapper.class_, TenantOwned)
    ]
    unmapped_tables = [
        table.name for table in db.metadata.sorted_tables if "tenant_id" in table.c and table.name not in scoped_tables
    ]
    assert unscoped_models == [], f"these models have tenant_id but are not TenantOwned, so are never scoped: {unscoped_models}"
    assert unmapped_tables == [], f"these tables have tenant_id but no TenantOwned model: {unmapped_tables}"


def test_the_sweep_covers_the_data_model():
    names = {model.__name__ for model in TENANT_OWNED}
    assert {"Appointment", "Customer", "Provider", "Service", "User", "Notification", "Invoice"} <= names
    assert "Tenant" not in names and "Plan" not in names


@pytest.mark.parametrize("model", TENANT_OWNED, ids=lambda model: model.__name__)
def test_selecting_a_tenant_owned_model_in_a_scope_filters_on_tenant_id(app, model):
    tenant = factories.tenant()
    tenant_id = tenant.id
    with tenant_context(tenant_id), captured_sql() as statements:
        db.session.scalars(select(model)).all()

    table = model.__tablename__
    [(sql, parameters)] = [(sql, parameters) for sql, parameters in statements if f"FROM {table}" in sql]
    where = sql.partition("WHERE")[2]
    assert f"{table}.tenant_id = " in where, f"{model.__name__} was selected without a tenant filter:\n{sql}"
    assert tenant_id in parameters


# --- Reads --------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", POPULATED, ids=lambda model: model.__name__)
def test_a_query_in_a_tenants_scope_returns_exactly_its_rows(alpha, bravo, model):
    expected, other = ids_in_database(model, alpha["tenant"]), ids_in_database(model, bravo["tenant"])
    assert expected and other, "both tenants need rows for this test to mean anything"

    with tenant_context(alpha["tenant"]):
        found = set(db.session.scalars(select(model.id)))
        counted = db.session.scalar(select(func.count()).select_from(model))

    assert found == expected
    assert counted == len(expected)


def test_all_tenants_sees_every_tenants_rows(alpha, bravo):
    with all_tenants():
        emails = set(db.session.scalars(select(Customer.email)))
    assert emails == {alpha["customer"].email, bravo["customer"].email}


def test_switching_scopes_switches_results(alpha, bravo):
    # The criteria are cached with the statement; the tenant id must still be a fresh parameter.
    seen = {}
    for practice in (alpha, bravo, alpha):
        with tenant_context(practice["tenant"]):
            seen.setdefault(practice["tenant"].slug, []).append(db.session.scalars(select(Customer.name)).all())
    assert seen == {"alpha": [[alpha["customer"].name]] * 2, "bravo": [[bravo["customer"].name]]}


def test_a_reused_statement_is_scoped_to_each_tenant_in_turn(alpha, bravo):
    """A reused statement keeps its scoped form per tenant: the form kept for one never serves another."""
    statement = reused(select(Service.id).where(Service.active).order_by(Service.id))
    for practice in (alpha, bravo, alpha, bravo):
        with tenant_context(practice["tenant"]):
            assert db.session.scalars(statement).all() == [practice["service"].id]
    with pytest.raises(TenantScopeError):
        db.session.scalars(statement).all()  # outside any scope it still refuses, cached or not
    with pytest.raises(TenantScopeError):
        db.session.scalars(statement).all()


def test_joins_see_only_the_scopes_rows(alpha, bravo):
    bravo_appointment = bravo["appointment"].id
    with tenant_context(alpha["tenant"]):
        # An unconstrained cross join would pair every provider with every service of every tenant.
        pairs = db.session.execute(select(Provider.name, Service.name).join(Service, true())).all()
        booked = db.session.execute(
            select(Appointment.id, Customer.name)
            .join(AppointmentParticipant, AppointmentParticipant.appointment_id == Appointment.id)
            .join(Customer, Customer.id == AppointmentParticipant.customer_id)
        ).all()
        other = aliased(Customer)
        through_alias = db.session.scalars(
            select(other.name)
            .join(AppointmentParticipant, AppointmentParticipant.customer_id == other.id)
            .where(AppointmentParticipant.appointment_id == bravo_appointment)
        ).all()
        users_per_tenant = db.session.execute(
            select(Tenant.slug, func.count(User.id)).outerjoin(User, User.tenant_id == Tenant.id).group_by(Tenant.slug)
        ).all()

    assert pairs == [(alpha["provider"].name, alpha["service"].name)]
    assert booked == [(alpha["appointment"].id, alpha["customer"].name)]
    assert through_alias == []
    assert dict(users_per_tenant) == {"alpha": 1, "bravo": 0}


def test_subqueries_are_scoped_too(alpha, bravo):
    with tenant_context(alpha["tenant"]):
        with_users = db.session.scalars(select(Tenant.slug).where(Tenant.id.in_(select(User.tenant_id)))).all()
    assert with_users == ["alpha"]


def test_relationship_lazy_loads_are_scoped(alpha, bravo):
    with tenant_context(alpha["tenant"]):
        db.session.expire_all()
        appointment = db.session.scalars(select(Appointment)).one()
        with captured_sql() as statements:
            customers = [participant.customer.name for participant in appointment.participants]
            offers = [service.name for service in appointment.provider.services]

    assert customers == [alpha["customer"].name]
    assert offers == [alpha["service"].name]
    # Collections are queried in scope. (Many-to-one loads are refreshes by primary key of a row
    # the composite foreign keys guarantee is the same tenant's.)
    for table in ("appointment_participants", "services"):
        loads = [(sql, parameters) for sql, parameters in statements if f"FROM {table}" in sql]
        assert loads, f"no lazy load of {table} was seen"
        assert all(f"{table}.tenant_id = " in sql and alpha["tenant"].id in parameters for sql, parameters in loads)


def test_a_lazy_load_runs_in_the_current_scope_not_the_one_that_loaded_the_row(alpha, bravo):
    with all_tenants():
        bravo_appointment = db.session.get(Appointment, bravo["appointment"].id)
        db.session.expire(bravo_appointment, ["participants"])
    with tenant_context(alpha["tenant"]):
        assert bravo_appointment.participants == []


@pytest.mark.parametrize("key", LOADABLE)
def test_scoped_get_never_returns_another_tenants_row(alpha, bravo, key):
    model, alpha_id, bravo_id = type(alpha[key]), alpha[key].id, bravo[key].id
    with all_tenants():
        bravo_row = db.session.get(model, bravo_id)
    with tenant_context(alpha["tenant"]):
        # Even with the row in the session's identity map, scoped_get asks the database, in scope.
        assert bravo_row in db.session
        assert scoped_get(db.session, model, bravo_id) is None
        assert scoped_get(db.session, model, alpha_id) is alpha[key]


# --- Writes -------------------------------------------------------------------------------------


def test_bulk_update_touches_only_the_scopes_rows(alpha, bravo):
    bravo_customer = bravo["customer"].id
    with all_tenants():
        before = rows_of(bravo["tenant"])
    with tenant_context(alpha["tenant"]):
        everyone = db.session.execute(update(Customer).values(notes="Seen by alpha"))
        targeted = db.session.execute(update(Customer).where(Customer.id == bravo_customer).values(notes="Hijacked"))
        db.session.commit()

    assert (everyone.rowcount, targeted.rowcount) == (1, 0)
    with all_tenants():
        db.session.expire_all()
        notes = dict(db.session.execute(select(Customer.tenant_id, Customer.notes)).all())
        assert rows_of(bravo["tenant"]) == before
    assert notes == {alpha["tenant"].id: "Seen by alpha", bravo["tenant"].id: ""}


def test_bulk_delete_touches_only_the_scopes_rows(alpha, bravo):
    with all_tenants():
        before = rows_of(bravo["tenant"])
    with tenant_context(alpha["tenant"]):
        removed = db.session.execute(delete(AppointmentParticipant))
        db.session.commit()

    assert removed.rowcount == 1
    with all_tenants():
        assert ids_in_database(AppointmentParticipant, alpha["tenant"]) == set()
        assert rows_of(bravo["tenant"]) == before


# --- Outside any scope --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        select(Customer),
        select(Customer.email),
        select(Tenant.slug).join(User, User.tenant_id == Tenant.id),
        select(Tenant.slug).where(Tenant.id.in_(select(User.tenant_id))),
        update(Customer).values(notes="no scope"),
        delete(Customer),
    ],
    ids=["select", "select-column", "join", "subquery", "update", "delete"],
)
def test_touching_tenant_data_outside_a_scope_raises(alpha, statement):
    assert current_tenant_id() is None
    with pytest.raises(TenantScopeError, match="outside a tenant scope"):
        db.session.execute(statement)
    db.session.rollback()
    with all_tenants():
        assert db.session.scalars(select(Customer.notes)).all() == [""]


def test_platform_tables_need_no_scope(alpha):
    assert db.session.scalars(select(Tenant.slug)).all() == ["alpha"]


def test_tenant_context_nests_and_restores(alpha, bravo):
    a, b = alpha["tenant"].id, bravo["tenant"].id
    assert current_tenant_id() is None
    with tenant_context(a):
        with tenant_context(bravo["tenant"]):
            assert current_tenant_id() == b
            assert db.session.scalars(select(Customer.name)).all() == [bravo["customer"].name]
            with all_tenants():
                assert current_tenant_id() is None
                assert len(db.session.scalars(select(Customer)).all()) == 2
            assert current_tenant_id() == b
        assert current_tenant_id() == a
        with pytest.raises(LookupError), tenant_context(b):
            raise LookupError("a failing job")
        assert current_tenant_id() == a
        assert db.session.scalars(select(Customer.name)).all() == [alpha["customer"].name]
    assert current_tenant_id() is None
    with pytest.raises(TenantScopeError):
        db.session.scalars(select(Customer))


def test_new_rows_take_the_scopes_tenant(alpha, bravo):
    with tenant_context(bravo["tenant"]):
        customer = Customer(name="Walk In", email="walk.in@example.com")
        db.session.add(customer)
        db.session.commit()
        assert customer.tenant_id == bravo["tenant"].id
    with all_tenants():
        assert ids_in_database(Customer, bravo["tenant"]) == {bravo["customer"].id, customer.id}


def test_adding_a_row_for_another_tenant_inside_a_scope_raises(alpha, bravo):
    with tenant_context(alpha["tenant"]):
        db.session.add(Customer(tenant_id=bravo["tenant"].id, name="Smuggled", email="smuggled@example.com"))
        with pytest.raises(TenantScopeError, match=f"belongs to tenant {bravo['tenant'].id}"):
            db.session.flush()
        db.session.rollback()
    with all_tenants():
        assert db.session.scalars(select(Customer.name).where(Customer.name == "Smuggled")).all() == []


def test_changing_another_tenants_row_inside_a_scope_raises(alpha, bravo):
    with all_tenants():
        bravo_customer = db.session.get(Customer, bravo["customer"].id)
    with tenant_context(alpha["tenant"]):
        bravo_customer.notes = "Edited from alpha"
        with pytest.raises(TenantScopeError):
            db.session.flush()
        db.session.rollback()
    with all_tenants():
        assert db.session.scalar(select(Customer.notes).where(Customer.id == bravo["customer"].id)) == ""


def test_deleting_another_tenants_row_inside_a_scope_raises(alpha, bravo):
    with all_tenants():
        bravo_participant = db.session.scalars(
            select(AppointmentParticipant).where(AppointmentParticipant.tenant_id == bravo["tenant"].id)
        ).one()
    with tenant_context(alpha["tenant"]):
        db.session.delete(bravo_participant)
        with pytest.raises(TenantScopeError):
            db.session.flush()
        db.session.rollback()
    with all_tenants():
        assert ids_in_database(AppointmentParticipant, bravo["tenant"]) == {bravo_participant.id}


# --- Loading for a view -------------------------------------------------------------------------


@pytest.mark.parametrize("key", LOADABLE)
def test_get_or_404_404s_for_another_tenants_id(app, alpha, bravo, key):
    model, alpha_id, bravo_id = type(alpha[key]), alpha[key].id, bravo[key].id
    with app.test_request_context(), tenant_context(alpha["tenant"]):
        with pytest.raises(NotFound):
            get_or_404(model, bravo_id)
        assert get_or_404(model, alpha_id).id == alpha_id


def test_get_or_404_active_only_404s_for_a_deactivated_row(app, alpha):
    with tenant_context(alpha["tenant"]):
        alpha["service"].active = False
        db.session.commit()
    with app.test_request_context(), tenant_context(alpha["tenant"]):
        assert get_or_404(Service, alpha["service"].id).active is False
        with pytest.raises(NotFound):
            get_or_404(Service, alpha["service"].id, active_only=True)
