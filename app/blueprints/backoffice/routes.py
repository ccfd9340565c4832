"""The superadmins' pages: tenants, their status, the audit log and system health."""
from flask import current_app, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select, text

from app import accounts, tenants
from app.blueprints.backoffice import bp
from app.blueprints.backoffice.forms import TenantForm
from app.blueprints.loading import get_or_404
from app.extensions import db
from app.models import AuditEvent, Tenant, User
from app.rendering import render, see_other


@bp.get("/")
def index():
    rows = db.session.execute(
        select(Tenant, func.count(User.id))
        .outerjoin(User, User.tenant_id == Tenant.id)
        .group_by(Tenant.id)
        .order_by(Tenant.name)
    ).all()
    return render("backoffice/index.html", rows=rows)


@bp.route("/tenants/new", methods=["GET", "POST"])
def new_tenant():
    form = TenantForm()
    if form.validate_on_submit():
        try:
            tenant = tenants.create_tenant(
                slug=form.slug.data, name=form.name.data, timezone=form.timezone.data,
                currency=form.currency.data, owner_email=form.owner_email.data or None,
                owner_name=form.owner_name.data, owner_password=form.owner_password.data, actor=current_user,
            )
        except tenants.TenantError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(str(error))
        except accounts.AccountError as error:
            db.session.rollback()
            form.owner_password.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{tenant.name} is live at {tenant.slug}.{current_app.config['BASE_DOMAIN']}.", "success")
            return see_other(url_for("backoffice.tenant", tenant_id=tenant.id))
    status = 422 if request.method == "POST" else 200
    return render("backoffice/new_tenant.html", "tenant_form", form=form, status=status)


@bp.get("/tenants/<int:tenant_id>")
def tenant(tenant_id: int):
    record = get_or_404(Tenant, tenant_id)
    users = db.session.scalars(select(User).where(User.tenant_id == record.id).order_by(User.role)).all()
    return render("backoffice/tenant.html", tenant=record, users=users, form=FlaskForm())


@bp.post("/tenants/<int:tenant_id>/status")
def tenant_status(tenant_id: int):
    record = get_or_404(Tenant, tenant_id)
    form = FlaskForm()
    status = request.form.get("status", "")
    if form.validate_on_submit() and status in ("active", "suspended"):
        tenants.set_status(record, status, actor=current_user)
        db.session.commit()
        flash(f"{record.name} is now {status}.", "success")
        return see_other(url_for("backoffice.tenant", tenant_id=record.id))
    return render("backoffice/tenant.html", tenant=record, users=[], form=form, status=422)


@bp.get("/audit")
def audit_log():
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(200)).all()
    return render("backoffice/audit.html", events=events)


@bp.get("/health")
def health():
    checks = {"database": _check(lambda: db.session.execute(text("SELECT 1")))}
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis

        checks["redis"] = _check(lambda: Redis.from_url(redis_url, socket_timeout=1).ping())
    else:
        checks["redis"] = "not configured (jobs run in-process)"
    return render("backoffice/health.html", checks=checks)


def _check(probe) -> str:
    try:
        probe()
    except Exception as error:  # noqa: BLE001 - a health page reports any failure as text
        return f"down: {type(error).__name__}"
    return "ok"
