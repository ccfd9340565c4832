"""Carrying a new owner, signed in, from the platform's host to their practice's: cookies belong to
one host, so the platform hands over a short-lived signed pass that works once."""
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

PASS_LIFETIME_SECONDS = 300


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="sloty.handoff")


def _seen(user) -> str:
    return user.last_login_at.isoformat() if user.last_login_at else ""


def make_pass(user) -> str:
    """A pass for ``user``; signing in with it changes ``last_login_at``, which spends it."""
    return _serializer().dumps([user.id, user.session_version, _seen(user)])


def user_id_of(token: str) -> int | None:
    """The user a fresh, well-signed pass names (whether still unspent is ``is_unspent``'s call)."""
    try:
        user_id, _, _ = _serializer().loads(token, max_age=PASS_LIFETIME_SECONDS)
    except (BadSignature, ValueError, TypeError):
        return None
    return user_id if isinstance(user_id, int) else None


def is_unspent(token: str, user) -> bool:
    try:
        user_id, version, seen = _serializer().loads(token, max_age=PASS_LIFETIME_SECONDS)
    except (BadSignature, ValueError, TypeError):
        return False
    return (user_id, version, seen) == (user.id, user.session_version, _seen(user))
