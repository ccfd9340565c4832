"""The owner's billing page: the plan, the next invoice and the past ones, and the ways to the payment
provider: Subscribe (Checkout) and Manage billing (the Customer Portal). Open while suspended too: paying
is the way back."""
import sqlalchemy as sa
from flask import current_app, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from app.blueprints.auth.guards import roles_required
from app.blueprints.dashboard import bp
from app.blueprints.dashboard.forms import SubscribeForm
from app.core import clock
from app.core.database import db
from app.core.errors import DomainError
from app.modules import audit
from app.modules.billing import limits, providers
from app.modules.billing.models import Invoice, Plan
from app.web.forms import show_error
from app.web.rendering import render
from app.web.security import let_forms_lead_to
from app.web.sites import current_tenant

# Where Checkout and the Customer Portal live: the billing page's forms end there (CSP form-action).
STRIPE_HOSTS = ("https://checkout.stripe.com", "https://billing.stripe.com")
PAST_INVOICES = 24


def _provider() -> providers.PaymentProvider:
    return providers.configured(current_app.config)


def _plans_on_offer(provider) -> list[Plan]:
    query = sa.select(Plan).where(Plan.active).order_by(Plan.price, Plan.name)
    if provider.name == "stripe":
        query = query.where(Plan.stripe_price_id.is_not(None))  # only what Checkout can sell
    return db.session.scalars(query).all()


def _page(subscribe: SubscribeForm, manage: FlaskForm, *, status: int = 200):
    provider = _provider()
    subscription = limits.subscription_of(db.session, current_tenant.id)
    plan = subscription.plan if subscription is not None else None
    invoices = db.session.scalars(sa.select(Invoice).where(Invoice.tenant_id == current_tenant.id)
                                  .order_by(Invoice.issued_at.desc().nulls_last(), Invoice.id.desc())
                                  .limit(PAST_INVOICES)).all()
    plans = _plans_on_offer(provider)
    subscribe.plan_id.choices = [(offered.id, offered.name) for offered in plans]
    if subscribe.plan_id.data is None and plan is not None:
        subscribe.plan_id.data = plan.id
    # The next invoice: the plan's price at the end of the period, while the subscription runs.
    upcoming = subscription is not None and subscription.status != "cancelled" and plan is not None
    response = render("dashboard/billing/billing.html", status=status, subscription=subscription, plan=plan,
                      invoices=invoices, plans=plans, upcoming=upcoming, provider=provider.name,
                      subscribe_form=subscribe, manage_form=manage)
    return let_forms_lead_to(response, *STRIPE_HOSTS) if provider.name == "stripe" else response


def _back_url() -> str:
    return url_for("dashboard.billing", _external=True)


@bp.get("/billing")
@roles_required("owner")
def billing():
    return _page(SubscribeForm(), FlaskForm())


@bp.post("/billing/subscribe")
@roles_required("owner")
def subscribe():
    provider = _provider()
    form = SubscribeForm()
    form.plan_id.choices = [(offered.id, offered.name) for offered in _plans_on_offer(provider)]
    if form.validate_on_submit():
        plan = db.session.get(Plan, form.plan_id.data)
        current = limits.plan_of(db.session, current_tenant.id)
        try:
            url = provider.start_checkout(db.session, current_tenant, plan, now=clock.now(), actor=current_user,
                                          back=providers.Return(success_url=_back_url() + "?paid=1",
                                                                cancel_url=_back_url()))
        except DomainError as error:
            show_error(form, error)
        else:
            audit.record(db.session, "billing.checkout_started", plan, actor=current_user, tenant_id=current_tenant.id,
                         ip=request.remote_addr, provider=provider.name,
                         before={"plan": current.code if current else None}, after={"plan": plan.code})
            return redirect(url, 303)
    return _page(form, FlaskForm(), status=422)


@bp.post("/billing/manage")
@roles_required("owner")
def manage_billing():
    provider = _provider()
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            url = provider.portal_url(db.session, current_tenant, return_url=_back_url())
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            audit.record(db.session, "billing.portal_opened", current_tenant, actor=current_user,
                         tenant_id=current_tenant.id, ip=request.remote_addr, provider=provider.name)
            return redirect(url, 303)
    return _page(SubscribeForm(), form, status=422)
