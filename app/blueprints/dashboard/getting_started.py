"""Getting started: until the practice can take a booking online, the steps it still lacks."""
from flask import flash, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from app.blueprints.auth.guards import roles_required
from app.blueprints.dashboard import bp
from app.core import clock
from app.core.database import db
from app.modules.availability.readiness import readiness
from app.modules.tenants import signup
from app.web.rendering import render, see_other
from app.web.sites import current_tenant


@bp.get("/getting-started")
@roles_required("owner", "admin")
def getting_started():
    return render("dashboard/getting_started/checklist.html", steps=readiness(db.session, current_tenant),
                  awaiting_confirmation=signup.awaits_confirmation(db.session, current_user), resend_form=FlaskForm())


@bp.post("/getting-started/confirmation")
@roles_required("owner", "admin")
def resend_confirmation():
    user = current_user._get_current_object()
    if FlaskForm().validate_on_submit() and signup.awaits_confirmation(db.session, user):
        signup.send_confirmation(db.session, current_tenant, user, now=clock.now())
        flash(f"We have sent a new link to {user.email}.", "success")
    return see_other(url_for("dashboard.getting_started"))
