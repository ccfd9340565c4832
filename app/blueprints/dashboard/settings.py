"""The practice's settings: who it is (name, colour, logo, zone, currency, domain), its default
booking policy, and when reminders go out."""
from flask import current_app, flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, ColorField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from app.blueprints.auth.guards import roles_required
from app.blueprints.dashboard import bp
from app.blueprints.dashboard.forms import ReminderSettingsForm
from app.core.database import db
from app.core.errors import DomainError
from app.modules import tenants
from app.modules.tenants import settings
from app.modules.waitlist import desk
from app.web.fields import TimeZoneField
from app.web.forms import show_error
from app.web.rendering import render, see_other
from app.web.sites import current_tenant


class PracticeForm(FlaskForm):
    name = StringField("Practice name", validators=[InputRequired("Enter the practice's name."), Length(max=200)])
    colour = ColorField("Brand colour", validators=[Optional()], description="Links and buttons on your booking site.")
    timezone = TimeZoneField("Time zone")
    currency = SelectField("Currency", choices=settings.CURRENCIES)
    custom_domain = StringField("Custom domain", validators=[Optional(), Length(max=253)],
                                description="Optional, e.g. booking.example.com.")
    providers_manage_own_hours = BooleanField("Providers may set their own working hours and time off")


class LogoForm(FlaskForm):
    logo = FileField("Logo", description="PNG, JPEG or WebP, at most 512 KB.")


def _minutes(label, **kwargs):
    return IntegerField(label, validators=[InputRequired("Enter a whole number.")], **kwargs)


class PolicyForm(FlaskForm):
    min_notice_minutes = _minutes("Minimum notice (minutes)", description="How soon before it starts a time can be booked.")
    max_horizon_days = _minutes("Horizon (days)", description="How far ahead customers can book.")
    slot_interval_minutes = _minutes("Slot interval (minutes)", description="Times are offered every this many minutes.")
    cancel_cutoff_minutes = _minutes("Cancellation cutoff (minutes)", description="Customers cannot cancel online later than this before.")
    reschedule_cutoff_minutes = _minutes("Rescheduling cutoff (minutes)", description="Nor move an appointment later than this before.")


class WaitlistSettingsForm(FlaskForm):
    hold_minutes = _minutes("Hold an offered time for (minutes)",
                            description="How long a waitlist offer's link keeps the time for the customers offered it.")


def _page(*, practice_form=None, logo_form=None, policy_form=None, waitlist_form=None, status=200, block=None):
    tenant = current_tenant
    return render(
        "dashboard/settings/practice.html", block, status=status,
        # The forms not posted show what is saved (formdata=None: not the other form's fields).
        practice_form=practice_form or PracticeForm(formdata=None, name=tenant.name,
                                                     colour=(tenant.branding or {}).get("color") or settings.DEFAULT_COLOUR,
                                                     timezone=tenant.timezone, currency=tenant.currency,
                                                     custom_domain=tenant.custom_domain,
                                                     providers_manage_own_hours=tenant.providers_manage_own_hours),
        logo_form=logo_form or LogoForm(formdata=None),
        policy_form=policy_form or PolicyForm(formdata=None, obj=settings.default_policy(db.session, tenant)),
        waitlist_form=waitlist_form or WaitlistSettingsForm(formdata=None, hold_minutes=tenant.waitlist_hold_minutes),
        site_host=f"{tenant.slug}.{current_app.config['BASE_DOMAIN'].split(':', 1)[0]}",
    )


@bp.get("/settings")
@roles_required("owner", "admin")
def practice_settings():
    return _page()


@bp.post("/settings")
@roles_required("owner", "admin")
def save_practice_settings():
    form = PracticeForm()
    if form.validate_on_submit():
        try:
            settings.update_identity(
                db.session, current_tenant, name=form.name.data, colour=form.colour.data or "",
                timezone=form.timezone.data, currency=form.currency.data, custom_domain=form.custom_domain.data,
                base_domain=current_app.config["BASE_DOMAIN"],
                providers_manage_own_hours=form.providers_manage_own_hours.data, actor=current_user,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Practice settings saved.", "success")
            return see_other(url_for("dashboard.practice_settings"))
    return _page(practice_form=form, status=422, block="practice_form")


@bp.post("/settings/logo")
@roles_required("owner", "admin")
def upload_logo():
    form = LogoForm()
    if form.validate_on_submit():
        upload = form.logo.data
        try:
            # Read one byte past the limit: enough to know a file is too big without holding it all.
            data = upload.read(settings.LOGO_MAX_BYTES + 1) if upload else b""
            settings.set_logo(db.session, current_tenant, data, actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Logo saved.", "success")
            return see_other(url_for("dashboard.practice_settings"))
    return _page(logo_form=form, status=422)


@bp.post("/settings/logo/remove")
@roles_required("owner", "admin")
def remove_logo():
    if FlaskForm().validate_on_submit():
        settings.remove_logo(db.session, current_tenant, actor=current_user)
        flash("Logo removed.", "success")
    return see_other(url_for("dashboard.practice_settings"))


@bp.post("/settings/booking-policy")
@roles_required("owner", "admin")
def save_booking_policy():
    form = PolicyForm()
    if form.validate_on_submit():
        try:
            settings.update_default_policy(db.session, current_tenant, actor=current_user,
                                           **{name: form[name].data for name in settings.POLICY_FIELDS})
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Booking policy saved.", "success")
            return see_other(url_for("dashboard.practice_settings"))
    return _page(policy_form=form, status=422, block="policy_form")


@bp.post("/settings/waitlist")
@roles_required("owner", "admin")
def save_waitlist_settings():
    form = WaitlistSettingsForm()
    if form.validate_on_submit():
        try:
            desk.set_hold_minutes(db.session, current_tenant, form.hold_minutes.data, actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Waitlist setting saved.", "success")
            return see_other(url_for("dashboard.practice_settings"))
    return _page(waitlist_form=form, status=422, block="waitlist_form")


@bp.route("/settings/reminders", methods=["GET", "POST"])
@roles_required("owner", "admin")
def reminder_settings():
    form = ReminderSettingsForm(hours=", ".join(f"{m / 60:g}" for m in current_tenant.reminder_offsets))
    if form.validate_on_submit():
        tenants.set_reminder_offsets(db.session, current_tenant, form.offsets, actor=current_user)
        flash("Reminder times saved.", "success")
        return see_other(url_for("dashboard.reminder_settings"))
    status = 422 if request.method == "POST" else 200
    return render("dashboard/settings/reminders.html", "reminders_form", status=status, form=form)
