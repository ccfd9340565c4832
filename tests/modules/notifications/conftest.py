"""Fixtures of the worker-process tests (test_notification_workers, test_redis_outage)."""
import pytest

from tests.support.workers import RedisServer


@pytest.fixture
def redis_server(tmp_path):
    """A private redis-server of the test's own, to stop and start at will."""
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()
