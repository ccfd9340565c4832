"""Who may be signed in where: the session loader, the expired-session answer and role gates."""
from functools import wraps

from flask import abort, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.core.database import db
from app.extensions import login_manager
from app.modules.accounts.models import User
from app.web.rendering import htmx_redirect, sent_by_htmx


def _load_user(session_id: str) -> User | None:
    site = g.get("site")
    user_id, _, version = session_id.partition(".")
    if site is None or site.is_platform or not (user_id.isdigit() and version.isdigit()):
        # No site (an unknown host's error page), or the platform's, where nobody signs in.
        return None
    # On a tenant host the tenant scope makes other tenants' users invisible.
    user = db.session.scalar(select(User).where(User.id == int(user_id)))
    if user is None or not user.active or user.session_version != int(version):
        return None
    if user.is_superadmin != site.is_backoffice:
        return None
    return user


def _unauthorized():
    target = url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if sent_by_htmx():
        # htmx would swap a sign-in page into a fragment; send the whole window instead.
        return htmx_redirect(target, 401)
    return redirect(target)


def require_roles(*roles: str):
    """A before_request hook: signed in, with one of ``roles``."""

    def gate():
        if not current_user.is_authenticated:
            return _unauthorized()
        if not current_user.has_role(*roles):
            abort(403)
        return None

    return gate


def roles_required(*roles: str):
    """A view decorator narrowing a blueprint's gate to ``roles``."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def init_app(app) -> None:
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.session_protection = "basic"
