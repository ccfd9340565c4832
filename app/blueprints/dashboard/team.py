"""The practice's people: its providers and its staff accounts."""
from sqlalchemy import select

from app.blueprints.auth.guards import roles_required
from app.blueprints.dashboard import bp
from app.core.database import db
from app.modules.accounts.models import User
from app.modules.catalogue.models import Provider
from app.web.loading import get_or_404
from app.web.rendering import render


@bp.get("/providers/<int:provider_id>")
def provider(provider_id: int):
    return render("dashboard/team/provider.html", provider=get_or_404(Provider, provider_id))


@bp.get("/team")
@roles_required("owner", "admin")
def team():
    users = db.session.scalars(select(User).order_by(User.role, User.name)).all()
    return render("dashboard/team/members.html", users=users)
