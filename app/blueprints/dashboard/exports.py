"""The owner's export of the practice's data: a page saying what it holds, and the JSON download."""
import json

from flask import Response
from flask_login import current_user

from app.blueprints.auth.guards import roles_required
from app.blueprints.dashboard import bp
from app.core import clock
from app.core.database import db
from app.modules.tenants import export
from app.web.rendering import render
from app.web.sites import current_tenant


@bp.get("/export")
@roles_required("owner")
def export_page():
    return render("dashboard/exports/export.html", deadline=export.export_deadline(current_tenant))


@bp.get("/export/practice.json")
@roles_required("owner")
def export_download():
    now = clock.now()
    data = export.practice_data(db.session, current_tenant, now=now, actor=current_user)
    filename = f"{current_tenant.slug}-{now:%Y-%m-%d}.json"
    return Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
