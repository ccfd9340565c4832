"""Forms of the backoffice."""
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from app.modules.billing.models import PLAN_INTERVALS
from app.modules.tenants.lifecycle import LABELS, STATUSES

CURRENCIES = ["EUR", "GBP", "USD", "AUD", "CAD"]


class TenantForm(FlaskForm):
    name = StringField("Practice name", validators=[DataRequired(), Length(max=200)])
    slug = StringField("Subdomain", validators=[DataRequired(), Length(max=63)])
    timezone = SelectField("Time zone", default="Europe/London", validate_choice=True)
    currency = SelectField("Currency", choices=CURRENCIES, default="EUR")
    owner_name = StringField("Owner's name", validators=[Optional(), Length(max=200)])
    owner_email = EmailField("Owner's email", validators=[Optional(), Email(), Length(max=254)])
    owner_password = PasswordField("Owner's password", validators=[Optional(), Length(min=10, max=200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = sorted(available_timezones())


def optional_id(value) -> int | None:
    """A select's value: an id, or None for its empty first choice ("any", "the default")."""
    return int(value) if value not in (None, "") else None


class TenantSearchForm(FlaskForm):
    """The list's GET form: a bookmarkable search, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=200)])
    status = SelectField("Status", choices=[("", "Any status")] + [(s, LABELS[s]) for s in STATUSES],
                         validators=[Optional()])
    plan = SelectField("Plan", coerce=optional_id, validators=[Optional()])
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1)])


class StatusForm(FlaskForm):
    status = SelectField("New status", validate_choice=True)
    reason = TextAreaField("Reason", validators=[InputRequired(message="Say why: the practice's staff see the reason."),
                                                 Length(max=500)])


class PlanForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=32)])
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    price = IntegerField("Price (minor units, e.g. cents)", validators=[InputRequired(), NumberRange(min=0)])
    currency = SelectField("Currency", choices=CURRENCIES, default="EUR")
    interval = SelectField("Billed every", choices=[(i, i) for i in PLAN_INTERVALS], default="month")
    max_providers = IntegerField("Most providers (empty: unlimited)", validators=[Optional(), NumberRange(min=0)])
    max_locations = IntegerField("Most locations (empty: unlimited)", validators=[Optional(), NumberRange(min=0)])
    max_sms_per_month = IntegerField("Most SMS a month (empty: unlimited)", validators=[Optional(), NumberRange(min=0)])
    custom_domain_allowed = BooleanField("A custom domain is allowed", default=True)
    active = BooleanField("Active (new subscriptions may choose it)", default=True)
    stripe_price_id = StringField("Stripe price id (empty: not sold through Stripe)",
                                  validators=[Optional(), Length(max=100)])


class PlatformSettingsForm(FlaskForm):
    platform_name = StringField("Platform name", validators=[DataRequired(), Length(max=100)])
    support_email = EmailField("Support email", validators=[DataRequired(), Email(), Length(max=254)])
    default_plan_id = SelectField("Default plan for sign-ups", coerce=optional_id)
    trial_days = IntegerField("Trial length (days)", validators=[InputRequired(), NumberRange(min=0, max=365)])
    dunning_grace_days = IntegerField("Dunning grace period (days)",
                                      validators=[InputRequired(), NumberRange(min=0, max=365)])
