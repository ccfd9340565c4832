"""System health: the database and its migrations, Redis, the RQ queues, workers and failed jobs
(queued again or deleted from here), and the outbox."""
from flask import abort, flash, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from redis.exceptions import RedisError

from app.blueprints.backoffice import bp
from app.core import clock
from app.core.database import db
from app.modules.billing import jobs as billing_jobs
from app.modules.health import queues
from app.modules.notifications import jobs
from app.web.health import system_report
from app.web.rendering import render, see_other


@bp.get("/health")
def health():
    return render("backoffice/health/checks.html", report=system_report(), now=clock.now(), form=FlaskForm())


@bp.post("/health/failed-jobs/<job_id>/requeue")
def requeue_job(job_id: str):
    job = _act_on_failed(queues.requeue, job_id)
    flash(f"Job {job.job_id} is back in the {job.queue} queue.", "success")
    return see_other(url_for("backoffice.health"))


@bp.post("/health/failed-jobs/<job_id>/delete")
def delete_job(job_id: str):
    job = _act_on_failed(queues.delete, job_id)
    flash(f"Job {job.job_id} is deleted.", "success")
    return see_other(url_for("backoffice.health"))


def _act_on_failed(act, job_id: str) -> queues.FailedJob:
    connection = jobs.redis_connection()
    if connection is None:
        abort(404)  # without Redis there are no jobs
    try:
        return act(db.session, connection, job_id, actor=current_user, names=(jobs.QUEUE, billing_jobs.QUEUE))
    except queues.UnknownJob:
        abort(404)
    except RedisError:
        abort(503, description="Redis is unreachable: nothing was changed. Try again when it is back.")
