"""One transaction per request: a request that fails writes nothing and sends nothing.

Each test runs on SQLite and on PostgreSQL, whichever database the suite itself uses, and the
booking tests with Redis (jobs enqueued after commit) and without it (messages sent in-process).
"""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from redis import Redis
from rq import Queue

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.core.transaction import unit_of_work
from app.modules import notifications
from app.modules.customers.models import Customer
from app.modules.notifications import jobs
from app.web import transaction
from tests.conftest import migrate_to_head, running_app
from tests.support import services
from tests.support.booking import CONTACT, book, filled_form
from tests.support.clients import Visitor
from tests.support.database import changed_tables, snapshot
from tests.support.mail import SMTPServer
from tests.support.pages import html, text
from tests.support.practice import build_clinic


@pytest.fixture(scope="session")
def sqlite_url(database_url, tmp_path_factory) -> str:
    if database_url.startswith("sqlite"):
        return database_url
    url = "sqlite:///" + str(tmp_path_factory.mktemp("sqlite") / "sloty-transactions.sqlite3")
    migrate_to_head(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, database_url, sqlite_url) -> str:
    if request.param == "sqlite":
        return sqlite_url
    services.require("postgres")
    return database_url


@pytest.fixture(params=["in-process", "redis"])
def delivery(request):
    """How messages leave after a commit: the RQ queue's URL, or None to send them in-process."""
    if request.param == "in-process":
        return None
    services.require("redis")
    Queue(jobs.QUEUE, connection=Redis.from_url(services.REDIS_URL)).empty()
    return services.REDIS_URL


@pytest.fixture
def failing_app(database, delivery):
    """An app whose errors become the visitor's 500 page, as in production, with a real SMTP inbox."""
    with SMTPServer() as smtp, running_app(database, REDIS_URL=delivery, PROPAGATE_EXCEPTIONS=False) as app:
        app.config.update(smtp.config())
        yield app, smtp


def queued_jobs(redis_url: str | None) -> int:
    return Queue(jobs.QUEUE, connection=Redis.from_url(redis_url)).count if redis_url else 0


def test_a_booking_that_fails_after_its_flush_answers_500_and_writes_and_sends_nothing(failing_app, delivery, monkeypatch):
    app, smtp = failing_app
    clinic = build_clinic()
    customer = clinic_visitor(app, clinic)
    first, second = clinic.at(clinic.day(3), "10:00"), clinic.at(clinic.day(3), "11:00")

    # The control: the same booking, not failing, is written and its confirmation leaves.
    assert book(customer, clinic, first).status_code == 303
    sent = len(smtp.inbox.messages) if delivery is None else queued_jobs(delivery)
    assert sent, "a successful booking sends (or enqueues) its confirmation"
    before, jobs_before, mails_before = snapshot(), queued_jobs(delivery), len(smtp.inbox.messages)

    def fail_after_the_flush(*args, **kwargs):
        raise RuntimeError("reminder scheduling broke")

    monkeypatch.setattr(notifications, "schedule_reminders", fail_after_the_flush)
    response = book(customer, clinic, second, email="second@example.com")

    assert response.status_code == 500
    assert "Something went wrong" in text(html(response))
    assert changed_tables(before) == []
    with tenant_context(clinic.tenant):
        assert db.session.scalar(sa.select(Customer.id).where(Customer.email == "second@example.com")) is None
    assert queued_jobs(delivery) == jobs_before
    assert len(smtp.inbox.messages) == mails_before


def test_a_422_writes_nothing(failing_app):
    app, _ = failing_app
    clinic = build_clinic()
    customer = clinic_visitor(app, clinic)
    form = filled_form(customer, clinic, clinic.at(clinic.day(3), "10:00"), email="not an address")
    before = snapshot()
    response = customer.post(f"/services/{clinic.dental.id}/book", form, csrf=False)
    assert response.status_code == 422
    assert 'value="not an address"' in html(response)
    assert changed_tables(before) == []


