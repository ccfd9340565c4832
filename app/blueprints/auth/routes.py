"""Signing in and out, on the tenant hosts and the backoffice host alike."""
from urllib.parse import urlsplit

from flask import current_app, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.blueprints.auth import bp
from app.blueprints.auth.forms import SignInForm
from app.core import clock
from app.core.database import db
from app.extensions import limiter
from app.modules import accounts, audit
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
