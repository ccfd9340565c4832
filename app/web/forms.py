"""Showing a domain refusal on the form that asked for the change: at its field, or above the form."""
from flask_wtf import FlaskForm

from app.core.errors import DomainError


def show_error(form: FlaskForm, error: DomainError) -> None:
    field = form._fields.get(error.field) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))
    if getattr(error, "upgrade", False):  # a plan's limit: the form offers the way to a bigger plan
        form.upgrade_needed = True
