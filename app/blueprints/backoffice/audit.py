"""The platform's audit log: the latest changes, across every practice."""
from sqlalchemy import select

from app.blueprints.backoffice import bp
from app.core.database import db
from app.modules.audit.models import AuditEvent
from app.web.rendering import render

SHOWN = 200


@bp.get("/audit")
def audit_log():
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(SHOWN)).all()
    return render("backoffice/audit/log.html", events=events)
