"""Real processes for the notification tests: a private redis-server, `flask sloty` worker processes,
an SMTP inbox that holds its first message, due reminders seeded in bulk, and bounded waits."""
import asyncio
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from redis import Redis
from redis.exceptions import RedisError

from app.core import clock
from app.core.database import db
from app.core.tenancy import all_tenants, tenant_context
from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.customers.models import Customer
from app.modules.notifications.models import Notification
from tests.support import factories, services
from tests.support.mail import Inbox, SMTPServer, free_port

ROOT = Path(__file__).resolve().parents[2]
# Only what a worker needs from the test's environment; the rest is set explicitly.
# (libfaketime's variables too: a worker must share the clock of the test that started it.)
INHERITED = (
    "PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH",
    "LD_PRELOAD", "FAKETIME", "DONT_FAKE_MONOTONIC", "FAKETIME_DONT_FAKE_MONOTONIC",
)


def wait_for(condition, *, timeout: float, what, every: float = 0.1):
    """Poll ``condition`` until it returns something truthy; fail saying ``what()`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"after {timeout:.1f}s: {what() if callable(what) else what}", pytrace=False)
        time.sleep(every)


# Redis


def redis_server_binary() -> str:
    """The redis-server executable; required in CI, else the test is skipped."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if services.IN_CI:
            pytest.fail(f"{message}; CI requires it", pytrace=False)
        pytest.skip(message)
    return binary


class RedisServer:
    """A private, non-persistent redis-server on a loopback port, to stop, restart and FLUSHALL at will."""

    def __init__(self, workdir: Path):
        self.binary = redis_server_binary()
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def connection(self) -> Redis:
        return Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=5)

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, what=f"redis-server on port {self.port} never answered")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def _answers(self) -> bool:
        try:
            return self.connection().ping()
        except RedisError:
            return False


# Workers


def worker_environment(database_url: str, redis_url: str, smtp: SMTPServer) -> dict:
    mail = smtp.config()
    return {name: os.environ[name] for name in INHERITED if name in os.environ} | {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "worker-test-secret-key",
        "BASE_DOMAIN": "sloty.test",
        "SMTP_HOST": mail["SMTP_HOST"],
        "SMTP_PORT": str(mail["SMTP_PORT"]),
        "SMTP_STARTTLS": "false",
        "MAIL_FROM": mail["MAIL_FROM"],
        "PYTHONUNBUFFERED": "1",
    }


