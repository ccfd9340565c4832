"""A running worker through a Redis outage: queued messages go out within a sweep interval of Redis
returning, RQ's scheduler comes back, and a transient SMTP failure after the outage is still retried.

The outage is 20 s, not the minute of the incident: RQ's reconnect waits double (1, 2, 4, 8, 16 s …),
so after 20 s down an unbounded worker next looks at Redis 31 s after it went, 11 s after it returned;
that is already longer than this test allows, and a longer outage would only prove the same cap.
"""
import time

import pytest
from rq import Queue, Worker
from rq.registry import ScheduledJobRegistry
from rq.scheduler import RQScheduler

from app.core.database import db
from app.modules.appointments.models import AppointmentParticipant
from app.modules.notifications import jobs
from app.modules.notifications.models import Notification
from tests.support import services
from tests.support.booking import book, booked_token
from tests.support.database import rows
from tests.support.workers import (
    Processes,
    RedisServer,
    expected_message_id,
    message_ids,
    notifications,
    seed_due_reminders,
    smtp_server,
    wait_for,
    worker_environment,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.real_clock]

SWEEP_EVERY = 2.0  # seconds
OUTAGE = 20.0  # seconds Redis is stopped
STARTUP = 30.0  # seconds a worker process may take to start on a busy machine
SENDING = 4.0  # seconds, beyond a sweep interval, to claim and send one message on a busy machine
FIRST_RETRY = 30.0  # seconds: delivery.BACKOFF[0]
SCHEDULER_LOCK = RQScheduler.get_locking_key(jobs.QUEUE)


@pytest.fixture(autouse=True)
def real_services():
    services.require("postgres")
    services.require("redis")


@pytest.fixture
def smtp(app):
    with smtp_server() as server:
        yield server


@pytest.fixture
def worker(app, database_url, redis_server, smtp, tmp_path):
    """A `flask sloty worker` sweeping every SWEEP_EVERY seconds, up with its scheduler; its output is
    printed at teardown, so a failing test's report shows it."""
    run = Processes(worker_environment(database_url, redis_server.url, smtp), tmp_path)
    run.worker("--sweep-every", str(SWEEP_EVERY))
    connection = redis_server.connection()
    wait_for(
        lambda: Worker.count(connection=connection) and connection.exists(SCHEDULER_LOCK), timeout=STARTUP,
        what=lambda: f"the worker or its scheduler never started:\n{run.report()}",
    )
    yield run
    run.stop_all()
    print(run.report())


def outage(redis_server: RedisServer, during=lambda: None) -> float:
    """Stop Redis for OUTAGE seconds, doing ``during()`` meanwhile; the monotonic time it came back."""
    redis_server.stop()
    stopped = time.monotonic()
    during()
    time.sleep(max(0.0, OUTAGE - (time.monotonic() - stopped)))
    redis_server.start()  # the same port, empty, as after a restart without persistence
    return time.monotonic()


def test_after_a_redis_outage_a_waiting_confirmation_goes_out_within_a_sweep_interval(
    app, clinic, visitor, redis_server, smtp, worker,
):
    db.session.commit()  # the clinic, for the worker's own connections
    app.config.update(smtp.config(), REDIS_URL=redis_server.url)
    booked = {}

    def book_while_redis_is_down():
        response = book(visitor(clinic.host), clinic, clinic.at(clinic.day(3), "10:00"))
        assert response.status_code == 303  # the booking commits all the same
        booked["token"] = booked_token(response)

    returned = outage(redis_server, during=book_while_redis_is_down)
    (booking,) = rows(clinic.tenant, AppointmentParticipant, AppointmentParticipant.manage_token == booked["token"])
    (confirmation,) = rows(clinic.tenant, Notification, Notification.kind == "booking_confirmed")
    assert confirmation.participant_id == booking.id

    wait_for(
        lambda: notifications(confirmation.id)[0].status == "sent", timeout=SWEEP_EVERY + SENDING,
        what=lambda: f"the confirmation was not sent: {notifications(confirmation.id)[0].status}\n{worker.report()}",
    )
    took = time.monotonic() - returned
    connection = redis_server.connection()
    wait_for(
        lambda: connection.exists(SCHEDULER_LOCK), timeout=SWEEP_EVERY + SENDING,
        what=lambda: f"RQ's scheduler did not come back after the outage\n{worker.report()}",
    )
    print(f"after {OUTAGE:.0f}s without Redis, the confirmation went out {took:.1f}s after it returned")
    assert message_ids(smtp.inbox) == {expected_message_id(confirmation.id): 1}
    (confirmation,) = notifications(confirmation.id)
    assert (confirmation.status, confirmation.attempts) == ("sent", 1)


def test_after_a_redis_outage_a_transient_smtp_failure_is_still_retried_by_rq(app, redis_server, smtp, worker):
    smtp.inbox.refuse_with = "451 4.3.0 Try again later"
    due = {}
    returned = outage(redis_server, during=lambda: due.update(seed_due_reminders(1)))
    (notification_id,) = due
    job_id = f"notification-{notification_id}-0"  # the sweep's job: the reminder's first attempt
    connection = redis_server.connection()
    scheduled = ScheduledJobRegistry(jobs.QUEUE, connection=connection)

    # What this test holds to is that the retry happens; how soon the first attempt follows Redis's return
    # is the test above's. So the first attempt gets a few sweeps here, for a heavily loaded machine.
    wait_for(
        lambda: job_id in scheduled.get_job_ids(), timeout=SWEEP_EVERY + 3 * SENDING,
        what=lambda: f"the refused reminder got no RQ retry: {notifications(notification_id)[0].last_error}\n{worker.report()}",
    )
    failed_after = time.monotonic() - returned
    (notification,) = notifications(notification_id)
    assert (notification.status, notification.attempts, notification.last_error) == (
        "queued", 1, "SMTP 451: 4.3.0 Try again later",
    )
    smtp.inbox.refuse_with = None

    # Only a live scheduler moves the retry out of its registry onto the queue, where the worker runs it.
    # (The sweep also queues the row when its backoff ends; whichever job comes first sends, the other
    # finds it taken. Without a scheduler the sweep would send it and the retry would sit there.)
    job = Queue(jobs.QUEUE, connection=connection).fetch_job(job_id)
    wait_for(
        lambda: job.get_status(refresh=True) == "finished", timeout=FIRST_RETRY + SWEEP_EVERY + SENDING,
        what=lambda: f"RQ never retried {job_id}: {job.get_status(refresh=True)}\n{worker.report()}",
    )
    wait_for(lambda: notifications(notification_id)[0].status == "sent", timeout=SWEEP_EVERY + SENDING,
             what=lambda: f"the reminder was not sent: {notifications(notification_id)[0].status}")
    print(f"refused {failed_after:.1f}s after Redis returned; RQ's retry returned {job.return_value()!r}")
    assert scheduled.count == 0
    assert job.return_value() in ("sent", "not due or already taken")
    assert message_ids(smtp.inbox) == {expected_message_id(notification_id): 1}
    (notification,) = notifications(notification_id)
    assert (notification.status, notification.attempts) == ("sent", 2)
