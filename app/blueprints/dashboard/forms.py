"""Forms of the dashboard."""
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, ValidationError


class CancelAppointmentForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[Length(max=500)])


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
