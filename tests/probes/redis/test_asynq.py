"""Asynq queues and the scheduler leader key against a real redis-server, and the pure protobuf
reader for Asynq's server info (no server needed for those)."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from linkflow_console.probes.base import Status
from tests.probes.redis import check, evidence, pb_field, server_info

pytestmark = pytest.mark.servers


# asynq v0.24's enqueueCmd, verbatim in behaviour: task hash with msg/state/pending_since (ns), LPUSH.
ENQUEUE_SCRIPT = """
if redis.call("EXISTS", KEYS[1]) == 1 then return 0 end
redis.call("HSET", KEYS[1], "msg", ARGV[1], "state", "pending", "pending_since", ARGV[3])
redis.call("LPUSH", KEYS[2], ARGV[2])
return 1
"""


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
