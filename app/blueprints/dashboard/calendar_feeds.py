"""A provider's private calendar feed, from their page: create or regenerate its secret link (shown
once: only its hash is kept), or revoke it. Owners and admins may, and the provider themself."""
from flask import abort, flash, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from app.blueprints.dashboard import bp
from app.core.database import db
from app.modules.appointments import feeds
from app.modules.catalogue.models import Provider
from app.web.loading import get_or_404
from app.web.rendering import render, see_other


def may_manage_feed(provider: Provider) -> bool:
    return current_user.has_role("owner", "admin") or (
        provider.user_id is not None and provider.user_id == current_user.id)


def provider_page(provider: Provider, *, feed_url: str | None = None, block: str | None = None):
    return render("dashboard/team/provider.html", block, provider=provider,
                  may_manage_feed=may_manage_feed(provider), feed_form=FlaskForm(), feed_url=feed_url)


def _manageable(provider_id: int) -> Provider:
    provider = get_or_404(Provider, provider_id)
    if not may_manage_feed(provider):
        abort(403)
    return provider


@bp.post("/providers/<int:provider_id>/calendar-feed")
def regenerate_calendar_feed(provider_id: int):
    provider = _manageable(provider_id)
    token = feeds.regenerate(db.session, provider, actor=current_user)
    # The secret is shown on this answer alone: no redirect could carry it without storing it.
    return provider_page(provider, feed_url=url_for("booking.calendar_feed", feed_token=token, _external=True),
                         block="calendar_feed")


@bp.post("/providers/<int:provider_id>/calendar-feed/revoke")
def revoke_calendar_feed(provider_id: int):
    provider = _manageable(provider_id)
    feeds.revoke(db.session, provider, actor=current_user)
    flash("Calendar feed revoked: its link no longer works.", "success")
    return see_other(url_for("dashboard.provider", provider_id=provider.id))
