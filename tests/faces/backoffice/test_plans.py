"""The backoffice's plans: created, edited and deactivated (never deleted), every change audited."""
import pytest
from sqlalchemy import select

from app.core.database import db
from app.core.tenancy import all_tenants
from app.modules.audit.models import AuditEvent
from app.modules.billing.models import Plan
from tests.support.pages import html, text

PRO = {"name": "Pro", "code": "pro", "price": "4900", "currency": "EUR", "interval": "month", "max_providers": "5",
       "max_locations": "", "max_sms_per_month": "500", "custom_domain_allowed": "y", "active": "y"}


def plans() -> list[Plan]:
    with all_tenants():
        db.session.expire_all()
        return db.session.scalars(select(Plan).order_by(Plan.id)).all()


def plan_events() -> list[AuditEvent]:
    with all_tenants():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("plan.%")).order_by(AuditEvent.id)).all()


def test_the_operator_creates_a_plan_with_its_limits(app, superadmin):
    response = superadmin.post("/backoffice/plans/new", PRO)
    assert response.status_code == 303 and response.headers["Location"] == "/backoffice/plans"
    (plan,) = plans()
    assert (plan.code, plan.name, plan.price, plan.currency, plan.interval) == ("pro", "Pro", 4900, "EUR", "month")
    assert (plan.max_providers, plan.max_locations, plan.max_sms_per_month, plan.custom_domain_allowed, plan.active) == (
        5, None, 500, True, True)
    page = text(html(superadmin.get("/backoffice/plans")))
    assert "Pro pro €49.00 a month 5 Unlimited 500 yes 0 yes" in page
    (event,) = plan_events()
    assert event.action == "plan.created" and event.actor_email == "root@sloty.test"
    assert event.details["before"] == {} and event.details["after"]["max_sms_per_month"] == 500


def test_editing_a_plan_audits_the_values_before_and_after(app, superadmin):
    superadmin.post("/backoffice/plans/new", PRO)
    (plan,) = plans()
    form = html(superadmin.get(f"/backoffice/plans/{plan.id}"))
    assert 'value="4900"' in form and 'value="pro"' in form
    edited = PRO | {"price": "5900", "interval": "year", "max_locations": "3"}
    edited.pop("active")  # an unticked box: deactivated
    assert superadmin.post(f"/backoffice/plans/{plan.id}", edited).status_code == 303
    (plan,) = plans()
    assert (plan.price, plan.interval, plan.max_locations, plan.active) == (5900, "year", 3, False)
    changed = plan_events()[-1]
    assert changed.action == "plan.changed"
    assert changed.details == {"before": {"price": 4900, "interval": "month", "max_locations": None, "active": True},
                               "after": {"price": 5900, "interval": "year", "max_locations": 3, "active": False}}
    assert "no (deactivated)" in html(superadmin.get("/backoffice/plans"))


def test_a_plans_stripe_price_id_is_set_and_audited(app, superadmin):
    superadmin.post("/backoffice/plans/new", PRO)
    (plan,) = plans()
    assert plan.stripe_price_id is None  # empty: not sold through Stripe
    assert superadmin.post(f"/backoffice/plans/{plan.id}", PRO | {"stripe_price_id": " price_1SzProMonthly "}).status_code == 303
    (plan,) = plans()
    assert plan.stripe_price_id == "price_1SzProMonthly"
    assert plan_events()[-1].details == {"before": {"stripe_price_id": None}, "after": {"stripe_price_id": "price_1SzProMonthly"}}
    assert 'value="price_1SzProMonthly"' in html(superadmin.get(f"/backoffice/plans/{plan.id}"))


@pytest.mark.parametrize(("change", "message"), [
    ({"price": "-1"}, "Number must be at least 0."),
    ({"price": "lots"}, "Not a valid integer value."),
    ({"max_providers": "-2"}, "Number must be at least 0."),
    ({"code": "Pro Plan!"}, "Lowercase letters, digits, dashes and underscores, at most 32."),
    ({"interval": "week"}, "Not a valid choice."),
    ({"name": ""}, "This field is required."),
    ({"stripe_price_id": "prod_123"}, "A Stripe price id such as price_1MoBy5LkdIwHu7ixZhnattbh, or empty."),
])
def test_a_bad_plan_is_422_with_the_values_kept_and_nothing_written(app, superadmin, change, message):
    response = superadmin.post("/backoffice/plans/new", PRO | change)
    assert response.status_code == 422
    assert message in text(html(response))
    assert 'value="500"' in html(response)  # what was typed stays
    assert plans() == [] and plan_events() == []


def test_a_taken_code_is_refused(app, superadmin):
    superadmin.post("/backoffice/plans/new", PRO)
    response = superadmin.post("/backoffice/plans/new", PRO | {"name": "Pro again"})
    assert response.status_code == 422 and "Another plan has the code “pro”." in html(response)
    assert len(plans()) == 1


def test_an_unknown_plan_is_404(app, superadmin):
    assert superadmin.get("/backoffice/plans/999999").status_code == 404
