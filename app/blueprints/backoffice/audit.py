"""The platform's audit log: every change, across every practice, filtered by practice, actor, action
and day, in keyset pages; each event's values before → after."""
from flask import request
from flask_wtf import FlaskForm
from wtforms import DateField, SearchField
from wtforms.validators import Length, Optional, ValidationError

from app.blueprints.backoffice import bp
from app.core.database import db
from app.modules.audit import log
from app.web.rendering import render

MAX_ID = 2**63 - 1  # a keyset beyond this is no id any database holds


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    practice = SearchField("Practice", validators=[Length(max=63)],
                           description=f"Its slug, or “{log.PLATFORM}” for the platform's own events.")
    actor = SearchField("Actor", validators=[Length(max=254)], description="Part of their email address.")
    action = SearchField("Action", validators=[Length(max=64)],
                         description="An action, or its start: “tenant.” finds every change to a practice.")
    since = DateField("From (UTC)", validators=[Optional()])
    until = DateField("To (UTC)", validators=[Optional()])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The last day comes before the first.")


def _keyset(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value is not None and 0 <= value <= MAX_ID else None


@bp.get("/audit")
def audit_log():
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        return render("backoffice/audit/log.html", "events", status=422, form=form, page=None, filters={})
    filters = log.Filters(practice=(form.practice.data or "").strip(), actor=(form.actor.data or "").strip(),
                          action=(form.action.data or "").strip(), since=form.since.data, until=form.until.data)
    page = log.browse(db.session, filters, before=_keyset("before"), after=_keyset("after"))
    shown = {key: value for key, value in request.args.items() if key in form._fields and value}
    return render("backoffice/audit/log.html", "events", form=form, page=page, filters=shown,
                  shown_changes=log.shown_changes, other_details=log.other_details)
