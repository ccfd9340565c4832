"""Accounts across every practice: finding them by email or name, and deactivating, reactivating or
sending one a password reset link. Every action is audited with the superadmin as its actor."""
from flask import flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SearchField

from app.blueprints.backoffice import bp
from app.core import clock
from app.core.database import db
from app.core.errors import DomainError
from app.modules import tenants
from app.modules.accounts import directory, password_reset, team
from app.modules.accounts.models import User
from app.modules.audit.models import AuditEvent
from app.modules.tenants.models import Tenant
from app.web.loading import get_or_404
from app.web.rendering import render, see_other

MAX_PAGE = 10_000  # far beyond any real list; keeps the OFFSET a number every database accepts
HISTORY = 20


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    # No length check to fail: the search itself reads only its first MAX_QUERY characters.
    q = SearchField("Email or name")


@bp.get("/users")
def users():
    form = UserSearchForm(request.args)
    query = (form.q.data or "").strip()[:directory.MAX_QUERY]
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    found = directory.search(db.session, query, page=page)
    return render("backoffice/users/index.html", "results", form=form, query=query, found=found)


def _user_page(account: User, *, problem: str | None = None, status: int = 200):
    tenant = db.session.get(Tenant, account.tenant_id) if account.tenant_id else None
    history = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "User", AuditEvent.entity_id == account.id)
        .order_by(AuditEvent.id.desc()).limit(HISTORY)
    ).all()
    return render("backoffice/users/user.html", status=status, account=account, tenant=tenant, history=history,
                  form=FlaskForm(), problem=problem)


@bp.get("/users/<int:user_id>")
def user(user_id: int):
    return _user_page(get_or_404(User, user_id))


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int):
    return _set_active(user_id, False, "{} is deactivated and signed out everywhere.")


@bp.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id: int):
    return _set_active(user_id, True, "{} can sign in again.")


def _set_active(user_id: int, active: bool, message: str):
    account = get_or_404(User, user_id)
    if not FlaskForm().validate_on_submit():
        return _user_page(account, problem="The form had expired: try again.", status=422)
    try:
        team.set_active(db.session, account, active, actor=current_user)
    except DomainError as error:
        return _user_page(account, problem=str(error), status=422)
    flash(message.format(account.email), "success")
    return see_other(url_for("backoffice.user", user_id=account.id))


@bp.post("/users/<int:user_id>/password-reset")
def send_password_reset(user_id: int):
    account = get_or_404(User, user_id)
    if not FlaskForm().validate_on_submit():
        return _user_page(account, problem="The form had expired: try again.", status=422)
    tenant = db.session.get(Tenant, account.tenant_id) if account.tenant_id else None
    try:
        password_reset.send_reset(
            db.session, account, now=clock.now(), actor=current_user,
            link_for=lambda token: tenants.site_url(tenant, url_for("auth.reset_password", token=token)),
        )
    except DomainError as error:
        return _user_page(account, problem=str(error), status=422)
    flash(f"A link to choose a new password is on its way to {account.email}; it works for an hour.", "success")
    return see_other(url_for("backoffice.user", user_id=account.id))
