"""The platform's settings: edited in the backoffice (validated, audited) and used by sign-up, the
backoffice's own pages and the emails."""
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.core.database import db
from app.core.tenancy import all_tenants, tenant_context
from app.modules.audit.models import AuditEvent
from app.modules.billing.models import Plan, Subscription
from app.modules.notifications import content
from app.modules.notifications.models import Notification
from app.modules.platform import settings
from app.modules.platform.models import PlatformSettings
from app.modules.tenants.models import Tenant
from tests.support.clients import BASE_DOMAIN
from tests.support.pages import form_fields, html, text

WWW = f"www.{BASE_DOMAIN}"
SETTINGS = {"platform_name": "Bookwell", "support_email": "help@bookwell.example", "default_plan_id": "",
            "trial_days": "30", "dunning_grace_days": "10"}


def saved() -> settings.Settings:
    with all_tenants():
        db.session.expire_all()
        return settings.current(db.session)


def a_plan(code="team", **fields) -> Plan:
    with all_tenants():
        plan = Plan(code=code, name=code.title(), price=9900, currency="EUR", **fields)
        db.session.add(plan)
        db.session.flush()
    return plan


def test_the_defaults_stand_until_the_operator_saves(app, superadmin):
    page = html(superadmin.get("/backoffice/settings"))
    assert 'value="Sloty"' in page and 'value="support@sloty.example"' in page and 'value="14"' in page
    assert saved() == settings.Settings(**settings.DEFAULTS)


def test_the_operator_saves_the_settings_audited_before_and_after(app, superadmin):
    plan = a_plan()
    response = superadmin.post("/backoffice/settings", SETTINGS | {"default_plan_id": str(plan.id)})
    assert response.status_code == 303 and response.headers["Location"] == "/backoffice/settings"
    assert saved() == settings.Settings("Bookwell", "help@bookwell.example", plan.id, 30, 10)
    with all_tenants():
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "platform.settings_changed")).all()
    assert event.tenant_id is None and event.actor_email == "root@sloty.test"
    assert event.details["before"] == {"platform_name": "Sloty", "support_email": "support@sloty.example",
                                       "default_plan_id": None, "trial_days": 14, "dunning_grace_days": 7}
    assert event.details["after"]["trial_days"] == 30
    # Saved again with one change: the audit names only that one.
    superadmin.post("/backoffice/settings", SETTINGS | {"default_plan_id": str(plan.id), "dunning_grace_days": "5"})
    with all_tenants():
        last = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "platform.settings_changed")
                                  .order_by(AuditEvent.id.desc())).first()
    assert last.details == {"before": {"dunning_grace_days": 10}, "after": {"dunning_grace_days": 5}}
    with all_tenants():
        assert len(db.session.scalars(select(PlatformSettings)).all()) == 1


@pytest.mark.parametrize(("change", "message"), [
    ({"platform_name": ""}, "This field is required."),
    ({"support_email": "not-an-email"}, "Invalid email address."),
    ({"trial_days": "-1"}, "Number must be between 0 and 365."),
    ({"trial_days": "a week"}, "Not a valid integer value."),
    ({"dunning_grace_days": "400"}, "Number must be between 0 and 365."),
    ({"default_plan_id": "999999"}, "Not a valid choice."),
])
def test_bad_settings_are_422_with_the_values_kept_and_nothing_written(app, superadmin, change, message):
    response = superadmin.post("/backoffice/settings", SETTINGS | change)
    assert response.status_code == 422
    assert message in text(html(response))
    assert 'value="help@bookwell.example"' in html(response) or change.get("support_email")
    assert saved() == settings.Settings(**settings.DEFAULTS)


def test_a_deactivated_plan_cannot_be_the_default(app, superadmin):
    retired = a_plan("retired", active=False)
    response = superadmin.post("/backoffice/settings", SETTINGS | {"default_plan_id": str(retired.id)})
    assert response.status_code == 422 and "Not a valid choice." in text(html(response))


def test_the_backoffice_shows_the_platforms_name(app, superadmin):
    superadmin.post("/backoffice/settings", SETTINGS)
    assert "<title>Bookwell backoffice</title>" in html(superadmin.get("/backoffice/"))


def sign_up_form(**fields) -> dict:
    return {"name": "Zoë's Dental Care", "slug": "zoes-dental-care", "owner_name": "Zoë Park",
            "owner_email": "zoe@example.org", "password": "a long enough password", "timezone": "Pacific/Auckland",
            **fields}


@pytest.mark.usefixtures("messages_stay_in_the_outbox")
def test_sign_up_uses_the_trial_length_the_default_plan_and_the_platforms_name(app, superadmin, visitor):
    team = a_plan(max_providers=10)
    superadmin.post("/backoffice/settings", SETTINGS | {"default_plan_id": str(team.id)})
    response = visitor(WWW).post("/signup", sign_up_form())
    assert response.status_code == 303 and urlsplit(response.headers["Location"]).netloc.startswith("zoes-dental-care.")
    with all_tenants():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "zoes-dental-care"))
        (trial,) = db.session.scalars(select(Subscription).where(Subscription.tenant_id == tenant.id)).all()
        (email,) = db.session.scalars(select(Notification).where(Notification.tenant_id == tenant.id)).all()
    assert tenant.status == "trialing"
    assert trial.plan_id == team.id and trial.status == "trialing"
    assert (trial.current_period_end - trial.current_period_start).days == 30
    with tenant_context(tenant):
        message = content.build(db.session.get(Notification, email.id), tenant, None, now=trial.current_period_start)
    assert "Welcome to Bookwell. Confirm your email" in message.text
    assert "Sent by Bookwell for Zoë's Dental Care. Questions? Write to help@bookwell.example." in message.text
    assert "Questions? Write to help@bookwell.example." in message.html


@pytest.mark.usefixtures("messages_stay_in_the_outbox")
def test_without_settings_sign_up_starts_fourteen_days_on_starter(app, visitor):
    assert visitor(WWW).post("/signup", sign_up_form()).status_code == 303
    with all_tenants():
        (trial,) = db.session.scalars(select(Subscription)).all()
        assert trial.plan.code == "starter"
    assert (trial.current_period_end - trial.current_period_start).days == 14


def test_the_form_as_rendered_saves_as_it_is(app, superadmin):
    a_plan()
    page = html(superadmin.get("/backoffice/settings"))
    assert '<option selected value="">Starter (made by the first sign-up)</option>' in page
    response = superadmin.post("/backoffice/settings", form_fields(page, "settings-form"))
    assert response.status_code == 303, text(html(response))
    assert saved() == settings.Settings(**settings.DEFAULTS)
