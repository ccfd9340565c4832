"""Which real services the tests can reach. In CI (the CI variable set) a missing one fails the run."""
import os
import shutil

import pytest

IN_CI = bool(os.environ.get("CI"))
DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


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
