"""The ``flask sloty`` commands: demo data, superadmins and tenants."""
import sqlalchemy as sa

from app.core.database import db
from app.core.tenancy import all_tenants, tenant_context
from app.modules.accounts.models import User
from app.modules.appointments.models import Appointment
from app.modules.catalogue.models import Location, Provider, Service
from app.modules.customers.models import Customer
from app.modules.schedules.models import WorkingHours
from app.modules.tenants.models import Tenant


def counts() -> dict:
    with all_tenants():
        return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in (Tenant, User, Location, Provider, Service, Customer, Appointment, WorkingHours)}


def test_demo_creates_the_demo_practice_once_and_prints_how_to_sign_in(runner):
    first = runner.invoke(args=["sloty", "demo"])
    assert first.exit_code == 0, first.output
    assert "Created demo tenant “demo”." in first.output
    for line in ("Booking site: http://demo.sloty.test/", "Dashboard:    http://demo.sloty.test/dashboard",
                 "Backoffice:   http://admin.sloty.test/", "owner@demo.test / demo-password",
                 "frontdesk@demo.test / demo-password", "admin@sloty.test / admin-password"):
        assert line in first.output
    made = counts()
    assert made["Location"] == 2 and made["Provider"] == 3 and made["Service"] == 5 and made["Appointment"] > 20

    again = runner.invoke(args=["sloty", "demo"])
    assert again.exit_code == 0 and "Already present: demo tenant “demo”." in again.output
    assert counts() == made

    demo = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "demo"))
    with tenant_context(demo):
        zones = set(db.session.scalars(sa.select(Location.timezone)))
        group = db.session.scalar(sa.select(Service).where(Service.capacity > 1))
    assert zones == {"Europe/London", "America/New_York"}
    assert group.capacity == 6


def test_create_superadmin_makes_a_platform_account(runner):
    result = runner.invoke(args=["sloty", "create-superadmin", "--email", "Boss@Example.com", "--password", "a long password"])
    assert result.exit_code == 0, result.output
    assert "Superadmin boss@example.com created" in result.output
    with all_tenants():
        user = db.session.scalar(sa.select(User).where(User.email == "boss@example.com"))
    assert (user.role, user.tenant_id) == ("superadmin", None)
    again = runner.invoke(args=["sloty", "create-superadmin", "--email", "boss@example.com", "--password", "a long password"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_create_tenant_with_an_owner(runner):
    result = runner.invoke(args=[
        "sloty", "create-tenant", "--slug", "acme", "--name", "Acme Dental", "--timezone", "Europe/Paris",
        "--currency", "eur", "--owner-email", "owner@acme.example", "--owner-password", "a long password",
    ])
    assert result.exit_code == 0, result.output
    assert "Tenant Acme Dental created: http://acme.sloty.test/" in result.output
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "acme"))
    assert (tenant.timezone, tenant.currency, tenant.status) == ("Europe/Paris", "EUR", "active")
    with tenant_context(tenant):
        assert [(u.email, u.role) for u in db.session.scalars(sa.select(User))] == [("owner@acme.example", "owner")]


def test_create_tenant_refuses_a_reserved_slug_or_an_unknown_zone_and_writes_nothing(runner):
    reserved = runner.invoke(args=["sloty", "create-tenant", "--slug", "admin", "--name", "X"])
    assert reserved.exit_code != 0 and "reserved" in reserved.output
    zone = runner.invoke(args=["sloty", "create-tenant", "--slug", "fine", "--name", "X", "--timezone", "Mars/Olympus"])
    assert zone.exit_code != 0 and "not an IANA time zone" in zone.output
    assert counts()["Tenant"] == 0
