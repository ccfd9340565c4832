"""The RQ side of the platform, as its operators see it: each queue's depth and oldest job, the live
workers, and the failed jobs, which an operator may queue again or delete (audited)."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from redis import Redis
from rq import Queue, Worker
from rq.job import Job
from rq.results import Result
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules import audit

SHOWN_FAILED = 100
NEVER = datetime.min.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class QueueHealth:
    name: str
    depth: int
    oldest_age: timedelta | None  # how long the job at its head has waited
    failed: int


@dataclass(frozen=True)
class WorkerHealth:
    name: str
    state: str
    current_job: str | None
    last_heartbeat: datetime | None


@dataclass(frozen=True)
class FailedJob:
    """A job in a queue's failed registry. Not a database row: the audit trail names it in its details."""

    job_id: str
    queue: str
    function: str
    enqueued_at: datetime | None
    ended_at: datetime | None
    error: str  # the exception's last line

    id = None  # what the audit trail takes for a record's id


class UnknownJob(DomainError):
    """No failed job has that id."""


def _queues(connection: Redis, names: tuple[str, ...]) -> list[Queue]:
    """The queues Redis knows of, and those named even before a first job has made them known."""
    found = {queue.name: queue for queue in Queue.all(connection=connection)}
    for name in names:
        found.setdefault(name, Queue(name, connection=connection))
    return [found[name] for name in sorted(found)]


def queues(connection: Redis, *, now: datetime, names: tuple[str, ...] = ()) -> list[QueueHealth]:
    health = []
    for queue in _queues(connection, names):
        oldest = None
        if head := queue.get_job_ids(0, 1):
            job = queue.fetch_job(head[0])
            if job is not None and job.enqueued_at is not None:
                oldest = max(now - job.enqueued_at, timedelta(0))
        health.append(QueueHealth(name=queue.name, depth=queue.count, oldest_age=oldest,
                                  failed=queue.failed_job_registry.count))
    return health


def workers(connection: Redis) -> list[WorkerHealth]:
    return sorted(
        (WorkerHealth(name=worker.name, state=str(worker.get_state()), current_job=worker.get_current_job_id(),
                      last_heartbeat=worker.last_heartbeat)
         for worker in Worker.all(connection=connection)),
        key=lambda worker: worker.name,
    )


def _last_line(job: Job) -> str:
    result = job.latest_result()
    if result is None or result.type != Result.Type.FAILED or not result.exc_string:
        return ""
    lines = [line for line in result.exc_string.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def _failed(job: Job, queue: str) -> FailedJob:
    return FailedJob(job_id=job.id, queue=queue, function=job.func_name or "", enqueued_at=job.enqueued_at,
                     ended_at=job.ended_at, error=_last_line(job))


def failed_jobs(connection: Redis, *, names: tuple[str, ...] = (), limit: int = SHOWN_FAILED) -> list[FailedJob]:
    """The failed jobs of every queue, the latest first."""
    found = []
    for queue in _queues(connection, names):
        ids = queue.failed_job_registry.get_job_ids(0, limit - 1, desc=True)
        found += [_failed(job, queue.name) for job in Job.fetch_many(ids, connection=connection) if job is not None]
    return sorted(found, key=lambda job: job.ended_at or NEVER, reverse=True)[:limit]


def find_failed(connection: Redis, job_id: str, *, names: tuple[str, ...] = ()) -> FailedJob:
    """The failed job ``job_id``, in whichever queue's registry holds it; UnknownJob otherwise."""
    if job_id and len(job_id) <= 200:
        for queue in _queues(connection, names):
            if job_id in queue.failed_job_registry:
                job = Job.fetch(job_id, connection=connection) if Job.exists(job_id, connection=connection) else None
                if job is not None:
                    return _failed(job, queue.name)
    raise UnknownJob(f"No failed job {job_id!r}.")


def requeue(session: Session, connection: Redis, job_id: str, *, actor, names: tuple[str, ...] = ()) -> FailedJob:
    """Put a failed job back on its queue, to run again. Audited first: if Redis then refuses, the
    request fails and the audit event is rolled back with it."""
    job = find_failed(connection, job_id, names=names)
    _audit(session, "job.requeue", job, actor=actor)
    Queue(job.queue, connection=connection).failed_job_registry.requeue(job.job_id)
    return job


def delete(session: Session, connection: Redis, job_id: str, *, actor, names: tuple[str, ...] = ()) -> FailedJob:
    """Drop a failed job for good: from its registry, and the job itself."""
    job = find_failed(connection, job_id, names=names)
    _audit(session, "job.delete", job, actor=actor)
    Queue(job.queue, connection=connection).failed_job_registry.remove(job.job_id, delete_job=True)
    return job


def _audit(session: Session, action: str, job: FailedJob, *, actor) -> None:
    audit.record(session, action, job, actor=actor, tenant_id=None, job_id=job.job_id, queue=job.queue,
                 function=job.function, error=job.error, before="failed",
                 after="queued" if action == "job.requeue" else "deleted")
    session.flush()
