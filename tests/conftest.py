"""Fixtures: a fixed clock, a database migrated once per run, a fresh app per test, visitors per host."""
import os
from contextlib import contextmanager
from datetime import datetime

import pytest
import sqlalchemy as sa
import time_machine
from jinja2 import BytecodeCache

from app import create_app
from app.core.database import db
from tests.support import factories, services
from tests.support.clients import ADMIN_HOST, BASE_DOMAIN, Visitor

pytest_plugins = ["tests.support.fixtures", "tests.support.queries", "tests.support.routes"]

TEST_SECRET = "test-secret-key"
# A Wednesday morning in March, before Europe and America change their clocks. SLOTY_TEST_NOW runs
# the suite at another instant, as CI's and anyone's checks of other hours and seasons do.
DEFAULT_NOW = "2031-03-12T09:30:00+00:00"


def pytest_sessionstart(session):
    if services.IN_CI:
        missing = [f"{name}: {problem}" for name, problem in services.PROBLEMS.items() if problem]
        if missing:
            pytest.exit("CI requires PostgreSQL, Redis and Chromium — " + "; ".join(missing), returncode=1)


def pytest_report_header(config):
    lines = [f"database: {'PostgreSQL (TEST_DATABASE_URL)' if services.POSTGRES else 'SQLite (set TEST_DATABASE_URL for PostgreSQL)'}"]
    lines += [f"SKIPPING tests that need {name}: {problem}" for name, problem in services.PROBLEMS.items() if problem]
    return lines


@pytest.fixture(autouse=True)
def clock(request):
    """Every test starts at a known instant, then time runs on from it (``tick``): the app's clock,
    the test's and the browser tests' server all read it. ``@pytest.mark.now("…")`` picks another;
    ``@pytest.mark.real_clock`` keeps the machine's, for tests of other processes."""
    if request.node.get_closest_marker("real_clock"):
        yield None
        return
    marker = request.node.get_closest_marker("now")
    start = datetime.fromisoformat(marker.args[0] if marker else os.environ.get("SLOTY_TEST_NOW", DEFAULT_NOW))
    with time_machine.travel(start, tick=True) as traveller:
        yield traveller


def app_config(database_url: str, **overrides) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BASE_DOMAIN": BASE_DOMAIN,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
        **overrides,
    }


def migrate_to_head(database_url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(app_config(database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def reset_postgres_schema(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Still argon2id, with the smallest cost: tests hash hundreds of passwords."""
    from argon2 import PasswordHasher

    from app.modules.accounts import users

    production = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    users._decoy_hash.cache_clear()
    yield
    users._hasher = production
    users._decoy_hash.cache_clear()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if services.POSTGRES:
        url = services.DATABASE_URL
        reset_postgres_schema(url)
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "sloty-test.sqlite3")
    migrate_to_head(url)
    return url


def empty_all_tables() -> None:
    """DELETE, children first, on both databases: far cheaper than PostgreSQL's TRUNCATE of every
    table (about 0.7 s a test). Ids keep counting across tests, so no test may expect a given id.
    The audit trail is append-only (its guard refuses a DELETE, PostgreSQL's trigger too), so it is
    emptied as only an operator could: TRUNCATE, which no row trigger sees, or SQLite's raw DELETE."""
    emptied = "TRUNCATE audit_events" if db.engine.dialect.name == "postgresql" else "DELETE FROM audit_events"
    db.session.execute(sa.text(emptied))
    for table in reversed(db.metadata.sorted_tables):
        if table.name != "audit_events":
            db.session.execute(table.delete())
    db.session.commit()


class SharedBytecode(BytecodeCache):
    """Compiled templates, kept across the fresh app each test builds (keyed by name and source)."""

    compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


@contextmanager
def running_app(database_url: str, **overrides):
    """An app on the test database with its context pushed; every table is emptied afterwards."""
    app = create_app(app_config(database_url, **overrides))
    app.jinja_env.bytecode_cache = SharedBytecode()  # compiling every template for every test dominated run time
    with app.app_context():
        yield app
        db.session.remove()
        empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(database_url):
    with running_app(database_url) as app:
        yield app


@pytest.fixture
def visitor(app):
    """Make a browser-like visitor of one host: ``visitor("acme.sloty.test")``."""
    return lambda host: Visitor(app, host)


@pytest.fixture
def superadmin(app, visitor):
    """A superadmin signed in on the backoffice host."""
    factories.user(None, email="root@sloty.test")
    member = visitor(ADMIN_HOST)
    assert member.sign_in("root@sloty.test", factories.PASSWORD).status_code == 303
    return member


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
