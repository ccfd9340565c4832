"""Notifications through real worker processes, a real Redis and a real SMTP server: a worker killed
mid-send, a thousand reminders across several workers, a booking while Redis is stopped, a job
delivered twice, and SMTP failures.

Each test runs its own redis-server on a free port, so it can stop, restart and FLUSHALL it, and
never shares a queue with another test run; workers are `flask sloty worker` subprocesses on the
session's PostgreSQL database, which they share with the test.
"""
import time
from datetime import timedelta

import pytest
from rq import Queue, Worker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from app.core import clock
from app.core.database import db
from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.notifications import jobs
from app.modules.notifications.models import Notification
from tests.support import services
from tests.support.booking import book, booked_token
from tests.support.database import rows
from tests.support.workers import (
    HoldingInbox,
    Processes,
    expected_message_id,
    message_ids,
    notifications,
    recipients,
    seed_due_reminders,
    smtp_server,
    statuses,
    wait_for,
    worker_environment,
)

# Worker processes keep the machine's clock, which this process shares with them.
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.real_clock]

SWEEP_EVERY = 1.0  # seconds, for the worker-loss test
LEASE = 3.0  # seconds a claimed message may stay "sending" before a sweep queues it again
STARTUP = 30.0  # seconds a worker process may take to start on a busy machine
SENDING = 10.0  # seconds to send the worker-loss test's 30 messages on a busy two-core machine


@pytest.fixture(autouse=True)
def real_services():
    services.require("postgres")  # worker processes and the test share one database
    services.require("redis")


@pytest.fixture
def clinic(clinic):
    """The clinic, committed: worker processes read it on connections of their own."""
    db.session.commit()
    return clinic


@pytest.fixture
def smtp(app):
    with smtp_server() as server:
        yield server


@pytest.fixture
def processes(app, database_url, tmp_path):
    """``processes(smtp, redis_url)``: a launcher of `flask sloty` subprocesses, all stopped after the test.

    Their output is printed at teardown, so a failing test's report shows it.
    """
    launched = []

    def launcher(smtp, redis_url) -> Processes:
        launched.append(Processes(worker_environment(database_url, redis_url, smtp), tmp_path))
        return launched[-1]

    yield launcher
    for each in launched:
        each.stop_all()
        print(each.report())


def test_worker_killed_mid_send_and_redis_flushed_still_sends_every_due_reminder_exactly_once(
    app, redis_server, processes,
):
    """The SMTP server holds the first message before accepting it, so the worker dies mid-send, before the
    server took the message: the case the lease recovers. (A worker killed after the server's 250 but
    before it recorded "sent" would have its message sent again; the stable Message-ID lets receivers
    drop such a repeat.)"""
    with smtp_server(HoldingInbox(hold=60)) as smtp:
        expected = seed_due_reminders(30)
        run = processes(smtp, redis_server.url)
        options = ("--sweep-every", str(SWEEP_EVERY), "--lease", str(LEASE))

        doomed = run.worker(*options)
        wait_for(smtp.inbox.held.is_set, timeout=STARTUP, what="the first worker never began sending")
        run.kill(doomed)  # kill -9, mid-job: its message is still waiting for the server's reply
        wait_for(smtp.inbox.dropped.is_set, timeout=10, what="the SMTP server never saw the killed worker go")
        assert statuses() == {"sending": 1, "queued": 29}
        assert message_ids(smtp.inbox) == {}

        connection = redis_server.connection()
        connection.flushall()  # every job, registry and lock is gone; only the outbox remains
        assert connection.dbsize() == 0

        run.worker(*options)
        wait_for(lambda: Worker.count(connection=connection), timeout=STARTUP, what="the new worker never started")
        # The first sweep queues the 29; the held message's lease runs out within LEASE of the kill, and
        # the next sweep queues it again: two sweep intervals plus the lease, and the time to send them.
        wait_for(
            lambda: statuses() == {"sent": 30}, timeout=2 * SWEEP_EVERY + LEASE + SENDING,
            what=lambda: f"not every reminder was sent: {dict(statuses())}, {len(smtp.inbox.messages)} received",
        )
        run.stop_all()  # nothing else can be sent from here on

    assert message_ids(smtp.inbox) == {expected_message_id(id_): 1 for id_ in expected}
    assert recipients(smtp.inbox) == {recipient: 1 for recipient in expected.values()}
    sent = notifications()
    assert sorted(n.attempts for n in sent) == [1] * 29 + [2]  # the one the dead worker held, tried again
    assert all(n.provider_message_id == expected_message_id(n.id) and n.sent_at for n in sent)


def test_three_workers_and_their_sweepers_send_a_thousand_due_reminders_once_each(app, redis_server, smtp, processes):
    expected = seed_due_reminders(1000)
    run = processes(smtp, redis_server.url)
    for _ in range(3):
        run.worker("--sweep-every", "5")  # each worker runs a sweeper too: three of them, racing

    started = time.monotonic()
    wait_for(
        lambda: statuses() == {"sent": 1000}, timeout=120, every=0.5,
        what=lambda: f"not all sent: {dict(statuses())}, {len(smtp.inbox.messages)} received",
    )
    elapsed = time.monotonic() - started
    connection = redis_server.connection()
    shares = sorted(worker.successful_job_count for worker in Worker.all(connection=connection))
    run.stop_all()

    received = message_ids(smtp.inbox)
    assert sum(received.values()) == 1000, f"{sum(received.values()) - len(received)} duplicates"
    assert received == {expected_message_id(id_): 1 for id_ in expected}
    assert len(shares) == 3 and all(shares), f"the work was not shared: jobs per worker {shares}"
    assert FailedJobRegistry(jobs.QUEUE, connection=connection).count == 0
    print(f"1,000 reminders in {elapsed:.1f}s; jobs per worker {shares}")


