"""The Redis servers the probe tests judge (each one redis-server, started once per configuration)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.probes.redis import PASSWORD, client_for
from tests.servers import stop
from tests.servers.redis import RedisFactory, RedisServer, start_sentinel, wait_for_replica


@pytest.fixture(scope="module")
def plain(redis_factory: RedisFactory) -> RedisServer:
    """No password, no AOF, no snapshots, no memory limit, no replica: wrong on every count."""
    return redis_factory()


@pytest.fixture(scope="module")
def hardened(redis_factory: RedisFactory) -> RedisServer:
    return redis_factory("--requirepass", PASSWORD, "--appendonly", "yes", "--save", "3600 1",
                         "--maxmemory", "64mb", "--maxmemory-policy", "noeviction")


@pytest.fixture(scope="module")
def evicting(redis_factory: RedisFactory) -> RedisServer:
    return redis_factory("--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru")


@pytest.fixture(scope="module")
def replicated(redis_factory: RedisFactory) -> RedisServer:
    master = redis_factory("--appendonly", "no", "--loglevel", "warning")  # distinct config: its own process
    redis_factory("--replicaof", "127.0.0.1", str(master.port))
    wait_for_replica(master)
    return master


@pytest.fixture(scope="module")
def sentinel_port(plain: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    proc = start_sentinel(tmp_path_factory.mktemp("sentinel"), plain.port)
    yield proc.port  # type: ignore[attr-defined]
    stop(proc)


@pytest.fixture
def asynq(redis_factory: RedisFactory) -> Iterator[tuple[RedisServer, redis.Redis]]:
    """A Redis for Asynq-shaped data, emptied before each test."""
    server = redis_factory("--databases", "4")  # distinct config: nobody else writes here
    client = client_for(server)
    client.flushall()
    yield server, client
    client.close()
