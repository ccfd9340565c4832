"""Signing in and out, on the tenant hosts and the backoffice host alike."""
from urllib.parse import urlsplit

from flask import abort, current_app, flash, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.blueprints.auth import bp
from app.blueprints.auth.forms import SignInForm
from app.core import clock
from app.core.database import db
from app.extensions import limiter
from app.modules import accounts, audit
from app.modules.accounts.models import User
from app.modules.tenants import signup
from app.web import handoff
from app.web.rendering import render, see_other
from app.web.sites import current_site
from app.web.transaction import keep_writes_despite_refusal

SIGN_IN_FAILED = "That email and password do not match an account here."


def _home() -> str:
    return url_for("backoffice.index" if current_site.is_backoffice else "dashboard.agenda")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect, however the target is disguised."""
    if not target or any(ch.isspace() or not ch.isprintable() or ch == "\\" for ch in target):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:  # such as an unclosed "[" of an IPv6 address: not a path of ours either
        return None
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _failed_sign_in(response) -> bool:
    return response.status_code == 422


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], deduct_when=_failed_sign_in)
def login():
    form = SignInForm(next=request.args.get("next"))
    if form.validate_on_submit():
        user = accounts.authenticate(
            db.session, form.email.data, form.password.data, superadmin=current_site.is_backoffice, now=clock.now()
        )
        if user is not None:
            session.clear()  # a fresh session: nothing from before sign-in carries over
            login_user(user)
            audit.record(db.session, "user.signed_in", user, actor=user, ip=request.remote_addr)
            return see_other(_safe_next(form.next.data) or _home())
        keep_writes_despite_refusal()  # the failure counts towards the account's lockout
        form.form_errors.append(SIGN_IN_FAILED)
    status = 422 if request.method == "POST" else 200
    return render("auth/login.html", "sign_in_form", form=form, status=status)


@bp.post("/logout")
@login_required
def logout():
    accounts.end_all_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    return see_other(url_for("auth.login"))


def _tenant_site_only() -> None:
    if current_site.tenant is None:
        abort(404)


@bp.get("/welcome/<token>")
def welcome(token: str):
    """Where sign-up hands a new owner over from the platform's host, signed in, to their dashboard."""
    _tenant_site_only()
    user_id = handoff.user_id_of(token)
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.active or not handoff.is_unspent(token, user):
        return render("auth/link_spent.html", status=410, what="This welcome link")
    _sign_in(user, via="sign_up")
    return see_other(url_for("dashboard.getting_started"))


@bp.get("/confirm-email/<token>")
def confirm_email(token: str):
    """The link emailed at sign-up: it confirms the address and opens the dashboard."""
    _tenant_site_only()
    user = signup.confirm_email(db.session, token, now=clock.now())
    if user is None or not user.active:
        return render("auth/link_spent.html", status=410, what="This confirmation link")
    if not (current_user.is_authenticated and current_user.id == user.id):
        _sign_in(user, via="email_confirmation")
    flash("Thank you: your email is confirmed.", "success")
    return see_other(url_for("dashboard.getting_started"))


def _sign_in(user: User, *, via: str) -> None:
    session.clear()
    login_user(user)
    user.last_login_at = clock.now()  # also spends a welcome pass
    audit.record(db.session, "user.signed_in", user, actor=user, ip=request.remote_addr, via=via)
