"""Handling the provider's events off the request: an RQ job per stored event (by id) after the commit,
or in-process without Redis; and the sweep's part for billing (events left unhandled, and dunning)."""
import logging
from datetime import timedelta

from flask import has_app_context
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from sqlalchemy.orm import Session

from app.core import clock
from app.core.database import db
from app.core.tenancy import all_tenants
from app.core.transaction import unit_of_work
from app.modules.billing import dunning, webhooks
from app.modules.notifications import jobs as notification_jobs

log = logging.getLogger(__name__)

QUEUE = "billing"
RETRY = Retry(max=5, interval=[10, 60, 300, 900, 3600])
# An event not handled this long after it came is the sweep's (its job was lost, or Redis was down).
LEFT_BEHIND = timedelta(minutes=2)


def handle_event_job(event_id: int) -> str | None:
    """The RQ job: takes the stored event's id; runs in the worker's app context."""
    if not has_app_context():
        raise RuntimeError("billing jobs run in `flask sloty worker`, which provides the app")
    try:
        return handle_now(event_id)
    finally:
        db.session.remove()


def handle_now(event_id: int) -> str | None:
    with all_tenants(), unit_of_work(db.session):
        return webhooks.handle(db.session, event_id, now=clock.now())


def dispatch(session: Session) -> None:
    """After a commit: a job for each event it stored, or without Redis handle them here. Never raises:
    an event left unhandled stays stored, and the sweep handles it."""
    ids = webhooks.take_committed(session)
    if ids:
        _hand_over(ids)


def _hand_over(ids: list[int]) -> None:
    connection = notification_jobs.redis_connection()
    for event_id in ids:
        try:
            if connection is None:
                handle_now(event_id)
            else:
                Queue(QUEUE, connection=connection).enqueue(
                    handle_event_job, event_id, job_id=f"billing-event-{event_id}", unique=True, retry=RETRY,
                    result_ttl=3600, failure_ttl=7 * 24 * 3600)
        except DuplicateJobError:
            pass
        except RedisError as error:
            log.warning("Redis unavailable, billing event %s left for the sweep: %s", event_id, error)
            return
        except Exception:  # noqa: BLE001 - the provider's request has its 2xx; the sweep tries again
            db.session.rollback()
            log.exception("handling billing event %s failed", event_id)


def sweep() -> None:
    """The worker's periodic part for billing: events left unhandled, then dunning."""
    now = clock.now()
    with all_tenants():
        with unit_of_work(db.session):
            left = webhooks.unhandled(db.session, before=now - LEFT_BEHIND)
    _hand_over(left)
    with all_tenants(), unit_of_work(db.session):
        dunning.suspend_overdue(db.session, now=now)