class Processes:
    """`flask sloty …` subprocesses of one test, each in its own process group, logged to files."""

    def __init__(self, environment: dict, logs: Path):
        self.environment = environment
        self.logs = logs
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def start(self, *arguments: str) -> subprocess.Popen:
        log = self.logs / f"{len(self.started) + 1}-{arguments[0]}.log"
        with open(log, "wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "sloty", *arguments],
                cwd=ROOT, env=self.environment, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: the RQ scheduler it forks dies with it
            )
        self.started.append((process, log))
        return process

    def worker(self, *options: str) -> subprocess.Popen:
        return self.start("worker", *options)

    def run(self, *arguments: str, timeout: float = 60) -> str:
        """Run a command to completion; its output. Fails (with the output) on a non-zero exit or a timeout."""
        process = self.start(*arguments)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill(process)
            pytest.fail(f"`flask sloty {' '.join(arguments)}` still running after {timeout}s:\n{self.output(process)}")
        output = self.output(process)
        assert process.returncode == 0, f"`flask sloty {' '.join(arguments)}` exited {process.returncode}:\n{output}"
        return output

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the process and everything it forked, as a dyno dying would."""
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)

    def stop(self, process: subprocess.Popen, grace: float = 10) -> None:
        """Ask for a warm shutdown; SIGKILL the group if it is not done within ``grace`` seconds."""
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        self.kill(process)

    def stop_all(self) -> None:
        for process, _ in self.started:
            self.stop(process)

    def output(self, process: subprocess.Popen) -> str:
        log = next(log for started, log in self.started if started is process)
        return log.read_text(errors="replace")

    def report(self) -> str:
        """Every process's command, exit code and output, for a failing test's report."""
        return "\n".join(
            f"--- flask sloty {' '.join(process.args[6:])} (pid {process.pid}, exit {process.returncode})\n"
            f"{log.read_text(errors='replace')[-6000:]}"
            for process, log in self.started
        )


# SMTP


class HoldingInbox(Inbox):
    """An inbox that keeps the first message's DATA waiting ``hold`` seconds before accepting it.

    The sender is killed while it waits; aiosmtpd then cancels the handler, so that message is
    never accepted, as a real server drops a transaction whose client vanished before the reply.
    """

    def __init__(self, hold: float):
        super().__init__()
        self.hold = hold
        self.held = threading.Event()  # the first message has arrived and is waiting
        self.dropped = threading.Event()  # its sender went away before it was accepted

    async def handle_DATA(self, server, session, envelope):
        if self.held.is_set():
            return await super().handle_DATA(server, session, envelope)
        self.held.set()
        try:
            await asyncio.sleep(self.hold)
        except asyncio.CancelledError:
            self.dropped.set()
            raise
        return await super().handle_DATA(server, session, envelope)


def smtp_server(inbox: Inbox | None = None) -> SMTPServer:
    server = SMTPServer()
    if inbox is not None:
        server.inbox = server.controller.handler = inbox
    return server


def message_ids(inbox: Inbox) -> Counter:
    with inbox.lock:
        return Counter(message["Message-ID"] for message in inbox.messages)


def recipients(inbox: Inbox) -> Counter:
    with inbox.lock:
        return Counter(message["To"] for message in inbox.messages)


def expected_message_id(notification_id: int) -> str:
    return f"<notification-{notification_id}@sloty.test>"


# The outbox


def seed_due_reminders(count: int) -> dict[int, str]:
    """``count`` bookings in the future, each with an email reminder already due; {notification id: recipient}.

    Inserted in bulk and committed, so worker processes see them.
    """
    tenant = factories.tenant(name="Load Clinic")
    location = factories.location(tenant)
    service = factories.service(tenant, duration_minutes=30)
    provider = factories.provider(tenant, location=location, services=[service])
    now = clock.now().replace(microsecond=0)
    first = now + timedelta(days=2)
    with tenant_context(tenant):
        customer_ids = db.session.scalars(sa.insert(Customer).returning(Customer.id), [
            {"tenant_id": tenant.id, "name": f"Customer {i}", "email": f"customer{i}@example.com"} for i in range(count)
        ]).all()
        starts = [first + timedelta(minutes=30 * i) for i in range(count)]
        appointment_ids = db.session.scalars(sa.insert(Appointment).returning(Appointment.id), [
            {
                "tenant_id": tenant.id, "location_id": location.id, "provider_id": provider.id, "service_id": service.id,
                "starts_at": start, "ends_at": start + timedelta(minutes=30), "blocked_from": start,
                "blocked_until": start + timedelta(minutes=30), "status": "confirmed", "price": service.price,
                "manage_token": secrets.token_urlsafe(32),
            }
            for start in starts
        ]).all()
        participant_ids = db.session.scalars(sa.insert(AppointmentParticipant).returning(AppointmentParticipant.id), [
            {"tenant_id": tenant.id, "appointment_id": a, "customer_id": c, "manage_token": secrets.token_urlsafe(32)}
            for a, c in zip(appointment_ids, customer_ids)
        ]).all()
        recipients_ = [f"customer{i}@example.com" for i in range(count)]
        notification_ids = db.session.scalars(sa.insert(Notification).returning(Notification.id), [
            {
                "tenant_id": tenant.id, "kind": "reminder", "channel": "email", "recipient": recipient,
                "appointment_id": a, "participant_id": p, "status": "queued", "offset_minutes": 24 * 60,
                "scheduled_for": now - timedelta(minutes=1), "payload": {},
            }
            for recipient, a, p in zip(recipients_, appointment_ids, participant_ids)
        ]).all()
        db.session.commit()
    return dict(zip(notification_ids, recipients_))


def statuses() -> Counter:
    """How many notifications are in each status, across tenants, as committed right now."""
    with all_tenants():
        counts = Counter(dict(db.session.execute(
            sa.select(Notification.status, sa.func.count()).group_by(Notification.status)
        ).all()))
        db.session.commit()
    return counts


def notifications(*ids: int) -> list[Notification]:
    """Fresh copies of the notifications ``ids`` (all of them when none given), in id order."""
    db.session.expire_all()
    query = sa.select(Notification).order_by(Notification.id)
    if ids:
        query = query.where(Notification.id.in_(ids))
    with all_tenants():
        found = list(db.session.scalars(query))
        db.session.commit()
    return found