def test_a_booking_while_redis_is_stopped_commits_and_its_confirmation_goes_out_once_redis_returns(
    app, clinic, visitor, redis_server, smtp, processes,
):
    redis_server.stop()
    app.config.update(smtp.config(), REDIS_URL=redis_server.url)
    start = clinic.at(clinic.day(3), "10:00")

    response = book(visitor(clinic.host), clinic, start)

    assert response.status_code == 303
    (booking,) = rows(clinic.tenant, AppointmentParticipant, AppointmentParticipant.manage_token == booked_token(response))
    (appointment,) = rows(clinic.tenant, Appointment)
    assert (appointment.id, appointment.status, appointment.starts_at) == (booking.appointment_id, "confirmed", start)
    (confirmation,) = rows(clinic.tenant, Notification, Notification.kind == "booking_confirmed")
    assert (confirmation.status, confirmation.attempts, confirmation.participant_id) == ("queued", 0, booking.id)
    assert smtp.inbox.messages == []

    redis_server.start()  # the same port, empty: the job dispatch tried to enqueue never existed
    processes(smtp, redis_server.url).run("worker", "--burst")  # its sweep finds the row, then it drains the queue

    assert message_ids(smtp.inbox) == {expected_message_id(confirmation.id): 1}
    assert [m["To"] for m in smtp.inbox.messages] == ["grace@example.com"]
    (confirmation,) = rows(clinic.tenant, Notification, Notification.kind == "booking_confirmed")
    assert (confirmation.status, confirmation.attempts) == ("sent", 1)
    reminders = rows(clinic.tenant, Notification, Notification.kind == "reminder")
    assert reminders and {r.status for r in reminders} == {"queued"}  # not due yet


def test_a_job_delivered_twice_sends_once(app, redis_server, smtp, processes):
    (notification_id,) = seed_due_reminders(1)
    (notification,) = notifications(notification_id)
    connection = redis_server.connection()
    # Two jobs for one message, as when a sweep re-queues it while its first job is still around.
    assert jobs.enqueue(connection, notification.tenant_id, notification_id, 0)
    assert jobs.enqueue(connection, notification.tenant_id, notification_id, 1)
    assert not jobs.enqueue(connection, notification.tenant_id, notification_id, 0)  # one job per attempt

    processes(smtp, redis_server.url).run("worker", "--burst")

    assert message_ids(smtp.inbox) == {expected_message_id(notification_id): 1}
    queue = Queue(jobs.QUEUE, connection=connection)
    outcomes = [queue.fetch_job(f"notification-{notification_id}-{n}").return_value() for n in (0, 1)]
    assert sorted(outcomes) == ["not due or already taken", "sent"]
    (notification,) = notifications(notification_id)
    assert (notification.status, notification.attempts) == ("sent", 1)


def test_a_transient_smtp_failure_queues_the_message_again_later_and_schedules_an_rq_retry(
    app, redis_server, smtp, processes,
):
    smtp.inbox.refuse_with = "451 Try again later"
    (notification_id,) = seed_due_reminders(1)
    before = clock.now()

    processes(smtp, redis_server.url).run("worker", "--burst")

    after = clock.now()
    (notification,) = notifications(notification_id)
    assert (notification.status, notification.attempts, notification.sent_at) == ("queued", 1, None)
    assert notification.last_error == "SMTP 451: Try again later"
    first_backoff = timedelta(seconds=30)
    assert before + first_backoff <= notification.scheduled_for <= after + first_backoff
    connection = redis_server.connection()
    scheduled = ScheduledJobRegistry(jobs.QUEUE, connection=connection)
    job_id = f"notification-{notification_id}-0"
    assert scheduled.get_job_ids() == [job_id]
    second = timedelta(seconds=1)  # RQ keeps the time in whole seconds
    assert before + first_backoff - second <= scheduled.get_scheduled_time(job_id) <= after + first_backoff + second
    assert Queue(jobs.QUEUE, connection=connection).fetch_job(job_id).retries_left == jobs.RETRY.max - 1
    assert smtp.inbox.messages == []


def test_a_permanent_smtp_failure_fails_the_message_with_the_error_and_no_retry(app, redis_server, smtp, processes):
    smtp.inbox.refuse_with = "550 No such user"
    (notification_id,) = seed_due_reminders(1)

    processes(smtp, redis_server.url).run("worker", "--burst")

    (notification,) = notifications(notification_id)
    assert (notification.status, notification.attempts, notification.sent_at) == ("failed", 1, None)
    assert notification.last_error == "SMTP 550: No such user"
    connection = redis_server.connection()
    assert ScheduledJobRegistry(jobs.QUEUE, connection=connection).count == 0
    job = Queue(jobs.QUEUE, connection=connection).fetch_job(f"notification-{notification_id}-0")
    assert job.return_value() == "failed"
    assert smtp.inbox.messages == []
