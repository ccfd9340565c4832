"""``/health.json``: 200 while the database answers, 503 when it does not, with each component's state.
It names no URL, host, password or count: anyone may read it."""
from flask import jsonify

from app.blueprints.monitoring import bp
from app.modules.health import report
from app.web.health import system_report


@bp.get("/health.json")
def health_json():
    system = system_report(detailed=False)
    response = jsonify(report.public_status(system))
    response.status_code = 200 if system.healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
