"""The practices on the platform: the list (search, filters, pages), creating one, a practice's page
(users, usage against its plan, subscription, invoices, audit) and moving it through its lifecycle."""
import sqlalchemy as sa
from flask import current_app, flash, request, url_for
from flask_login import current_user

from app.blueprints.backoffice import bp
from app.blueprints.backoffice.forms import StatusForm, TenantForm, TenantSearchForm
from app.core import clock
from app.core.database import db
from app.core.errors import DomainError
from app.modules import tenants
from app.modules.accounts.models import User
from app.modules.audit.models import AuditEvent
from app.modules.billing import limits
from app.modules.billing.models import Invoice, Plan
from app.modules.tenants import lifecycle, listing, status
from app.modules.tenants.models import Tenant
from app.web.forms import show_error
from app.web.loading import get_or_404
from app.web.rendering import render, see_other

RECENT_EVENTS = 20


@bp.get("/")
def index():
    form = TenantSearchForm(request.args)
    plans = db.session.scalars(sa.select(Plan).order_by(Plan.name)).all()
    form.plan.choices = [("", "Any plan")] + [(plan.id, plan.name) for plan in plans]
    if form.validate():
        found = listing.find(db.session, query=form.q.data or "", status=form.status.data or "",
                             plan_id=form.plan.data, page=form.page.data or 1)
    else:  # a hand-made URL (an unknown status or plan, a page that is no number): the first page, unfiltered
        found = listing.find(db.session)
    kept = {key: value for key, value in request.args.items() if key != "page" and value}
    return render("backoffice/tenants/index.html", "results", form=form, page=found,
                  page_url=lambda number: url_for("backoffice.index", **kept, page=number))


@bp.route("/tenants/new", methods=["GET", "POST"])
def new_tenant():
    form = TenantForm()
    if form.validate_on_submit():
        try:
            tenant = tenants.create_tenant(
                db.session, slug=form.slug.data, name=form.name.data, timezone=form.timezone.data,
                currency=form.currency.data, owner_email=form.owner_email.data or None,
                owner_name=form.owner_name.data, owner_password=form.owner_password.data, actor=current_user,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"{tenant.name} is live at {tenant.slug}.{current_app.config['BASE_DOMAIN']}.", "success")
            return see_other(url_for("backoffice.tenant", tenant_id=tenant.id))
    status_code = 422 if request.method == "POST" else 200
    return render("backoffice/tenants/new.html", "tenant_form", form=form, status=status_code)


def status_form(record: Tenant) -> StatusForm:
    form = StatusForm()
    form.status.choices = [(name, lifecycle.LABELS[name])
                           for name in lifecycle.next_statuses(record.status, deactivated=record.deactivated_at is not None)]
    return form


def _tenant_page(record: Tenant, form: StatusForm, status_code: int = 200):
    subscription = limits.subscription_of(db.session, record.id)
    plan = subscription.plan if subscription is not None else None
    return render(
        "backoffice/tenants/tenant.html", "status_form", status=status_code, tenant=record, form=form,
        users=db.session.scalars(sa.select(User).where(User.tenant_id == record.id).order_by(User.role, User.email)).all(),
        subscription=subscription, plan=plan,
        usage=limits.lines(plan, limits.usage(db.session, record.id, now=clock.now())),
        invoices=db.session.scalars(sa.select(Invoice).where(Invoice.tenant_id == record.id)
                                    .order_by(Invoice.id.desc())).all(),
        events=db.session.scalars(sa.select(AuditEvent).where(AuditEvent.tenant_id == record.id)
                                  .order_by(AuditEvent.id.desc()).limit(RECENT_EVENTS)).all(),
        labels=lifecycle.LABELS, export_ends=lifecycle.export_ends(record.status, record.status_changed_at),
    )


@bp.get("/tenants/<int:tenant_id>")
def tenant(tenant_id: int):
    record = get_or_404(Tenant, tenant_id)
    return _tenant_page(record, status_form(record))


@bp.post("/tenants/<int:tenant_id>/status")
def tenant_status(tenant_id: int):
    record = get_or_404(Tenant, tenant_id)
    form = status_form(record)
    if form.validate_on_submit():
        before = record.status
        try:
            status.change_status(db.session, record, form.status.data, now=clock.now(), actor=current_user,
                                 reason=form.reason.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"{record.name}: {lifecycle.LABELS[before]} → {lifecycle.LABELS[record.status]}.", "success")
            return see_other(url_for("backoffice.tenant", tenant_id=record.id))
    return _tenant_page(record, form, 422)
