"""Running deliveries: RQ jobs after commit, a periodic sweep, and the worker that runs both.

Without REDIS_URL everything runs in-process: new messages are sent right after
the request commits, and ``flask sloty send-due`` sends what has come due.
"""
import logging
import threading
from datetime import datetime, timedelta

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, SimpleWorker
from rq.exceptions import DuplicateJobError
from sqlalchemy.orm import Session

from app.core import clock
from app.core.database import db
from app.core.tenancy import all_tenants
from app.core.transaction import unit_of_work
from app.modules.billing import jobs as billing_jobs
from app.modules.notifications import delivery, outbox
from app.modules.waitlist import offers as waitlist

log = logging.getLogger(__name__)

QUEUE = "notifications"
# The time the last sweep finished (ISO 8601, UTC), for the backoffice's health page.
LAST_SWEEP = "sloty:notifications:last-sweep"
# Seconds: the longest a worker that lost Redis waits before trying it again.
MAX_RECONNECT_WAIT = 5.0
RETRY = Retry(max=len(delivery.BACKOFF), interval=[int(d.total_seconds()) for d in delivery.BACKOFF])


def redis_connection(app=None) -> Redis | None:
    url = (app or current_app).config.get("REDIS_URL")
    # Short timeouts: a request must not hang on a Redis that is down.
    return Redis.from_url(url, socket_connect_timeout=1, socket_timeout=3) if url else None


def enqueue(connection: Redis, tenant_id: int, notification_id: int, attempts: int) -> bool:
    """Queue the send job, once per attempt: the job id names the row and its attempt count."""
    try:
        Queue(QUEUE, connection=connection).enqueue(
            send_job, tenant_id, notification_id, job_id=f"notification-{notification_id}-{attempts}",
            unique=True, retry=RETRY, result_ttl=3600, failure_ttl=7 * 24 * 3600,
        )
    except DuplicateJobError:
        return False
    return True


def send_job(tenant_id: int, notification_id: int) -> str:
    """The RQ job. Takes ids, never ORM objects; runs in a fresh context of the worker's app."""
    if not has_app_context():
        raise RuntimeError("notification jobs run in `flask sloty worker`, which provides the app")
    with current_app.app_context():
        try:
            return delivery.send(tenant_id, notification_id)
        finally:
            db.session.remove()


def dispatch(session: Session, *, now: datetime) -> None:
    """After a commit: hand the due messages it wrote to RQ, or send them now without Redis.

    Never raises: if Redis is down the rows stay queued and the sweep sends them later.
    """
    pending = outbox.take_committed(session, now=now)
    if not pending:
        return
    try:
        _hand_over(pending)
    except RedisError as error:
        log.warning("Redis unavailable, %d message(s) left for the sweep: %s", len(pending), error)


def _hand_over(rows: list[tuple[int, int, int]]) -> int:
    """Enqueue each (tenant id, notification id, attempts), or without Redis send it now. How many went."""
    connection = redis_connection()
    if connection is None:
        for tenant_id, notification_id, _ in rows:
            _send_inline(tenant_id, notification_id)
        return len(rows)
    return sum(enqueue(connection, *row) for row in rows)


def _send_inline(tenant_id: int, notification_id: int) -> None:
    try:
        delivery.send(tenant_id, notification_id)
    except delivery.RetryLater:
        pass  # queued again with a later time; send-due picks it up
    except Exception:  # noqa: BLE001 - sending must never break the request that booked
        db.session.rollback()  # a failure outside delivery's own units of work
        log.exception("sending notification %s failed", notification_id)


def sweep(*, lease: timedelta | None = None) -> int:
    """Queue again what a dead worker left, pass on the waitlist's expired offers and re-check a few waiting
    customers (new hours, a closure lifted), then enqueue (or, without Redis, send) every due row.

    Idempotent: run it as often and from as many processes as you like.
    """
    lease = lease or timedelta(seconds=current_app.config["SENDING_LEASE_SECONDS"])
    now = clock.now()
    with all_tenants():
        with unit_of_work(db.session):
            outbox.recover_stale(db.session, now=now, lease=lease, max_attempts=delivery.MAX_ATTEMPTS)
        with unit_of_work(db.session):
            waitlist.sweep(db.session, now=now)
        with unit_of_work(db.session):
            due = outbox.due(db.session, now=now)
    handed = _hand_over(due)
    _record_sweep(now)
    return handed


def _record_sweep(now: datetime) -> None:
    """For the health page; the sweep itself has succeeded whether or not this can be written."""
    connection = redis_connection()
    if connection is None:
        return
    try:
        connection.set(LAST_SWEEP, now.isoformat())
    except RedisError as error:
        log.warning("could not record the sweep's time: %s", error)


def last_sweep(connection: Redis) -> datetime | None:
    """When a sweep last finished, as the sweeper recorded it in Redis (None: never, since Redis was emptied)."""
    value = connection.get(LAST_SWEEP)
    return datetime.fromisoformat(value.decode()) if value else None


def run_worker(app: Flask, *, sweep_every: float, lease: timedelta | None = None, burst: bool = False) -> None:
    """An RQ worker (with its scheduler, for retries) plus a sweeper thread: one process for a small dyno."""
    connection = redis_connection(app)
    if connection is None:
        raise RuntimeError("REDIS_URL is not set: without Redis, run `flask sloty send-due` periodically instead.")
    stop = threading.Event()
    if burst:
        # Sweep first, in this thread: a burst worker stops at the first empty queue, which
        # it would otherwise often find before a sweeper thread had queued what is due.
        _sweep_once(app, lease)
    else:
        threading.Thread(target=_sweep_forever, args=(app, sweep_every, lease, stop), name="sweeper", daemon=True).start()
    try:
        _worker(connection, sweep_every).work(with_scheduler=True, burst=burst)
    finally:
        stop.set()


def _worker(connection: Redis, sweep_every: float) -> SimpleWorker:
    """RQ's worker, tuned so that it comes back within a sweep interval of a Redis outage ending.

    RQ 3.0 waits 1, 2, 4 … up to 60 s between attempts to reach a Redis it lost, so after a
    40-second outage it looked again only 23 s after Redis had returned; we cap the wait. Its
    scheduler (the forked child that moves Retry jobs back onto the queue) dies on the first failed
    Redis call, and the worker restarts it only in its maintenance, every 10 minutes by default;
    maintenance every sweep interval restarts it as soon as the worker reaches Redis again. (After a
    blip shorter than that, it waits for the worker's next job; meanwhile the sweep still queues
    every due retry from the outbox, and the job it queues wakes the worker.)
    """
    interval = max(1.0, sweep_every)
    queues = [Queue(name, connection=connection) for name in (QUEUE, billing_jobs.QUEUE)]
    worker = SimpleWorker(queues, connection=connection, maintenance_interval=interval)
    worker.max_connection_wait_time = min(interval, MAX_RECONNECT_WAIT)
    return worker


def _sweep_forever(app: Flask, every: float, lease: timedelta | None, stop: threading.Event) -> None:
    while not stop.is_set():
        _sweep_once(app, lease)
        stop.wait(every)


def _sweep_once(app: Flask, lease: timedelta | None) -> None:
    with app.app_context():
        try:
            sweep(lease=lease)
        except Exception:  # noqa: BLE001 - a failed sweep is retried on the next tick
            log.exception("sweep failed")
        try:
            billing_jobs.sweep()  # events left unhandled, and dunning
        except Exception:  # noqa: BLE001 - the same
            db.session.rollback()
            log.exception("billing sweep failed")
        finally:
            db.session.remove()
