"""The practices on the platform: the list, creating one, and suspending or reactivating it."""
from flask import current_app, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from app.blueprints.backoffice import bp
from app.blueprints.backoffice.forms import TenantForm
from app.core.database import db
from app.core.errors import DomainError
from app.modules import tenants
from app.modules.accounts.models import User
from app.modules.tenants.models import Tenant
from app.web.forms import show_error
from app.web.loading import get_or_404
from app.web.rendering import render, see_other


@bp.get("/")
def index():
    rows = db.session.execute(
        select(Tenant, func.count(User.id))
        .outerjoin(User, User.tenant_id == Tenant.id)
        .group_by(Tenant.id)
        .order_by(Tenant.name)
    ).all()
    return render("backoffice/tenants/index.html", rows=rows)


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
    status = 422 if request.method == "POST" else 200
    return render("backoffice/tenants/new.html", "tenant_form", form=form, status=status)


@bp.get("/tenants/<int:tenant_id>")
def tenant(tenant_id: int):
    record = get_or_404(Tenant, tenant_id)
    users = db.session.scalars(select(User).where(User.tenant_id == record.id).order_by(User.role)).all()
    return render("backoffice/tenants/tenant.html", tenant=record, users=users, form=FlaskForm())


@bp.post("/tenants/<int:tenant_id>/status")
def tenant_status(tenant_id: int):
    record = get_or_404(Tenant, tenant_id)
    form = FlaskForm()
    status = request.form.get("status", "")
    if form.validate_on_submit() and status in ("active", "suspended"):
        tenants.set_status(db.session, record, status, actor=current_user)
        flash(f"{record.name} is now {status}.", "success")
        return see_other(url_for("backoffice.tenant", tenant_id=record.id))
    return render("backoffice/tenants/tenant.html", tenant=record, users=[], form=form, status=422)
