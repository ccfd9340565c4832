"""The sign-in form, the password reset forms and the invitation's."""
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.modules.accounts.users import MIN_PASSWORD_LENGTH


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class PasswordResetRequestForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=200)],
                             description=f"At least {MIN_PASSWORD_LENGTH} characters.")


class AcceptInvitationForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired("Give your name."), Length(max=200)])
    password = PasswordField("Choose a password", validators=[DataRequired(), Length(max=200)],
                             description=f"At least {MIN_PASSWORD_LENGTH} characters.")
