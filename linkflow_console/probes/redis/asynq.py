"""Asynq job queues and the scheduler's leader key, read from Redis.

Asynq key layout is v0.24's: `asynq:queues` (SET), `asynq:{<q>}:pending` (LIST, LPUSH on
enqueue, RPOPLPUSH on dequeue), `asynq:{<q>}:t:<id>` (HASH with `msg` and `pending_since` in
unix nanoseconds), `asynq:servers` (ZSET of server-info keys scored by expiry), each key a
protobuf ServerInfo, read here by a small pure decoder (no protobuf dependency).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.redis.client import as_text, session

if TYPE_CHECKING:
    from redis.asyncio import Redis

BACKLOG_LIMIT = 1000  # checklist: queue backlog > 1000 jobs is an incident
MAX_QUEUE_WAIT_SECONDS = 30.0
LEADER_KEY = "scheduler:leader"
LEADER_TTL_SECONDS = 30  # LinkFlow's scheduler renews a 30 s lease
ASYNQ_QUEUES_KEY = "asynq:queues"
ASYNQ_SERVERS_KEY = "asynq:servers"


def queue_key(queue: str, suffix: str) -> str:
    return f"asynq:{{{queue}}}:{suffix}"


async def _registered_queues(client: Redis) -> set[str]:
    """The queues Asynq has seen a task for (it SADDs asynq:queues on every enqueue)."""
    return {as_text(q) for q in await client.smembers(ASYNQ_QUEUES_KEY)}


async def _known_queues(ctx: ProbeContext, client: Redis) -> list[str]:
    """The profile's queues plus every registered one: a queue missing from either is still checked."""
    return sorted(set(ctx.setting("redis.queues") or []) | await _registered_queues(client))


def varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def protobuf_fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) pairs of one protobuf message: enough to read asynq's ServerInfo."""
    pos = 0
    while pos < len(data):
        key, pos = varint(data, pos)
        number, wire_type = key >> 3, key & 7
        value: int | bytes
        if wire_type == 0:
            value, pos = varint(data, pos)
        elif wire_type == 2:
            length, pos = varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        elif wire_type in (1, 5):
            size = 8 if wire_type == 1 else 4
            value, pos = data[pos:pos + size], pos + size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire_type}")
        if pos > len(data):
            raise ValueError("truncated protobuf field")
        yield number, value


SERVER_INFO_QUEUES_FIELD = 5  # asynq.proto ServerInfo: map<string, int32> queues = 5


def server_queues(data: bytes) -> dict[str, int]:
    """Queue -> priority that an Asynq server consumes: protobuf (v0.19+) or JSON (older)."""
    if data.lstrip().startswith(b"{"):
        decoded = json.loads(data)
        return {str(q): int(w) for q, w in (decoded.get("Queues") or decoded.get("queues") or {}).items()}
    queues: dict[str, int] = {}
    for number, entry in protobuf_fields(data):
        if number == SERVER_INFO_QUEUES_FIELD and isinstance(entry, bytes):
            fields = dict(protobuf_fields(entry))  # map entry: key = 1, value = 2
            name = fields.get(1, b"")
            queues[as_text(name)] = int(fields.get(2, 0)) if isinstance(fields.get(2, 0), int) else 0
    return queues


@dataclass(frozen=True, slots=True)
class AsynqServer:
    name: str  # host:pid:server_id
    queues: dict[str, int] | None  # None: its info could not be decoded


async def _live_servers(client: Redis, now: float) -> list[AsynqServer]:
    """Servers whose heartbeat has not expired (asynq scores asynq:servers by expiry time)."""
    keys = [as_text(k) for k in await client.zrangebyscore(ASYNQ_SERVERS_KEY, now, "+inf")]
    servers = []
    for key in keys:
        data = await client.get(key)
        if data is None:  # expired between the two reads
            continue
        name = key.removeprefix(f"{ASYNQ_SERVERS_KEY}:").strip("{}")
        try:
            servers.append(AsynqServer(name, server_queues(data)))
        except (ValueError, UnicodeDecodeError, AttributeError, TypeError):
            servers.append(AsynqServer(name, None))
    return servers


