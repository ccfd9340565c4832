"""The system report for this app, as the backoffice's health page and the uptime monitors' JSON read it."""
from flask import current_app

from app.core import clock
from app.core.database import db
from app.modules.health import report
from app.modules.notifications import jobs


def system_report(*, detailed: bool = True) -> report.SystemReport:
    return report.gather(db.session, jobs.redis_connection(), now=clock.now(), detailed=detailed,
                         migrations_directory=current_app.extensions["migrate"].directory)
