"""The backoffice's system health page and the uptime monitors' /health.json, against a real Redis
and RQ: a job that really failed (run by an RQ SimpleWorker), queued again or deleted from the page;
the outbox's counts; the migration revision; Redis down or absent; the database down."""
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job
from sqlalchemy.orm import Session

from app import create_app
from app.core import clock
from app.core.database import db
from app.core.tenancy import all_tenants
from app.modules.audit.models import AuditEvent
from app.modules.health import probes
from app.modules.notifications import jobs
from app.modules.notifications.models import Notification
from tests.conftest import app_config
from tests.support import factories, services
from tests.support.clients import ADMIN_HOST, Visitor, host_of
from tests.support.mail import free_port
from tests.support.pages import html, redirect_path, text

BROKEN = "the mail server is on fire"


def explode(recipient: str) -> None:
    """An RQ job that fails, as a send does when its server refuses."""
    raise RuntimeError(f"{BROKEN} ({recipient})")


@pytest.fixture
def redis(app):
    """The test's Redis database, emptied before and after, and the app pointed at it."""
    services.require("redis")
    connection = Redis.from_url(services.REDIS_URL)
    connection.flushdb()
    app.config["REDIS_URL"] = services.REDIS_URL
    yield connection
    connection.flushdb()


@pytest.fixture
def failed_job(redis) -> Job:
    """A job of the notifications queue that ran, raised and landed in the failed job registry."""
    queue = Queue(jobs.QUEUE, connection=redis)
    job = queue.enqueue(explode, "sam@example.com", job_id="explode-1")
    SimpleWorker([queue], connection=redis).work(burst=True)
    assert job.id in queue.failed_job_registry
    return job


def section(page: str, name: str) -> str:
    """What a reader sees of the page's section ``name``."""
    body = page.split(f'<section id="{name}"', 1)[1].split("</section>", 1)[0]
    return text(f"<section {body}")


def audit_events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    with all_tenants():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()
        db.session.commit()
    return events


def code_head(app) -> str:
    [head] = ScriptDirectory(app.extensions["migrate"].directory).get_heads()
    return head


# Failed jobs


def test_a_failed_job_is_listed_with_its_function_times_and_error(superadmin, failed_job):
    page = html(superadmin.get("/backoffice/health"))

    failed = section(page, "failed-jobs")
    assert "explode-1 tests.faces.backoffice.test_health.explode notifications" in failed
    assert f"RuntimeError: {BROKEN} (sam@example.com)" in failed
    job = Job.fetch("explode-1", connection=failed_job.connection)
    assert f"{job.enqueued_at:%Y-%m-%d %H:%M:%S} {job.ended_at:%Y-%m-%d %H:%M:%S}" in failed
    assert 'action="/backoffice/health/failed-jobs/explode-1/requeue"' in page
    assert 'action="/backoffice/health/failed-jobs/explode-1/delete"' in page
    assert "notifications 0 — 1" in section(page, "queues"), "the queue: nothing waiting, one failed"


def test_requeuing_a_failed_job_puts_it_back_in_its_queue_and_is_audited(superadmin, failed_job, redis):
    response = superadmin.post("/backoffice/health/failed-jobs/explode-1/requeue")

    assert response.status_code == 303 and redirect_path(response) == "/backoffice/health"
    queue = Queue(jobs.QUEUE, connection=redis)
    assert queue.job_ids == ["explode-1"]
    assert queue.failed_job_registry.get_job_ids() == []
    page = html(superadmin.get("/backoffice/health"))
    assert "Job explode-1 is back in the notifications queue." in text(page)
    assert "No failed jobs." in section(page, "failed-jobs")
    assert "notifications 1" in section(page, "queues")
    [event] = audit_events("job.requeue")
    assert (event.actor_email, event.tenant_id, event.entity_type, event.entity_id) == (
        "root@sloty.test", None, "FailedJob", None)
    assert event.details["job_id"] == "explode-1" and event.details["after"] == "queued"
    assert event.details["function"] == "tests.faces.backoffice.test_health.explode"

    assert "root@sloty.test job.requeue FailedJob explode-1" in text(html(superadmin.get("/backoffice/audit")))

    SimpleWorker([queue], connection=redis).work(burst=True)  # and it really runs again (and fails again)
    assert queue.failed_job_registry.get_job_ids() == ["explode-1"]


