"""Redis and Asynq probes against real redis-server / redis-sentinel processes on 127.0.0.1."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.engine import run_probe
from linkflow_console.probes.profile import parse_profile
from tests.servers import free_port, stop
from tests.servers.redis import (  # noqa: F401
    RedisFactory,
    RedisServer,
    redis_factory,
    redis_tls_files,
    silent_port,
    start_sentinel,
    wait_for_replica,
)

pytestmark = pytest.mark.servers

PASSWORD = "probe-pass-7f3a9c"
PASSWORD_ENV = "LINKFLOW_TEST_REDIS_PASSWORD"


# --- helpers ------------------------------------------------------------------------------


async def check(probe_id: str, tmp_path: Path, url: str, extra: str = "", clock=None) -> ProbeResult:
    text = f'timeout = 3.0\n[redis]\nurl = "{url}"\n{extra}'
    profile = parse_profile(text, tmp_path / "profile.toml")
    ctx = ProbeContext(profile, clock=clock) if clock else ProbeContext(profile)
    return await run_probe(probe_id, ctx)


def evidence(result: ProbeResult, label: str) -> str:
    return next(e.actual for e in result.evidence if e.label == label)


def with_password(monkeypatch: pytest.MonkeyPatch, password: str = PASSWORD) -> str:
    monkeypatch.setenv(PASSWORD_ENV, password)
    return f'password = {{ env = "{PASSWORD_ENV}" }}\n'


def client_for(server: RedisServer, password: str | None = None) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=server.port, password=password, socket_timeout=5)


# asynq v0.24's enqueueCmd, verbatim in behaviour: task hash with msg/state/pending_since (ns), LPUSH.
ENQUEUE_SCRIPT = """
if redis.call("EXISTS", KEYS[1]) == 1 then return 0 end
redis.call("HSET", KEYS[1], "msg", ARGV[1], "state", "pending", "pending_since", ARGV[3])
redis.call("LPUSH", KEYS[2], ARGV[2])
return 1
"""


def pb_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def pb_field(number: int, value: int | str | bytes) -> bytes:
    if isinstance(value, int):
        return pb_varint(number << 3) + pb_varint(value)
    data = value.encode() if isinstance(value, str) else value
    return pb_varint(number << 3 | 2) + pb_varint(len(data)) + data


def server_info(queues: dict[str, int], host: str = "worker-1", pid: int = 4242) -> bytes:
    """asynq.proto ServerInfo, encoded field by field as protobuf-go would."""
    start_time = pb_field(1, int(time.time())) + pb_field(2, 123)
    return (pb_field(1, host) + pb_field(2, pid) + pb_field(3, "0b1c2d3e") + pb_field(4, 10)
            + b"".join(pb_field(5, pb_field(1, q) + pb_field(2, w)) for q, w in queues.items())
            + pb_field(7, "active") + pb_field(8, start_time) + pb_field(9, 2))


def register_server(client: redis.Redis, queues: dict[str, int], expires_in: float = 30.0) -> None:
    key = f"asynq:servers:{{worker-1:4242:{uuid.uuid4()}}}"
    client.set(key, server_info(queues), ex=60)
    client.zadd("asynq:servers", {key: time.time() + expires_in})


def enqueue(client: redis.Redis, queue: str, waited_seconds: float = 0.0) -> str:
    task_id = str(uuid.uuid4())
    message = pb_field(1, "email:send") + pb_field(3, task_id) + pb_field(4, queue)
    pending_since_ns = time.time_ns() - int(waited_seconds * 1e9)
    client.sadd("asynq:queues", queue)
    client.eval(ENQUEUE_SCRIPT, 2, f"asynq:{{{queue}}}:t:{task_id}", f"asynq:{{{queue}}}:pending",
                message, task_id, pending_since_ns)
    return task_id


# --- servers ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plain(redis_factory: RedisFactory) -> RedisServer:  # noqa: F811
    """No password, no AOF, no snapshots, no memory limit, no replica: wrong on every count."""
    return redis_factory()


@pytest.fixture(scope="module")
def hardened(redis_factory: RedisFactory) -> RedisServer:  # noqa: F811
    return redis_factory("--requirepass", PASSWORD, "--appendonly", "yes", "--save", "3600 1",
                         "--maxmemory", "64mb", "--maxmemory-policy", "noeviction")


@pytest.fixture(scope="module")
def evicting(redis_factory: RedisFactory) -> RedisServer:  # noqa: F811
    return redis_factory("--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru")


@pytest.fixture(scope="module")
def replicated(redis_factory: RedisFactory) -> RedisServer:  # noqa: F811
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
def asynq(redis_factory: RedisFactory) -> Iterator[tuple[RedisServer, redis.Redis]]:  # noqa: F811
    """A Redis for Asynq-shaped data, emptied before each test."""
    server = redis_factory("--databases", "4")  # distinct config: nobody else writes here
    client = client_for(server)
    client.flushall()
    yield server, client
    client.close()


# --- a default redis-server is wrong on every hardening count -----------------------------


@pytest.mark.parametrize(("probe_id", "summary_part", "label", "actual"), [
    ("redis.auth", "without a password", "PING without a password", "PONG"),
    ("redis.aof", "appendonly no", "appendonly", "no"),
    ("redis.memory-policy", "no memory limit", "maxmemory", "0 (no limit)"),
    ("redis.ha", "no HA", "replication", "role master, 0 connected replica(s)"),
    ("redis.rdb-snapshot", "no persistence", "AOF", "off"),
])
async def test_default_server_fails(plain, tmp_path, probe_id, summary_part, label, actual):
    result = await check(probe_id, tmp_path, plain.url())
    assert result.status is Status.FAIL
    assert summary_part in result.summary
    assert evidence(result, label) == actual


async def test_probes_read_info_over_tls(redis_factory, redis_tls_files, tmp_path):  # noqa: F811
    server = redis_factory(tls=redis_tls_files)
    result = await check("redis.aof", tmp_path, server.url(), f'ca_file = "{redis_tls_files.ca_file}"\n')
    assert result.status is Status.FAIL
    assert evidence(result, "appendonly") == "no"


# --- redis.auth ---------------------------------------------------------------------------


async def test_auth_passes_when_password_required_and_probe_password_works(hardened, tmp_path, monkeypatch):
    result = await check("redis.auth", tmp_path, hardened.url(), with_password(monkeypatch))
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "PING without a password").startswith("refused")
    assert evidence(result, "PING with redis.password") == "PONG"
    assert PASSWORD not in repr(result.to_dict())


async def test_auth_acl_default_user_nopass_but_restricted_warns(redis_factory, tmp_path, monkeypatch):  # noqa: F811
    server = redis_factory("--user", "default", "on", "nopass", "-@all",
                           "--user", "probe", "on", f">{PASSWORD}", "~*", "+@all")
    extra = with_password(monkeypatch) + 'username = "probe"\n'
    result = await check("redis.auth", tmp_path, server.url(), extra)
    assert result.status is Status.WARN, result.summary
    assert "default user is on with nopass" in result.summary
    assert evidence(result, "PING without a password").startswith("NOPERM")


async def test_auth_acl_default_user_off_passes(redis_factory, tmp_path, monkeypatch):  # noqa: F811
    server = redis_factory("--user", "default", "off", "--user", "probe", "on", f">{PASSWORD}", "~*", "+@all")
    extra = with_password(monkeypatch) + 'username = "probe"\n'
    result = await check("redis.auth", tmp_path, server.url(), extra)
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "PING without a password") == "refused: Authentication required."


async def test_auth_wrong_probe_password_is_error(hardened, tmp_path, monkeypatch):
    result = await check("redis.auth", tmp_path, hardened.url(), with_password(monkeypatch, "wrong-password"))
    assert result.status is Status.ERROR
    assert "probe credentials rejected" in result.summary
    assert "wrong-password" not in repr(result.to_dict())


async def test_auth_refused_port_is_error(tmp_path):
    result = await check("redis.auth", tmp_path, f"redis://127.0.0.1:{free_port()}/0")
    assert result.status is Status.ERROR
    assert "cannot connect" in result.summary


async def test_auth_silent_port_is_error(silent_port, tmp_path):  # noqa: F811
    result = await check("redis.auth", tmp_path, f"redis://127.0.0.1:{silent_port}/0")
    assert result.status is Status.ERROR
    assert "did not answer" in result.summary or "timed out" in result.summary


# --- redis.aof ----------------------------------------------------------------------------


async def test_aof_passes_when_appendonly_and_writes_ok(hardened, tmp_path, monkeypatch):
    result = await check("redis.aof", tmp_path, hardened.url(), with_password(monkeypatch))
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "appendonly") == "yes"
    assert evidence(result, "last AOF write") == "ok"


async def test_aof_without_probe_password_is_error(hardened, tmp_path):
    result = await check("redis.aof", tmp_path, hardened.url())
    assert result.status is Status.ERROR
    assert "set redis.password" in result.summary


# --- redis.memory-policy ------------------------------------------------------------------


async def test_memory_policy_passes_with_limit_and_noeviction(hardened, tmp_path, monkeypatch):
    result = await check("redis.memory-policy", tmp_path, hardened.url(), with_password(monkeypatch))
    assert result.status is Status.PASS, result.summary
    assert result.values["maxmemory_bytes"] == 64 * 1024 * 1024
    assert 0 < result.values["used_memory_bytes"] < result.values["maxmemory_bytes"]


async def test_memory_policy_fails_on_evicting_policy_saying_why(evicting, tmp_path):
    result = await check("redis.memory-policy", tmp_path, evicting.url())
    assert result.status is Status.FAIL
    assert "allkeys-lru" in result.summary and "Asynq" in result.summary
    assert evidence(result, "maxmemory-policy") == "allkeys-lru"


# --- redis.ha -----------------------------------------------------------------------------


async def test_ha_passes_with_connected_replica(replicated, tmp_path):
    result = await check("redis.ha", tmp_path, replicated.url())
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "replication") == "role master, 1 connected replica(s)"
    assert result.values["connected_replicas"] == 1


async def test_ha_passes_when_sentinel_knows_master(plain, sentinel_port, tmp_path):
    result = await check("redis.ha", tmp_path, plain.url(), f'sentinels = ["127.0.0.1:{sentinel_port}"]\n')
    assert result.status is Status.PASS, result.summary
    assert evidence(result, f"sentinel 127.0.0.1:{sentinel_port}") == f"master at 127.0.0.1:{plain.port}"


async def test_ha_fails_when_sentinel_does_not_know_master(plain, sentinel_port, tmp_path):
    extra = f'sentinels = ["127.0.0.1:{sentinel_port}"]\nsentinel_master = "other"\n'
    result = await check("redis.ha", tmp_path, plain.url(), extra)
    assert result.status is Status.FAIL
    assert evidence(result, f"sentinel 127.0.0.1:{sentinel_port}") == "does not know other"


async def test_ha_unreachable_sentinel_is_error_with_evidence(plain, tmp_path):
    dead = f"127.0.0.1:{free_port()}"
    result = await check("redis.ha", tmp_path, plain.url(), f'sentinels = ["{dead}"]\n')
    assert result.status is Status.ERROR
    assert dead in result.summary
    assert evidence(result, f"sentinel {dead}").startswith("error:")


# --- redis.tls ----------------------------------------------------------------------------


async def test_tls_passes_when_tls_works_and_plaintext_refused(redis_factory, redis_tls_files, tmp_path):  # noqa: F811
    server = redis_factory(tls=redis_tls_files)
    result = await check("redis.tls", tmp_path, server.url(), f'ca_file = "{redis_tls_files.ca_file}"\n')
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "TLS PING") == "+PONG"
    assert result.raw["tls_version"].startswith("TLSv1.")


async def test_tls_fails_when_rediss_port_accepts_plaintext(plain, tmp_path):
    result = await check("redis.tls", tmp_path, f"rediss://127.0.0.1:{plain.port}/0")
    assert result.status is Status.FAIL
    assert "plaintext accepted" in result.summary
    assert evidence(result, "plaintext PING to the same port") == "+PONG"


async def test_tls_untrusted_certificate_is_error(redis_factory, redis_tls_files, tmp_path):  # noqa: F811
    server = redis_factory(tls=redis_tls_files)
    result = await check("redis.tls", tmp_path, server.url())  # no ca_file: the trustme CA is unknown
    assert result.status is Status.ERROR
    assert "CERTIFICATE" in result.summary.upper()


@pytest.mark.parametrize(("host", "status", "summary_part"), [
    ("redis.internal", Status.FAIL, "plaintext over the network"),  # decided from the URL: no traffic
    ("127.0.0.1", Status.PASS, "local only"),
    ("[::1]", Status.PASS, "local only"),
])
async def test_tls_judges_plaintext_url_by_host(tmp_path, host, status, summary_part):
    result = await check("redis.tls", tmp_path, f"redis://{host}:6379/0")
    assert result.status is status
    assert summary_part in result.summary


# --- redis.rdb-snapshot -------------------------------------------------------------------


async def test_rdb_snapshot_passes_with_schedule_and_recent_save(hardened, tmp_path, monkeypatch):
    result = await check("redis.rdb-snapshot", tmp_path, hardened.url(), with_password(monkeypatch))
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "save schedule") == "3600 1"
    assert result.values["rdb_age_hours"] < 24


async def test_rdb_snapshot_warns_when_old_with_unsaved_changes(hardened, tmp_path, monkeypatch):
    with client_for(hardened, PASSWORD) as client:
        client.set("rdb-probe-test", "changed")
    later = datetime.now(UTC) + timedelta(hours=30)
    profile_extra = with_password(monkeypatch)
    result = await check("redis.rdb-snapshot", tmp_path, hardened.url(), profile_extra, clock=lambda: later)
    assert result.status is Status.WARN
    assert result.values["rdb_age_hours"] > 24
    assert "unsaved changes" in result.summary


async def test_rdb_snapshot_warns_when_only_aof(redis_factory, tmp_path):  # noqa: F811
    server = redis_factory("--appendonly", "yes")
    result = await check("redis.rdb-snapshot", tmp_path, server.url())
    assert result.status is Status.WARN
    assert "AOF only" in result.summary


async def test_rdb_snapshot_with_config_disabled_and_no_aof_is_error_not_pass(redis_factory, tmp_path):  # noqa: F811
    # Managed Redis (ElastiCache) refuses CONFIG; INFO cannot show whether anything is scheduled.
    server = redis_factory("--rename-command", "CONFIG", '""')
    result = await check("redis.rdb-snapshot", tmp_path, server.url())
    assert result.status is Status.ERROR, result.summary
    assert "CONFIG GET save refused" in result.summary
    assert evidence(result, "save schedule") == "unknown (CONFIG refused)"


async def test_config_disabled_still_judged_from_info(redis_factory, tmp_path):  # noqa: F811
    server = redis_factory("--rename-command", "CONFIG", '""', "--appendonly", "yes",
                           "--maxmemory", "64mb", "--maxmemory-policy", "volatile-lru")
    assert (await check("redis.aof", tmp_path, server.url())).status is Status.PASS
    memory = await check("redis.memory-policy", tmp_path, server.url())
    assert memory.status is Status.FAIL and "volatile-lru" in memory.summary


# --- redis.queues -------------------------------------------------------------------------


async def test_queues_pass_when_every_queue_is_consumed(asynq, tmp_path):
    server, client = asynq
    for queue in ("critical", "default", "low"):
        enqueue(client, queue)
    register_server(client, {"critical": 6, "default": 3, "low": 1})
    result = await check("redis.queues", tmp_path, server.url())
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "queues consumed by no live server") == "none"
    assert "critical=6, default=3, low=1" in [e.actual for e in result.evidence]


async def test_queues_fail_naming_stranded_queue(asynq, tmp_path):
    server, client = asynq
    for queue in ("critical", "default", "low", "emails"):
        enqueue(client, queue)
    register_server(client, {"critical": 6, "default": 3, "low": 1})
    result = await check("redis.queues", tmp_path, server.url())
    assert result.status is Status.FAIL
    assert "emails" in result.summary
    assert evidence(result, "queues consumed by no live server") == "emails"


async def test_queues_fail_when_the_only_server_expired(asynq, tmp_path):
    server, client = asynq
    enqueue(client, "default")
    register_server(client, {"default": 3}, expires_in=-60)
    result = await check("redis.queues", tmp_path, server.url())
    assert result.status is Status.FAIL
    assert result.values["live_servers"] == 0


async def test_queues_warn_on_dead_letters(asynq, tmp_path):
    server, client = asynq
    enqueue(client, "default")
    register_server(client, {"default": 3})
    client.zadd("asynq:{default}:archived", {"dead-task-1": time.time(), "dead-task-2": time.time()})
    result = await check("redis.queues", tmp_path, server.url(), 'queues = ["default"]\n')
    assert result.status is Status.WARN
    assert result.values["dead_letters.default"] == 2


async def test_queues_warn_without_asynq_data(asynq, tmp_path):
    server, _ = asynq
    result = await check("redis.queues", tmp_path, server.url())
    assert result.status is Status.WARN
    assert "no Asynq data" in result.summary


# --- redis.queue-backlog ------------------------------------------------------------------


async def test_backlog_passes_under_limit(asynq, tmp_path):
    server, client = asynq
    for _ in range(5):
        enqueue(client, "default")
    result = await check("redis.queue-backlog", tmp_path, server.url())
    assert result.status is Status.PASS, result.summary
    assert result.values["queue_depth.default"] == 5
    assert result.values["queue_depth"] == 5


async def test_backlog_fails_naming_queue_over_limit(asynq, tmp_path):
    server, client = asynq
    client.sadd("asynq:queues", "low")
    client.lpush("asynq:{low}:pending", *[f"task-{i}" for i in range(1001)])
    client.zadd("asynq:{low}:retry", {"task-r": time.time()})
    result = await check("redis.queue-backlog", tmp_path, server.url())
    assert result.status is Status.FAIL
    assert "low (1001)" in result.summary
    assert evidence(result, "low pending") == "1001 (active 0, scheduled 0, retry 1)"


# --- redis.queue-wait ---------------------------------------------------------------------


async def test_queue_wait_passes_for_fresh_job(asynq, tmp_path):
    server, client = asynq
    enqueue(client, "default", waited_seconds=90)
    client.rpop("asynq:{default}:pending")  # a worker took the old one
    enqueue(client, "default", waited_seconds=2)
    result = await check("redis.queue-wait", tmp_path, server.url())
    assert result.status is Status.PASS, result.summary
    assert 1 < result.values["oldest_wait_seconds.default"] < 30


async def test_queue_wait_fails_when_oldest_job_waits_too_long(asynq, tmp_path):
    server, client = asynq
    old_task = enqueue(client, "critical", waited_seconds=60)
    enqueue(client, "critical", waited_seconds=1)
    result = await check("redis.queue-wait", tmp_path, server.url())
    assert result.status is Status.FAIL
    assert "critical" in result.summary
    assert old_task in evidence(result, "critical oldest pending")
    assert result.values["oldest_wait_seconds"] >= 60


async def test_queue_wait_passes_with_nothing_pending(asynq, tmp_path):
    server, _ = asynq
    result = await check("redis.queue-wait", tmp_path, server.url())
    assert result.status is Status.PASS
    assert result.values["oldest_wait_seconds"] == 0


async def test_queue_wait_unreadable_enqueue_time_is_error(asynq, tmp_path):
    server, client = asynq
    client.hset("asynq:{default}:t:legacy-1", mapping={"msg": b"\x0a\x03old", "state": "pending"})
    client.lpush("asynq:{default}:pending", "legacy-1")
    result = await check("redis.queue-wait", tmp_path, server.url())
    assert result.status is Status.ERROR
    assert "cannot read the enqueue time" in result.summary


# --- redis.scheduler-leader ---------------------------------------------------------------


async def test_scheduler_leader_passes_with_short_lease(asynq, tmp_path):
    server, client = asynq
    holder = str(uuid.uuid4())
    client.set("scheduler:leader", holder, ex=30)
    result = await check("redis.scheduler-leader", tmp_path, server.url())
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "holder") == holder
    assert 0 < result.values["ttl"] <= 30


@pytest.mark.parametrize(("lease_seconds", "summary_part", "lowest_ttl", "highest_ttl"), [
    (None, "no scheduler leader", -2, -2),  # PTTL -2: no key
    (0, "has no TTL", -1, -1),  # written without expiry
    (300, "is over 30 s", 290, 300),
])
async def test_scheduler_leader_fails(asynq, tmp_path, lease_seconds, summary_part, lowest_ttl, highest_ttl):
    server, client = asynq
    if lease_seconds is not None:
        client.set("scheduler:leader", "some-leader", ex=lease_seconds or None)
    result = await check("redis.scheduler-leader", tmp_path, server.url())
    assert result.status is Status.FAIL
    assert summary_part in result.summary
    assert lowest_ttl <= result.values["ttl"] <= highest_ttl


def test_server_info_encoding_matches_protobuf_wire_format():
    # field 5 (map entry, wire type 2) = 0x2a, entry of 11 bytes: key "default" (0x0a 0x07 ...), value 3 (0x10 0x03)
    assert b"\x2a\x0b\x0a\x07default\x10\x03" in server_info({"default": 3})
