"""The sign-up form."""
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length

from app.modules.accounts.users import MIN_PASSWORD_LENGTH
from app.web.fields import TimeZoneField


class SignUpForm(FlaskForm):
    name = StringField("Practice name", validators=[DataRequired("Enter your practice's name."), Length(max=200)])
    slug = StringField("Your booking address", validators=[Length(max=63)],
                       description="Lowercase letters, digits and dashes. Empty: made from the practice's name.")
    owner_name = StringField("Your name", validators=[DataRequired("Enter your name."), Length(max=200)])
    owner_email = EmailField("Your email", validators=[DataRequired("Enter your email."),
                                                       Email("Enter a valid email address."), Length(max=254)])
    password = PasswordField("Choose a password", validators=[
        DataRequired("Choose a password."),
        Length(min=MIN_PASSWORD_LENGTH, max=200, message=f"At least {MIN_PASSWORD_LENGTH} characters."),
    ])
    timezone = TimeZoneField("Time zone")
    # Hidden from people (see the template); a bot that fills every field fills this one too.
    website = StringField("Leave this empty")

