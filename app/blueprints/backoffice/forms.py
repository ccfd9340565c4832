"""Forms of the backoffice."""
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional


class TenantForm(FlaskForm):
    name = StringField("Practice name", validators=[DataRequired(), Length(max=200)])
    slug = StringField("Subdomain", validators=[DataRequired(), Length(max=63)])
    timezone = SelectField("Time zone", default="Europe/London", validate_choice=True)
    currency = SelectField("Currency", choices=["EUR", "GBP", "USD", "AUD", "CAD"], default="EUR")
    owner_name = StringField("Owner's name", validators=[Optional(), Length(max=200)])
    owner_email = EmailField("Owner's email", validators=[Optional(), Email(), Length(max=254)])
    owner_password = PasswordField("Owner's password", validators=[Optional(), Length(min=10, max=200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = sorted(available_timezones())
