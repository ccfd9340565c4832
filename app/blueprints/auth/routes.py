"""Signing in and out, on the tenant hosts and the backoffice host alike; on tenant hosts also choosing
a new password by emailed link, and accepting an invitation to the team."""
from urllib.parse import urlsplit

from flask import abort, current_app, flash, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm

from app.blueprints.auth import bp
from app.blueprints.auth.forms import AcceptInvitationForm, NewPasswordForm, PasswordResetRequestForm, SignInForm
from app.core import clock
from app.core.database import db
from app.core.errors import DomainError
from app.extensions import limiter
from app.modules import accounts, audit, tenants
from app.modules.accounts import password_reset, team
from app.modules.accounts.models import User
from app.modules.tenants import signup
from app.web import handoff
from app.web.forms import show_error
from app.web.rendering import render, see_other
from app.web.sites import current_site, current_tenant
from app.web.transaction import keep_writes_despite_refusal

SIGN_IN_FAILED = "That email and password do not match an account here."
RESET_LINK_SENT = "If an account exists for {}, we've emailed a link to choose a new password. It works once, within an hour."
RESET_LINK_DEAD = "That link to choose a new password has expired or was already used. Ask for a new one below."
INVITATION_DEAD = ("This invitation link is no longer valid: it was already used, has expired (links last 7 days) "
                   "or was withdrawn. Ask the practice to send you a new one.")


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
            _sign_in(user, via="password")
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


def _sign_in(user: User, *, via: str) -> None:
    """A fresh session for ``user``, who proved who they are ``via`` a password or a link."""
    session.clear()  # a fresh session: nothing from before sign-in carries over
    login_user(user)
    user.last_login_at = clock.now()  # also spends a welcome pass
    audit.record(db.session, "user.signed_in", user, actor=user, ip=request.remote_addr, via=via)


def _tenant_only() -> None:
    """Welcome passes, email confirmations, password resets and invitations are a practice's."""
    if current_site.tenant is None:
        abort(404)


def _reset_address() -> str:
    # Per address asked about (and per site): a flood of resets for one colleague is stopped
    # whichever clients it comes from.
    return f"{accounts.normalise_email(request.form.get('email', ''))[:254]}|{current_site.tenant.id}"


@bp.route("/password-reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"], key_func=_reset_address)
def request_password_reset():
    _tenant_only()
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        password_reset.request_reset(
            db.session, form.email.data, now=clock.now(),
            link_for=lambda token: tenants.site_url(current_tenant, url_for("auth.reset_password", token=token)),
        )
        # The same answer whether or not the address has an account: no one learns who works here.
        return render("auth/password_reset.html", "reset_request", sent=RESET_LINK_SENT.format(form.email.data.strip()),
                      form=form)
    status = 422 if request.method == "POST" else 200
    return render("auth/password_reset.html", "reset_request", status=status, form=form, sent=None)


def _reset_link_dead():
    return render("auth/password_reset.html", status=404, form=PasswordResetRequestForm(), sent=None,
                  problem=RESET_LINK_DEAD)


def _invitation_dead():
    return render("auth/invitation.html", status=410, invitation=None, problem=INVITATION_DEAD)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Opening the link only shows the form: mail scanners that fetch links must not spend it."""
    _tenant_only()
    now = clock.now()
    if password_reset.account_for(db.session, token, now=now) is None:
        return _reset_link_dead()
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = password_reset.reset(db.session, token, form.password.data, now=now)
        except DomainError as error:
            show_error(form, error)
        else:
            if user is None:  # spent by another request a moment ago
                return _reset_link_dead()
            _sign_in(user, via="password_reset")
            return see_other(_home())
    status = 422 if request.method == "POST" else 200
    return render("auth/new_password.html", "new_password_form", status=status, form=form, token=token)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """Opening the link only shows the form: mail scanners that fetch links must not spend it."""
    _tenant_only()
    now = clock.now()
    invited = team.invitation_for(db.session, token, now=now)
    if invited is None:
        return _invitation_dead()
    form = AcceptInvitationForm(data={"name": invited.name} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            user = team.accept(db.session, current_tenant, token, name=form.name.data, password=form.password.data,
                               now=now)
        except DomainError as error:
            show_error(form, error)
        else:
            if user is None:  # accepted by another request a moment ago
                return _invitation_dead()
            _sign_in(user, via="invitation")
            return see_other(url_for("dashboard.agenda"))
    status = 422 if request.method == "POST" else 200
    inviter = db.session.get(User, invited.invited_by_id) if invited.invited_by_id else None
    return render("auth/invitation.html", "invitation_form", status=status, form=form, invitation=invited,
                  inviter=inviter, tenant=current_tenant, token=token)


@bp.get("/welcome/<token>")
def welcome(token: str):
    """Where sign-up hands a new owner over from the platform's host, signed in, to their dashboard."""
    _tenant_only()
    user_id = handoff.user_id_of(token)
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.active or not handoff.is_unspent(token, user):
        return render("auth/link_spent.html", status=410, what="This welcome link")
    _sign_in(user, via="sign_up")
    return see_other(url_for("dashboard.getting_started"))


@bp.route("/confirm-email/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """The link emailed at sign-up. Opening it only asks to confirm (mail scanners fetch links and
    must not spend them); the button confirms the address and opens the dashboard."""
    _tenant_only()
    if request.method == "GET":
        if signup.confirmation_for(db.session, token, now=clock.now()) is None:
            return render("auth/link_spent.html", status=410, what="This confirmation link")
        return render("auth/confirm_email.html", form=FlaskForm(), token=token)
    user = signup.confirm_email(db.session, token, now=clock.now()) if FlaskForm().validate_on_submit() else None
    if user is None or not user.active:
        return render("auth/link_spent.html", status=410, what="This confirmation link")
    if not (current_user.is_authenticated and current_user.id == user.id):
        _sign_in(user, via="email_confirmation")
    flash("Thank you: your email is confirmed.", "success")
    return see_other(url_for("dashboard.getting_started"))
