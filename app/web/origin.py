"""Each request's origin for the audit trail: the client's address (behind ProxyFix when
TRUSTED_PROXY_HOPS is set) and user agent, set once before any view of any face runs."""
from flask import g, request

from app.modules.audit import origin

_TOKEN = "sloty_audit_origin"


def _enter():
    setattr(g, _TOKEN, origin.enter(request.remote_addr, request.headers.get("User-Agent")))


def _leave(exception=None):
    token = g.pop(_TOKEN, None)
    if token is not None:
        origin.leave(token)


def init_app(app) -> None:
    # First of the before_request hooks, so that even a refusal by a later hook knows where it came from.
    app.before_request_funcs.setdefault(None, []).insert(0, _enter)
    app.teardown_request(_leave)