@probe("redis.queues")
async def queues_consumed(ctx: ProbeContext) -> Outcome:
    configured = list(ctx.setting("redis.queues") or [])
    async with session(ctx) as client:
        registered = await _registered_queues(client)
        servers = await _live_servers(client, ctx.clock().timestamp())
        dead_letters = {q: await client.zcard(queue_key(q, "archived")) for q in await _known_queues(ctx, client)}
    if not registered and not servers:
        return outcome(Status.WARN, "no Asynq data found (asynq:queues and asynq:servers are empty)",
                       [Evidence(ASYNQ_QUEUES_KEY, "queues", "empty")])
    consumed: set[str] = set()
    evidence: list[Evidence] = []
    for server in servers:
        if server.queues is None:  # unreadable server info: assume it consumes the profile's queues
            consumed |= set(configured)
            evidence.append(Evidence(f"server {server.name}", "queues with priorities",
                                     f"info unreadable; assumed {', '.join(configured)}"))
        else:
            consumed |= set(server.queues)
            priorities = ", ".join(f"{q}={w}" for q, w in sorted(server.queues.items(), key=lambda i: -i[1]))
            evidence.append(Evidence(f"server {server.name}", "queues with priorities", priorities or "none"))
    stranded = sorted(registered - consumed)
    evidence.append(Evidence("live Asynq servers", ">= 1", str(len(servers)), bool(servers)))
    evidence.append(Evidence("queues consumed by no live server", "none", ", ".join(stranded) or "none", not stranded))
    evidence += [Evidence(f"dead letters in {q}", "0", str(n), n == 0) for q, n in dead_letters.items()]
    values = {"live_servers": float(len(servers)), "dead_letters": float(sum(dead_letters.values()))}
    values |= {f"dead_letters.{q}": float(n) for q, n in dead_letters.items()}
    raw = {"asynq_queues": ", ".join(sorted(registered)), "consumed": ", ".join(sorted(consumed)),
           "servers": ", ".join(s.name for s in servers)}
    if stranded:
        who = "no live Asynq server" if not servers else "no live server consumes"
        return outcome(Status.FAIL, f"stranded queue(s): {', '.join(stranded)} ({who})", evidence, raw, values)
    archived = {q: n for q, n in dead_letters.items() if n}
    if archived:
        listing = ", ".join(f"{q} {n}" for q, n in archived.items())
        return outcome(Status.WARN, f"dead letters (archived tasks): {listing}", evidence, raw, values)
    summary = f"{len(registered)} queue(s) consumed by {len(servers)} live server(s), no dead letters"
    return outcome(Status.PASS, summary, evidence, raw, values)


@probe("redis.queue-backlog")
async def queue_backlog(ctx: ProbeContext) -> Outcome:
    async with session(ctx) as client:
        queues = await _known_queues(ctx, client)
        counts = {}
        for queue in queues:
            counts[queue] = (
                await client.llen(queue_key(queue, "pending")),
                await client.llen(queue_key(queue, "active")),
                await client.zcard(queue_key(queue, "scheduled")),
                await client.zcard(queue_key(queue, "retry")),
            )
    evidence = [
        Evidence(f"{queue} pending", f"<= {BACKLOG_LIMIT}", f"{pending} (active {active}, scheduled {scheduled}, "
                 f"retry {retry})", pending <= BACKLOG_LIMIT)
        for queue, (pending, active, scheduled, retry) in counts.items()
    ]
    total = sum(pending for pending, *_ in counts.values())
    values = {"queue_depth": float(total)} | {f"queue_depth.{q}": float(c[0]) for q, c in counts.items()}
    raw = {queue: "pending={} active={} scheduled={} retry={}".format(*c) for queue, c in counts.items()}
    over = [f"{q} ({c[0]})" for q, c in counts.items() if c[0] > BACKLOG_LIMIT]
    if over:
        return outcome(Status.FAIL, f"backlog over {BACKLOG_LIMIT}: {', '.join(over)}", evidence, raw, values)
    return outcome(Status.PASS, f"{total} pending job(s) across {len(counts)} queue(s)", evidence, raw, values)