def test_deleting_a_failed_job_removes_it_and_is_audited(superadmin, failed_job, redis):
    response = superadmin.post("/backoffice/health/failed-jobs/explode-1/delete")

    assert response.status_code == 303
    assert not Job.exists("explode-1", connection=redis)
    assert Queue(jobs.QUEUE, connection=redis).failed_job_registry.get_job_ids() == []
    assert "No failed jobs." in section(html(superadmin.get("/backoffice/health")), "failed-jobs")
    [event] = audit_events("job.delete")
    assert event.details["job_id"] == "explode-1" and event.details["after"] == "deleted"


def test_an_unknown_or_not_failed_job_is_404_and_nothing_is_audited(superadmin, failed_job, redis):
    waiting = Queue(jobs.QUEUE, connection=redis).enqueue(explode, "x@example.com", job_id="waiting-1")
    for job_id in ("no-such-job", waiting.id):
        for action in ("requeue", "delete"):
            response = superadmin.post(f"/backoffice/health/failed-jobs/{job_id}/{action}")
            assert response.status_code == 404 and "Not found" in html(response)
    assert Job.exists("waiting-1", connection=redis) and Job.exists("explode-1", connection=redis)
    assert audit_events("job.requeue") == audit_events("job.delete") == []


# Queues and workers


def test_queue_depth_and_the_age_of_its_oldest_job(superadmin, redis, clock):
    queue = Queue(jobs.QUEUE, connection=redis)
    queue.enqueue(explode, "a@example.com")
    clock.shift(timedelta(minutes=3))
    queue.enqueue(explode, "b@example.com")
    clock.shift(timedelta(minutes=4))

    assert "notifications 2 7 min 0" in section(html(superadmin.get("/backoffice/health")), "queues")


def test_live_workers_are_listed_with_their_state_and_heartbeat(superadmin, redis):
    page = html(superadmin.get("/backoffice/health"))
    assert "No worker is running" in section(page, "workers")

    worker = SimpleWorker([Queue(jobs.QUEUE, connection=redis)], connection=redis, name="dyno-worker-1")
    worker.register_birth()
    try:
        worker.set_state("idle")
        worker.heartbeat()
        shown = section(html(superadmin.get("/backoffice/health")), "workers")
        assert f"dyno-worker-1 idle — {worker.last_heartbeat:%Y-%m-%d %H:%M:%S}" in shown
    finally:
        worker.register_death()


# Redis and the database


def test_redis_latency_and_memory(superadmin, redis):
    shown = section(html(superadmin.get("/backoffice/health")), "redis")
    assert re.fullmatch(r"Redis State ok Latency \(PING\) \d+\.\d ms Memory used \d+(\.\d+)?[BKMG]", shown), shown


def test_with_redis_down_the_page_still_renders_saying_unreachable(app, superadmin):
    app.config["REDIS_URL"] = f"redis://:hunter2-redis@127.0.0.1:{free_port()}/0"  # nothing listens there

    response = superadmin.get("/backoffice/health")

    page = html(response)
    assert response.status_code == 200
    assert ("State unreachable (ConnectionError): new messages wait in the outbox until it is back"
            in section(page, "redis"))
    assert '<section id="queues"' not in page and '<section id="failed-jobs"' not in page
    assert "Last sweep unknown while Redis is unreachable" in section(page, "outbox")
    assert "hunter2-redis" not in page and str(app.config["REDIS_URL"]) not in page


def test_without_redis_the_page_says_so(superadmin):
    page = html(superadmin.get("/backoffice/health"))
    assert "State not configured: jobs run in-process" in section(page, "redis")
    assert "Last sweep not recorded without Redis" in section(page, "outbox")


def test_the_migration_head_is_shown_up_to_date_or_behind(app, superadmin):
    head = code_head(app)
    shown = section(html(superadmin.get("/backoffice/health")), "database")
    assert f"Migrations up to date: the database is at {head}, the code's head is {head}" in shown
    assert "Latency (SELECT 1)" in shown and "State ok" in shown

    older = ScriptDirectory(app.extensions["migrate"].directory).get_revision(head).down_revision
    try:
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = :older"), {"older": older})
        db.session.commit()
        shown = section(html(superadmin.get("/backoffice/health")), "database")
        assert f"Migrations behind: the database is at {older}, the code's head is {head}" in shown
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_newer_code'"))
        db.session.commit()
        shown = section(html(superadmin.get("/backoffice/health")), "database")
        assert (f"Migrations unknown revision: the database is at 9999_from_newer_code, the code's head is {head}"
                in shown)
    finally:
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        db.session.commit()


