"""Forms of the booking site: contact details, cancel, reschedule, sign-in link and profile."""
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app.modules.customers.contacts import ContactError, normalise_email, normalise_phone
from app.web.fields import WholeNumberField


class ContactFields:
    """Name, email and phone, validated with email-validator and phonenumbers."""

    phone_region: str | None = None

    name = StringField("Your name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    phone = TelField("Mobile phone (optional)", validators=[Optional(), Length(max=32)])

    def validate_email(self, field):
        try:
            field.data = normalise_email(field.data)
        except ContactError as error:
            raise ValidationError(str(error)) from None

    def validate_phone(self, field):
        if field.data:
            try:
                field.data = normalise_phone(field.data, self.phone_region)
            except ContactError as error:
                raise ValidationError(str(error)) from None


class BookingForm(ContactFields, FlaskForm):
    location = HiddenField(validators=[DataRequired()])
    provider = HiddenField(validators=[DataRequired()])
    start = HiddenField(validators=[DataRequired(), Length(max=32)])
    end = HiddenField(validators=[DataRequired(), Length(max=32)])
    price = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,9}$")])  # in minor units, as shown
    idempotency_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])
    attendees = WholeNumberField("Number of places", default=1, validators=[Optional(), NumberRange(min=1, max=50)])


class CancelForm(FlaskForm):
    reason = TextAreaField("Reason (optional)", validators=[Optional(), Length(max=500)])


class RescheduleForm(FlaskForm):
    start = HiddenField(validators=[DataRequired(), Length(max=32)])


class SignInLinkForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])

    validate_email = ContactFields.validate_email


class ProfileForm(FlaskForm):
    phone_region: str | None = None

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    phone = TelField("Mobile phone", validators=[Optional(), Length(max=32)])
    email_consent = BooleanField("Email me about my appointments")
    sms_consent = BooleanField("Text me reminders")

    validate_phone = ContactFields.validate_phone


class WaitlistForm(ContactFields, FlaskForm):
    """Joining a service's waitlist: who, where, with whom, which days and which times of day."""

    location = HiddenField(validators=[DataRequired()])
    provider = HiddenField(validators=[DataRequired()])
    first_day = DateField("From", validators=[DataRequired(message="Choose the first day.")])
    last_day = DateField("Until", validators=[DataRequired(message="Choose the last day.")])
    parts = SelectMultipleField("Times of day", choices=[("morning", "Morning"), ("afternoon", "Afternoon"),
                                                         ("evening", "Evening")], validate_choice=True)
    from_time = TimeField("Or from", validators=[Optional()])
    until_time = TimeField("until", validators=[Optional()])
    text_me = BooleanField("Also text me when a time frees up (to the mobile number above)")


class ClaimForm(FlaskForm):
    """Claiming a waitlist offer: the CSRF token, and the intake answers the template adds."""
