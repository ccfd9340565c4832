"""System health: can the app reach its database and Redis."""
from flask import current_app
from redis import Redis
from sqlalchemy import text

from app.blueprints.backoffice import bp
from app.core.database import db
from app.web.rendering import render


@bp.get("/health")
def health():
    checks = {"database": _check(lambda: db.session.execute(text("SELECT 1")))}
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        checks["redis"] = _check(lambda: Redis.from_url(redis_url, socket_timeout=1).ping())
    else:
        checks["redis"] = "not configured (jobs run in-process)"
    return render("backoffice/health/checks.html", checks=checks)


def _check(probe) -> str:
    try:
        probe()
    except Exception as error:  # noqa: BLE001 - a health page reports any failure as text
        return f"down: {type(error).__name__}"
    return "ok"