def test_a_database_never_migrated_is_up_and_behind(app):
    engine = sa.create_engine("sqlite://")
    with Session(engine) as session:
        health = probes.database(session, migrations_directory=app.extensions["migrate"].directory)
    engine.dispose()
    assert (health.up, health.revisions, health.migrations) == (True, (), "behind")
    assert health.heads == (code_head(app),) and health.latency_ms >= 0


# The outbox


def test_the_outbox_counts_by_state_and_its_oldest_due_message(acme_with_messages, superadmin, redis):
    shown = section(html(superadmin.get("/backoffice/health")), "outbox")
    assert ("Queued, due now 2 Queued for later 1 Sending 1 Failed 3 Oldest due message due 10 min ago "
            "Last sweep never") in shown


def test_the_last_sweep_is_the_time_the_sweeper_recorded(acme_with_messages, superadmin, redis):
    jobs.sweep()
    swept = jobs.last_sweep(redis)
    assert swept is not None and abs(swept - clock.now()) < timedelta(seconds=5)

    shown = section(html(superadmin.get("/backoffice/health")), "outbox")
    assert f"Last sweep {swept:%Y-%m-%d %H:%M:%S} (" in shown
    assert "Queued, due now 2" in shown, "handed to RQ, the rows stay queued until a worker claims them"
    assert "notifications 2" in section(html(superadmin.get("/backoffice/health")), "queues")


@pytest.fixture
def acme_with_messages(app):
    tenant = factories.tenant("acme", name="Acme Dental")
    now = clock.now()
    rows = [("queued", now - timedelta(minutes=10)), ("queued", now - timedelta(minutes=3)),
            ("queued", now + timedelta(days=1)), ("sending", now), ("failed", now), ("failed", now),
            ("failed", now), ("sent", now - timedelta(hours=1))]
    factories.save(tenant, *(
        Notification(tenant_id=tenant.id, channel="email", kind="password_reset", recipient=f"n{i}@example.com",
                     status=status, scheduled_for=at, payload={})
        for i, (status, at) in enumerate(rows)
    ))
    return tenant


# The JSON for uptime monitors


def test_health_json_needs_no_sign_in_and_gives_each_components_state(app, visitor, redis):
    response = visitor(ADMIN_HOST).get("/health.json")

    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert set(body) == {"status", "components"} and body["status"] == "ok"
    components = body["components"]
    assert set(components) == {"database", "redis", "workers"}
    assert components["database"]["status"] == "ok" and components["database"]["migrations"] == "up to date"
    assert isinstance(components["database"]["latency_ms"], float)
    assert components["redis"]["status"] == "ok" and isinstance(components["redis"]["latency_ms"], float)
    assert components["workers"] == {"status": "none running", "count": 0}


def test_health_json_leaks_no_url_password_or_host(app, visitor, database_url):
    app.config["REDIS_URL"] = f"redis://:hunter2-redis@127.0.0.1:{free_port()}/0"

    response = visitor(ADMIN_HOST).get("/health.json")

    body = response.get_data(as_text=True)
    assert response.status_code == 200, "Redis down: degraded, but bookings still commit"
    assert json.loads(body)["status"] == "degraded"
    assert json.loads(body)["components"]["redis"] == {"status": "unreachable", "latency_ms": None}
    for secret in (database_url, app.config["REDIS_URL"], "hunter2-redis", "127.0.0.1", app.config["SECRET_KEY"],
                   "postgres", "sqlite"):
        assert secret not in body


def test_health_json_answers_503_when_the_database_is_down():
    down = f"postgresql://sloty:s3cret-db@127.0.0.1:{free_port()}/sloty"  # nothing listens there
    broken = create_app(app_config(down))
    with broken.app_context():
        response = Visitor(broken, ADMIN_HOST).get("/health.json")
        db.session.remove()
        db.engine.dispose()

    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert json.loads(body) == {"status": "down", "components": {
        "database": {"status": "down", "latency_ms": None, "migrations": None},
        "redis": {"status": "not configured", "latency_ms": None},
        "workers": {"status": "not configured", "count": 0},
    }}
    assert down not in body and "s3cret-db" not in body and "127.0.0.1" not in body


def test_health_json_is_only_on_the_admin_host(app, visitor):
    tenant = factories.tenant("acme", name="Acme Dental")
    assert visitor(host_of(tenant)).get("/health.json").status_code == 404
