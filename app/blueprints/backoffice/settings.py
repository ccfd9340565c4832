"""The platform's settings: its name, support email, default plan, trial length and dunning grace."""
from flask import flash, request, url_for
from flask_login import current_user

from app.blueprints.backoffice import bp
from app.blueprints.backoffice.forms import PlatformSettingsForm
from app.core.database import db
from app.core.errors import DomainError
from app.modules.platform import settings
from app.web.forms import show_error
from app.web.rendering import render, see_other


@bp.context_processor
def _platform():
    """Every backoffice page names the platform as its settings do."""
    return {"platform": settings.current(db.session)}


@bp.route("/settings", methods=["GET", "POST"])
def platform_settings():
    saved = settings.current(db.session)
    form = PlatformSettingsForm(data=saved.__dict__) if request.method == "GET" else PlatformSettingsForm()
    form.default_plan_id.choices = [("", "Starter (made by the first sign-up)")] + [
        (plan.id, plan.name) for plan in settings.default_plan_choices(db.session)]
    if form.validate_on_submit():
        try:
            settings.update(db.session, platform_name=form.platform_name.data, support_email=form.support_email.data,
                            default_plan_id=form.default_plan_id.data, trial_days=form.trial_days.data,
                            dunning_grace_days=form.dunning_grace_days.data, actor=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            flash("Platform settings saved.", "success")
            return see_other(url_for("backoffice.platform_settings"))
    status = 422 if request.method == "POST" else 200
    return render("backoffice/settings/settings.html", "settings_form", status=status, form=form)
