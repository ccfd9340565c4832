"""Which real services the tests can reach. In CI (the CI variable set) a missing one fails the run.
Under pytest-xdist each worker gets a database and a Redis database of its own, beside the ones named."""
import os
import shutil
from urllib.parse import urlsplit, urlunsplit

import pytest

IN_CI = bool(os.environ.get("CI"))
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# "gw0", "gw1", … in a pytest-xdist worker; unset when the suite runs in one process.
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


def _own_database(url: str | None) -> str | None:
    """The worker's database on the named server: the named one for the first worker, else one beside it
    (``sloty_test_gw1``), created when missing. Each worker empties its own tables between tests."""
    if not url or not WORKER:
        return url
    import sqlalchemy as sa

    named = sa.make_url(url)
    own = named.set(database=f"{named.database}_gw{WORKER}")
    try:
        engine = sa.create_engine(named, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            if connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}) is None:
                connection.execute(sa.text(f'CREATE DATABASE "{own.database}"'))
        engine.dispose()
    except sa.exc.SQLAlchemyError:
        return url  # unreachable: _postgres_problem says so
    return own.render_as_string(hide_password=False)


def _own_redis(url: str) -> str:
    """The worker's Redis database: the named one for the first worker, the ones below it for the rest."""
    if not WORKER:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{(int(parts.path.strip('/') or 0) - WORKER) % 16}"))


DATABASE_URL = _own_database(os.environ.get("TEST_DATABASE_URL"))
REDIS_URL = _own_redis(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))


def _postgres_problem() -> str | None:
    if not DATABASE_URL:
        return "TEST_DATABASE_URL is not set"
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(DATABASE_URL)
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001
        return f"PostgreSQL at TEST_DATABASE_URL is unreachable ({type(error).__name__})"
    return None


def _redis_problem() -> str | None:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except RedisError as error:
        return f"Redis at {REDIS_URL} is unreachable ({type(error).__name__})"
    return None


def _chromium_problem() -> str | None:
    if not shutil.which(CHROMIUM):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


PROBLEMS = {
    "postgres": _postgres_problem(),
    "redis": _redis_problem(),
    "browser": _chromium_problem(),
}

POSTGRES = PROBLEMS["postgres"] is None


def require(service: str) -> None:
    """Skip the current test when ``service`` is missing (fail instead in CI)."""
    problem = PROBLEMS[service]
    if problem:
        if IN_CI:
            pytest.fail(f"{service} is required in CI: {problem}", pytrace=False)
        pytest.skip(f"{service} unavailable: {problem}")
