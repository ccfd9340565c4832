"""One look at the whole system: the database, Redis, the queues and workers, and the outbox, gathered
for the backoffice's health page; and its public summary for uptime monitors, which names no host,
URL, address or count of anyone's business."""
from dataclasses import dataclass, field
from datetime import datetime

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.modules.billing import jobs as billing_jobs
from app.modules.billing import webhooks
from app.modules.health import probes
from app.modules.health import queues as rq
from app.modules.notifications import jobs
from app.modules.notifications import outbox as notifications_outbox


@dataclass
class SystemReport:
    database: probes.DatabaseHealth
    redis: probes.RedisHealth
    queues: list[rq.QueueHealth] = field(default_factory=list)
    workers: list[rq.WorkerHealth] = field(default_factory=list)
    failed_jobs: list[rq.FailedJob] = field(default_factory=list)
    last_sweep: datetime | None = None
    outbox: notifications_outbox.Backlog | None = None
    # The payment provider's events: the last one received of each type.
    webhooks: list[tuple[str, datetime]] | None = None

    @property
    def healthy(self) -> bool:
        """Up enough to take bookings: the database answers. (Without Redis, bookings still commit and
        the outbox keeps their messages until it is back.)"""
        return self.database.up


def gather(session: Session, connection: Redis | None, *, now: datetime, migrations_directory: str,
           detailed: bool = True) -> SystemReport:
    """Everything the health page shows; ``detailed=False`` only what ``public_status`` needs (the
    probes and the workers), which is cheap enough for a monitor to ask every few seconds."""
    report = SystemReport(database=probes.database(session, migrations_directory=migrations_directory),
                          redis=probes.redis(connection))
    if report.redis.up:
        names = (jobs.QUEUE, billing_jobs.QUEUE)
        try:
            report.workers = rq.workers(connection)
            if detailed:
                report.queues = rq.queues(connection, now=now, names=names)
                report.failed_jobs = rq.failed_jobs(connection, names=names)
                report.last_sweep = jobs.last_sweep(connection)
        except RedisError as error:  # lost between the ping and these reads
            report.redis = probes.RedisHealth(state="unreachable", problem=type(error).__name__)
    if report.database.up and detailed:
        try:
            report.outbox = notifications_outbox.backlog(session, now=now)
            report.webhooks = webhooks.last_of_each_type(session)
        except SQLAlchemyError:
            session.rollback()
    return report


def public_status(report: SystemReport) -> dict:
    """What an uptime monitor may read: each component's state and latency, nothing more."""
    database = report.database
    redis = report.redis
    return {
        "status": "down" if not report.healthy else ("degraded" if redis.state == "unreachable" else "ok"),
        "components": {
            "database": {
                "status": "ok" if database.up else "down",
                "latency_ms": database.latency_ms,
                "migrations": database.migrations,
            },
            "redis": {"status": redis.state, "latency_ms": redis.latency_ms},
            "workers": {"status": _workers_state(report), "count": len(report.workers)},
        },
    }


def _workers_state(report: SystemReport) -> str:
    if report.redis.state == "not configured":
        return "not configured"  # messages are sent in-process
    if not report.redis.up:
        return "unknown"
    return "ok" if report.workers else "none running"
