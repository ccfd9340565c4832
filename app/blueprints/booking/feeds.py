"""A provider's private calendar feed, on the practice's host: no sign-in, the URL's secret is the key."""
from flask import abort, make_response

from app.blueprints.booking import bp
from app.core import clock
from app.core.database import db
from app.modules.appointments import feeds
from app.web.sites import current_tenant


@bp.get("/calendar-feeds/<feed_token>.ics")
def calendar_feed(feed_token: str):
    provider = feeds.provider_by_token(db.session, feed_token)
    if provider is None:
        abort(404)  # revoked, regenerated, another practice's, or never issued
    body = feeds.feed(db.session, provider, practice=current_tenant.name, now=clock.now())
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
