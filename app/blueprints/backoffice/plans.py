"""The platform's plans: the price list, a new plan, and editing (or deactivating) one."""
import sqlalchemy as sa
from flask import flash, request, url_for
from flask_login import current_user

from app.blueprints.backoffice import bp
from app.blueprints.backoffice.forms import PlanForm
from app.core.database import db
from app.core.errors import DomainError
from app.modules.billing import plans as price_list
from app.modules.billing.models import Plan, Subscription
from app.web.forms import show_error
from app.web.loading import get_or_404
from app.web.rendering import render, see_other


@bp.get("/plans")
def plans():
    in_use = dict(db.session.execute(sa.select(Subscription.plan_id, sa.func.count(sa.distinct(Subscription.tenant_id)))
                                     .group_by(Subscription.plan_id)).all())
    rows = db.session.scalars(sa.select(Plan).order_by(Plan.active.desc(), Plan.price, Plan.name)).all()
    return render("backoffice/plans/list.html", plans=rows, in_use=in_use)


@bp.route("/plans/new", methods=["GET", "POST"])
def new_plan():
    return _edit(None)


@bp.route("/plans/<int:plan_id>", methods=["GET", "POST"])
def edit_plan(plan_id: int):
    return _edit(get_or_404(Plan, plan_id))


def _edit(plan: Plan | None):
    form = PlanForm(obj=plan) if request.method == "GET" else PlanForm()
    if form.validate_on_submit():
        values = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        try:
            saved = (price_list.create_plan(db.session, values, actor=current_user) if plan is None
                     else price_list.update_plan(db.session, plan, values, actor=current_user))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(f"Plan {saved.name} saved.", "success")
            return see_other(url_for("backoffice.plans"))
    status = 422 if request.method == "POST" else 200
    return render("backoffice/plans/edit.html", "plan_form", status=status, form=form, plan=plan)
