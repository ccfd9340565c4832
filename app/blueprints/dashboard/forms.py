"""Forms of the dashboard."""
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError


class CancelAppointmentForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[InputRequired("Give the reason for cancelling."), Length(max=500)],
                           description="Told to the customer.")
    version = HiddenField()


class AppointmentActionForm(FlaskForm):
    """One of the appointment's buttons: approve, decline, check in, complete, no-show."""

    version = HiddenField()


class MoveAppointmentForm(FlaskForm):
    """The "change time" form: the keyboard and no-JavaScript way to move an appointment."""

    starts_on = DateField("Date", validators=[InputRequired("Give the date.")])
    starts_at = TimeField("Time", validators=[InputRequired("Give the time.")],
                          description="Local time at the appointment's location.")
    provider_id = SelectField("With", coerce=int, validate_choice=False,
                              validators=[InputRequired("Choose who the appointment is with.")])
    duration_minutes = IntegerField("Duration (minutes)", validators=[
        InputRequired("Give the duration."), NumberRange(5, 12 * 60, "Between 5 minutes and 12 hours.")])
    notify = BooleanField("Tell the customer (email with the new time)", default=True)
    version = IntegerField(validators=[Optional()])


def version_of(form) -> int | None:
    """The version a form was opened at, when it says (an old page's form may not)."""
    value = form.version.data
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


class ReminderSettingsForm(FlaskForm):
    hours = StringField(
        "Send reminders this many hours before an appointment",
        validators=[Length(max=100)],
        description="Separate several with commas, e.g. “24, 2”. Leave empty for no reminders.",
    )

    def validate_hours(self, field):
        try:
            self.offsets = reminder_offsets(field.data or "")
        except ValueError as error:
            raise ValidationError(str(error)) from None


MAX_REMINDERS = 5


def reminder_offsets(text: str) -> list[int]:
    """ "24, 2" → [1440, 120]: distinct offsets in minutes, largest first."""
    minutes = set()
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        try:
            hours = float(part)
        except ValueError:
            raise ValueError(f"“{part}” is not a number of hours.") from None
        if not 0.25 <= hours <= 24 * 30:
            raise ValueError("Each reminder must be between a quarter of an hour and 30 days before.")
        minutes.add(round(hours * 60))
    if len(minutes) > MAX_REMINDERS:
        raise ValueError(f"At most {MAX_REMINDERS} reminders.")
    return sorted(minutes, reverse=True)


class SubscribeForm(FlaskForm):
    """The plan to pay for; its choices are the plans on offer (set by the view)."""

    plan_id = SelectField("Plan", coerce=int, validators=[InputRequired(message="Choose a plan.")])
