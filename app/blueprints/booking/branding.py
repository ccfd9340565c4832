"""The practice's logo and brand colour, served from its own host with caching headers. Pages ask
for them with the version in the URL, so a new logo or colour is a new URL and the old can be cached
for good."""
import hashlib

from flask import abort, make_response, request
from sqlalchemy import select

from app.blueprints.booking import bp
from app.core.database import db
from app.modules.tenants.models import Tenant
from app.web.sites import current_tenant

FOREVER = "public, max-age=31536000, immutable"
A_WHILE = "public, max-age=300"


def _cached(response, version: str, asked: str | None):
    response.set_etag(version)
    response.cache_control.no_cache = None
    response.headers["Cache-Control"] = FOREVER if asked == version else A_WHILE
    return response.make_conditional(request)


@bp.get("/logo")
def logo():
    if not current_tenant.logo_type:
        abort(404)
    data = db.session.scalar(select(Tenant.logo).where(Tenant.id == current_tenant.id))  # deferred: only here
    version = (current_tenant.branding or {}).get("logo_version") or hashlib.sha256(data).hexdigest()[:16]
    response = make_response(data)
    response.mimetype = current_tenant.logo_type
    return _cached(response, version, request.args.get("v"))


@bp.get("/brand.css")
def brand_css():
    colour = (current_tenant.branding or {}).get("color")
    if not colour:
        abort(404)
    response = make_response(f":root {{ --accent: {colour}; }}\n")
    response.mimetype = "text/css"
    return _cached(response, colour.removeprefix("#"), request.args.get("v"))
