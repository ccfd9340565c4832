"""Forms of the dashboard."""
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length


class CancelAppointmentForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[Length(max=500)])
