"""The practice's people: its providers, its staff accounts and their roles, and invitations to join."""
from flask import flash, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.blueprints.auth.guards import roles_required
from app.blueprints.dashboard import bp
from app.blueprints.dashboard.calendar_feeds import provider_page
from app.core import clock
from app.core.database import db
from app.core.errors import DomainError
from app.modules import tenants
from app.modules.accounts import team as accounts_team
from app.modules.accounts.models import INVITATION_ROLES, Invitation, User
from app.modules.catalogue.models import Provider
from app.modules.customers.contacts import ContactError, normalise_email
from app.web.forms import show_error
from app.web.loading import get_or_404
from app.web.rendering import render, see_other
from app.web.sites import current_tenant

ROLE_LABELS = {"owner": "Owner", "admin": "Admin", "staff": "Front desk (staff)", "provider": "Provider"}


def _role_choices() -> list[tuple[str, str]]:
    # Only an owner may make an owner (the domain refuses it too).
    return [(role, ROLE_LABELS[role]) for role in INVITATION_ROLES if role != "owner" or current_user.has_role("owner")]


class InviteForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Give their email address."), Length(max=254)])
    name = StringField("Name", validators=[Length(max=200)], description="They can change it when they accept.")
    role = SelectField("Role", default="staff")  # the least power unless chosen otherwise
    provider = SelectField("Their calendar", description="Link the account to a provider, so they can see their own calendar.")

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()
        self.provider.choices = [("", "None")] + [(str(p.id), p.name) for p in providers]

    def validate_email(self, field):
        try:
            field.data = normalise_email(field.data or "")
        except ContactError as error:
            raise ValidationError(str(error)) from None


class RoleForm(FlaskForm):
    role = SelectField("Role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()


class InvitationForm(FlaskForm):
    invitation_id = IntegerField(validators=[InputRequired()])


def _linkable_providers() -> list[Provider]:
    return db.session.scalars(
        select(Provider).where(Provider.active, Provider.user_id.is_(None)).order_by(Provider.name)
    ).all()


def _team_page(*, invite_form=None, problem=None, problem_for=None, status=200, block=None):
    users = db.session.scalars(select(User).order_by(User.active.desc(), User.role, User.name)).all()
    providers = _linkable_providers()
    return render("dashboard/team/members.html", block, status=status, users=users,
                  invitations=accounts_team.pending_invitations(db.session, now=clock.now()),
                  invite_form=invite_form or InviteForm(providers=providers, formdata=None),
                  role_form=RoleForm(formdata=None), action_form=FlaskForm(), roles=_role_choices(),
                  role_labels=ROLE_LABELS, problem=problem, problem_for=problem_for)


def _link(token: str) -> str:
    return tenants.site_url(current_tenant, url_for("auth.invitation", token=token))


@bp.get("/providers/<int:provider_id>")
def provider(provider_id: int):
    return provider_page(get_or_404(Provider, provider_id))


@bp.get("/team")
@roles_required("owner", "admin")
def team():
    return _team_page()


@bp.post("/team/invitations")
@roles_required("owner", "admin")
def invite():
    form = InviteForm(providers=_linkable_providers())
    if form.validate_on_submit():
        provider = get_or_404(Provider, int(form.provider.data)) if form.provider.data else None
        try:
            invitation = accounts_team.invite(
                db.session, current_tenant, email=form.email.data, name=form.name.data, role=form.role.data,
                provider=provider, actor=current_user, now=clock.now(), link_for=_link,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Invitation emailed to {invitation.email}.", "success")
            return see_other(url_for("dashboard.team"))
    return _team_page(invite_form=form, status=422, block="invite_form")


def _invitation_action(act, message: str):
    form = InvitationForm()
    if not form.validate_on_submit():
        return see_other(url_for("dashboard.team"))
    invitation = get_or_404(Invitation, form.invitation_id.data)
    try:
        act(invitation)
    except DomainError as error:
        return _team_page(problem=str(error), status=422)
    flash(message.format(invitation.email), "success")
    return see_other(url_for("dashboard.team"))


@bp.post("/team/invitations/resend")
@roles_required("owner", "admin")
def resend_invitation():
    return _invitation_action(
        lambda invitation: accounts_team.resend(db.session, invitation, actor=current_user, now=clock.now(), link_for=_link),
        "A new invitation is on its way to {}; the earlier link no longer works.",
    )


@bp.post("/team/invitations/revoke")
@roles_required("owner", "admin")
def revoke_invitation():
    return _invitation_action(
        lambda invitation: accounts_team.revoke(db.session, invitation, actor=current_user, now=clock.now()),
        "The invitation of {} is withdrawn: its link no longer works.",
    )


@bp.post("/team/<int:user_id>/role")
@roles_required("owner", "admin")
def change_role(user_id: int):
    member = get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            accounts_team.change_role(db.session, member, form.role.data, actor=current_user)
        except DomainError as error:
            return _team_page(problem=str(error), problem_for=member.id, status=422)
        flash(f"{member.name} is now {ROLE_LABELS[member.role].lower()}.", "success")
        return see_other(url_for("dashboard.team"))
    return _team_page(problem="Choose one of the roles offered.", problem_for=member.id, status=422)


@bp.post("/team/<int:user_id>/deactivate")
@roles_required("owner", "admin")
def deactivate_member(user_id: int):
    return _set_active(user_id, False, "{} is deactivated and signed out everywhere.")


@bp.post("/team/<int:user_id>/reactivate")
@roles_required("owner", "admin")
def reactivate_member(user_id: int):
    return _set_active(user_id, True, "{} can sign in again.")


def _set_active(user_id: int, active: bool, message: str):
    member = get_or_404(User, user_id)
    if FlaskForm().validate_on_submit():
        try:
            accounts_team.set_active(db.session, member, active, actor=current_user)
        except DomainError as error:
            return _team_page(problem=str(error), problem_for=member.id, status=422)
        flash(message.format(member.name), "success")
    return see_other(url_for("dashboard.team"))
