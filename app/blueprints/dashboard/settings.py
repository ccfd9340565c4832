"""The practice's settings: when reminders go out."""
from flask import flash, request, url_for
from flask_login import current_user

from app.blueprints.auth.guards import roles_required
from app.blueprints.dashboard import bp
from app.blueprints.dashboard.forms import ReminderSettingsForm
from app.core.database import db
from app.modules import tenants
from app.web.rendering import render, see_other
from app.web.sites import current_tenant


@bp.route("/settings/reminders", methods=["GET", "POST"])
@roles_required("owner", "admin")
def reminder_settings():
    form = ReminderSettingsForm(hours=", ".join(f"{m / 60:g}" for m in current_tenant.reminder_offsets))
    if form.validate_on_submit():
        tenants.set_reminder_offsets(db.session, current_tenant, form.offsets, actor=current_user)
        flash("Reminder times saved.", "success")
        return see_other(url_for("dashboard.reminder_settings"))
    status = 422 if request.method == "POST" else 200
    return render("dashboard/settings/reminders.html", "reminders_form", status=status, form=form)