async def _oldest_pending_since(client: Redis, queue: str) -> tuple[str, float] | None:
    """(task id, enqueue time in unix seconds) of the job next in line, or None when none is pending."""
    for _ in range(3):  # the task may be dequeued between the two reads: look again
        # Asynq LPUSHes new tasks and RPOPLPUSHes from the right: the oldest is the last element.
        task_id = await client.lindex(queue_key(queue, "pending"), -1)
        if task_id is None:
            return None
        task_id = as_text(task_id)
        task_key = queue_key(queue, f"t:{task_id}")
        pending_since, message = await client.hmget(task_key, ["pending_since", "msg"])
        if pending_since is not None:
            try:
                return task_id, int(pending_since) / 1e9  # asynq writes unix nanoseconds
            except ValueError:
                raise ProbeError(f"cannot read the enqueue time of task {task_id} in {queue}: "
                                 f"pending_since is {as_text(pending_since)!r}") from None
        if message is not None:
            raise ProbeError(f"cannot read the enqueue time of task {task_id} in {queue}: "
                             "its hash has no pending_since (Asynq older than v0.19?)")
    raise ProbeError(f"cannot read the enqueue time in {queue}: the pending list keeps changing")


@probe("redis.queue-wait")
async def queue_wait(ctx: ProbeContext) -> Outcome:
    now = ctx.clock().timestamp()
    async with session(ctx) as client:
        queues = await _known_queues(ctx, client)
        oldest = {queue: await _oldest_pending_since(client, queue) for queue in queues}
    waits = {q: max(0.0, now - found[1]) for q, found in oldest.items() if found}
    evidence = [
        Evidence(f"{queue} oldest pending", f"<= {MAX_QUEUE_WAIT_SECONDS:g} s",
                 f"{waits[queue]:.1f} s (task {found[0]})" if found else "none pending",
                 waits.get(queue, 0.0) <= MAX_QUEUE_WAIT_SECONDS)
        for queue, found in oldest.items()
    ]
    longest = max(waits.values(), default=0.0)
    values = {"oldest_wait_seconds": longest} | {f"oldest_wait_seconds.{q}": w for q, w in waits.items()}
    raw = {queue: f"{found[0]} pending_since={found[1]:.3f}" for queue, found in oldest.items() if found}
    late = [f"{q} ({w:.0f} s)" for q, w in waits.items() if w > MAX_QUEUE_WAIT_SECONDS]
    if late:
        return outcome(Status.FAIL, f"jobs waiting over {MAX_QUEUE_WAIT_SECONDS:g} s: {', '.join(late)}",
                       evidence, raw, values)
    if not waits:
        return outcome(Status.PASS, "no pending jobs (wait 0 s)", evidence, raw, values)
    return outcome(Status.PASS, f"oldest pending job waited {longest:.1f} s", evidence, raw, values)


# --- redis.scheduler-leader ---------------------------------------------------------------


@probe("redis.scheduler-leader")
async def scheduler_leader(ctx: ProbeContext) -> Outcome:
    from redis import exceptions

    async with session(ctx) as client:
        ttl_ms = await client.pttl(LEADER_KEY)
        try:
            holder = as_text(await client.get(LEADER_KEY)) if ttl_ms != -2 else None
        except exceptions.ResponseError:  # WRONGTYPE: not the string LinkFlow writes
            holder = f"({as_text(await client.type(LEADER_KEY))}, not a string)"
    ttl = ttl_ms / 1000 if ttl_ms >= 0 else float(ttl_ms)
    ttl_text = {-2: "key missing", -1: "no TTL"}.get(ttl_ms, f"{ttl:.1f} s")
    evidence = [
        Evidence(LEADER_KEY, "exists", "missing" if holder is None else "exists", holder is not None),
        Evidence("TTL", f"0-{LEADER_TTL_SECONDS} s", ttl_text, 0 <= ttl <= LEADER_TTL_SECONDS),
        Evidence("holder", "a scheduler instance id", holder or "none"),
    ]
    raw = {"pttl_ms": ttl_ms, "holder": holder or ""}
    values = {"ttl": ttl}
    if holder is None:
        return outcome(Status.FAIL, "no scheduler leader (scheduler:leader missing)", evidence, raw, values)
    if ttl_ms == -1:
        return outcome(Status.FAIL, "scheduler:leader has no TTL: a dead leader would never be replaced",
                       evidence, raw, values)
    if ttl > LEADER_TTL_SECONDS:
        return outcome(Status.FAIL, f"scheduler:leader TTL {ttl:.0f} s is over {LEADER_TTL_SECONDS} s",
                       evidence, raw, values)
    return outcome(Status.PASS, f"leader {holder}, lease {ttl:.0f} s left", evidence, raw, values)