def test_a_409_writes_nothing(failing_app):
    app, _ = failing_app
    clinic = build_clinic()
    start = clinic.at(clinic.day(3), "10:00")
    late, early = clinic_visitor(app, clinic), clinic_visitor(app, clinic)
    late_form = filled_form(late, clinic, start, email="late@example.com")  # the page loaded while still free
    assert book(early, clinic, start).status_code == 303
    before = snapshot()
    response = late.post(f"/services/{clinic.dental.id}/book", late_form, csrf=False)
    assert response.status_code == 409
    assert "just been taken" in text(html(response))
    assert changed_tables(before) == []


def test_a_released_savepoint_is_undone_when_its_transaction_rolls_back(database):
    """pysqlite on its own commits when a savepoint is released; SQLite here nests as PostgreSQL does."""
    with running_app(database):
        clinic = build_clinic()
        db.session.commit()  # built before the unit of work under test, which must not undo it
        with tenant_context(clinic.tenant):
            db.session.add(Customer(tenant_id=clinic.tenant.id, name="Outer", email="outer@example.com"))
            with db.session.begin_nested():
                db.session.add(Customer(tenant_id=clinic.tenant.id, name="Inner", email="inner@example.com"))
            db.session.rollback()
            assert stored_emails() == set()


def test_a_rolled_back_savepoint_keeps_the_rest_of_its_unit_of_work(database):
    with running_app(database):
        clinic = build_clinic()
        db.session.commit()  # built before the unit of work under test, which must not undo it
        with tenant_context(clinic.tenant), unit_of_work(db.session):
            db.session.add(Customer(tenant_id=clinic.tenant.id, name="Kept", email="kept@example.com"))
            with pytest.raises(RuntimeError), db.session.begin_nested():
                db.session.add(Customer(tenant_id=clinic.tenant.id, name="Undone", email="undone@example.com"))
                db.session.flush()
                raise RuntimeError("undo the inner part")
        with tenant_context(clinic.tenant):
            assert stored_emails() == {"kept@example.com"}


def test_a_unit_of_work_that_raises_writes_nothing_and_leaves_nothing_to_dispatch(database):
    with running_app(database):
        clinic = build_clinic()
        db.session.commit()  # built before the unit of work under test, which must not undo it
        with tenant_context(clinic.tenant):
            with pytest.raises(RuntimeError), unit_of_work(db.session):
                notifications.queue(
                    db.session, now=clock.now(), tenant_id=clinic.tenant.id, kind="magic_link",
                    recipient=CONTACT["email"], link="https://example.invalid/",
                )
                db.session.flush()
                raise RuntimeError("the job failed")
            assert notifications.outbox.take_committed(db.session, now=clock.now() + timedelta(days=1)) == []
            assert db.session.scalar(sa.text("SELECT count(*) FROM notifications")) == 0


def clinic_visitor(app, clinic) -> Visitor:
    return Visitor(app, clinic.host)


def stored_emails() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(sa.select(Customer.email).where(Customer.email.like("%@example.com"))))


@pytest.mark.parametrize("status,kept", [(200, True), (303, True), (404, False), (409, False), (422, False), (500, False)])
def test_the_request_commits_only_a_successful_answer(database, status, kept):
    """The boundary itself: whatever a view flushed stays only if its answer is a success."""
    with running_app(database) as app:
        clinic = build_clinic()
        db.session.commit()  # built before the unit of work under test, which must not undo it
        with app.test_request_context(), tenant_context(clinic.tenant):
            db.session.add(Customer(tenant_id=clinic.tenant.id, name="Flushed", email="flushed@example.com"))
            db.session.flush()
            transaction.end_of_request(app.response_class(status=status))
        with tenant_context(clinic.tenant):
            assert stored_emails() == ({"flushed@example.com"} if kept else set())
