"""The practice's plan: its limits and what it uses of them, and the plans it could move to."""
import sqlalchemy as sa

from app.blueprints.auth.guards import roles_required
from app.blueprints.dashboard import bp
from app.core import clock
from app.core.database import db
from app.modules.billing import limits
from app.modules.billing.models import Plan
from app.modules.platform import settings
from app.web.rendering import render
from app.web.sites import current_tenant


@bp.get("/plan")
@roles_required("owner", "admin")
def plan():
    subscription = limits.subscription_of(db.session, current_tenant.id)
    current = subscription.plan if subscription is not None else None
    usage = limits.lines(current, limits.usage(db.session, current_tenant.id, now=clock.now()))
    plans = db.session.scalars(sa.select(Plan).where(Plan.active).order_by(Plan.price, Plan.name)).all()
    return render("dashboard/plan/plan.html", subscription=subscription, plan=current, usage=usage, plans=plans,
                  platform=settings.current(db.session))
