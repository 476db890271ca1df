"""Redis and Asynq probes: authentication, persistence, memory policy, HA, TLS, job queues, leader key.

All talk goes through redis.asyncio clients built by `_new_client`: no retries (redis-py 8
retries ConnectionError, and AuthenticationError is one, so a wrong password would cost
seconds) and connect/read timeouts shorter than the probe's. Asynq key layout is v0.24's:
`asynq:queues` (SET), `asynq:{<q>}:pending` (LIST, LPUSH on enqueue, RPOPLPUSH on dequeue),
`asynq:{<q>}:t:<id>` (HASH with `msg` and `pending_since` in unix nanoseconds),
`asynq:servers` (ZSET of server-info keys scored by expiry), each key a protobuf ServerInfo.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext

if TYPE_CHECKING:
    from redis.asyncio import Redis

BACKLOG_LIMIT = 1000  # checklist: queue backlog > 1000 jobs is an incident
MAX_QUEUE_WAIT_SECONDS = 30.0
LEADER_KEY = "scheduler:leader"
LEADER_TTL_SECONDS = 30  # LinkFlow's scheduler renews a 30 s lease
SNAPSHOT_MAX_AGE_HOURS = 24.0
MEMORY_NEAR_FULL_RATIO = 0.9  # with noeviction, writes start failing at the limit
ASYNQ_QUEUES_KEY = "asynq:queues"
ASYNQ_SERVERS_KEY = "asynq:servers"
# RESP replies start with one of these bytes; a TLS alert starts with 0x15.
RESP_FIRST_BYTES = b"+-:$*"
PING_COMMAND = b"*1\r\n$4\r\nPING\r\n"


# --- connection ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RedisTarget:
    host: str
    port: int
    db: int
    tls: bool
    username: str | None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def _target(ctx: ProbeContext) -> RedisTarget:
    url = str(ctx.setting("redis.url"))
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ProbeError(f"redis.url must start with redis:// or rediss://, not {url!r}")
    if not parts.hostname:
        raise ProbeError(f"redis.url names no host: {url!r}")
    path = parts.path.strip("/")
    if path and not path.isdigit():
        raise ProbeError(f"redis.url path must be a database number, not {path!r}")
    try:
        port = parts.port or 6379
    except ValueError:
        raise ProbeError(f"redis.url has an invalid port: {url!r}") from None
    return RedisTarget(
        host=parts.hostname,
        port=port,
        db=int(path or 0),
        tls=parts.scheme == "rediss",
        username=ctx.setting("redis.username") or parts.username,
    )


def _new_client(
    ctx: ProbeContext, host: str, port: int, *, tls: bool, db: int = 0,
    username: str | None = None, password: str | None = None,
) -> Redis:
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    limit = ctx.timeout * 0.8
    options: dict[str, Any] = {
        "host": host, "port": port, "db": db, "username": username, "password": password,
        "socket_connect_timeout": limit, "socket_timeout": limit,
        "retry": Retry(NoBackoff(), 0),
        "protocol": 2,  # RESP2: no HELLO, so Redis 5/6 and managed services answer the same way
        "single_connection_client": True,
    }
    if tls:
        options.update(ssl=True, ssl_ca_certs=ctx.setting("redis.ca_file"))
    return Redis(**options)


@contextmanager
def _redis_errors(address: str, *, with_password: bool) -> Iterator[None]:
    """Turn redis-py's exceptions into ProbeError: the probe could not tell, and why."""
    from redis import exceptions

    try:
        yield
    except exceptions.AuthenticationError as exc:
        if with_password:
            raise ProbeError(f"probe credentials rejected by {address}: {exc}") from None
        raise ProbeError(f"{address} requires a password: set redis.password in the profile") from None
    except exceptions.TimeoutError:
        raise ProbeError(f"{address} did not answer in time") from None
    except exceptions.ConnectionError as exc:
        raise ProbeError(f"cannot talk to Redis at {address}: {exc}") from None
    except exceptions.ResponseError as exc:
        raise ProbeError(f"{address} refused a command: {exc}") from None


@asynccontextmanager
async def _session(ctx: ProbeContext) -> AsyncIterator[Redis]:
    """An authenticated client for redis.url; errors inside the block become ProbeError."""
    target = _target(ctx)
    await ctx.ensure_reachable(target.host, target.port)
    password = await ctx.secret("redis.password")
    client = _new_client(ctx, target.host, target.port, tls=target.tls, db=target.db,
                         username=target.username, password=password)
    try:
        with _redis_errors(target.address, with_password=password is not None):
            yield client
    finally:
        await client.aclose()


async def _config_value(client: Redis, name: str) -> str | None:
    """CONFIG GET name, or None where CONFIG is disabled or not permitted (managed Redis)."""
    from redis import exceptions

    try:
        reply = await client.config_get(name)
    except exceptions.ResponseError:
        return None
    value = reply.get(name)
    return _text(value) if value is not None else None


async def _server_info(ctx: ProbeContext, *sections: str) -> dict[str, Any]:
    async with _session(ctx) as client:
        merged: dict[str, Any] = {}
        for section in sections:
            merged.update(await client.info(section))
        return merged


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _int(info: dict[str, Any], key: str, default: int = 0) -> int:
    try:
        return int(info.get(key, default))
    except (TypeError, ValueError):
        return default


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --- redis.auth ---------------------------------------------------------------------------


@probe("redis.auth")
async def password_required(ctx: ProbeContext) -> Outcome:
    """An unauthenticated PING must be refused; the profile's password, when set, must work."""
    from redis import exceptions

    target = _target(ctx)
    await ctx.ensure_reachable(target.host, target.port)
    anonymous = _new_client(ctx, target.host, target.port, tls=target.tls, db=target.db)
    try:
        with _redis_errors(target.address, with_password=False):
            try:
                await anonymous.ping()
                anonymous_reply = "PONG"
            except exceptions.AuthenticationError as exc:  # redis-py raises it for NOAUTH
                anonymous_reply = f"refused: {exc}"
            except exceptions.NoPermissionError as exc:  # ACL: default user on, nopass, PING denied
                anonymous_reply = f"NOPERM: {exc}"
    finally:
        await anonymous.aclose()
    refused = anonymous_reply != "PONG"
    acl_only = anonymous_reply.startswith("NOPERM")
    evidence = [Evidence("PING without a password", "refused (NOAUTH)", anonymous_reply, refused and not acl_only)]
    raw = {"unauthenticated_reply": anonymous_reply}
    if not refused:
        return outcome(Status.FAIL, f"Redis answers without a password at {target.address}", evidence, raw)
    if acl_only:
        return outcome(
            Status.WARN,
            f"no password asked at {target.address}: the ACL default user is on with nopass, only its command "
            "permissions refused PING (turn it off: `user default off`)",
            evidence, raw,
        )
    if ctx.setting("redis.password") is None:
        evidence.append(Evidence("PING with redis.password", "PONG", "not checked: redis.password not set"))
        return outcome(Status.PASS, "unauthenticated commands refused", evidence, raw)
    async with _session(ctx) as client:
        await client.ping()
    evidence.append(Evidence("PING with redis.password", "PONG", "PONG", True))
    raw["authenticated_reply"] = "PONG"
    return outcome(Status.PASS, "password required, and the probe's password works", evidence, raw)


# --- redis.aof ----------------------------------------------------------------------------


@probe("redis.aof")
async def append_only_file(ctx: ProbeContext) -> Outcome:
    info = await _server_info(ctx, "persistence")
    enabled = _int(info, "aof_enabled") == 1
    write_status = str(info.get("aof_last_write_status", "unknown"))
    rewrite_status = str(info.get("aof_last_bgrewrite_status", "unknown"))
    evidence = [
        Evidence("appendonly", "yes", "yes" if enabled else "no", enabled),
        Evidence("last AOF write", "ok", write_status, write_status == "ok" if enabled else None),
        Evidence("last AOF rewrite", "ok", rewrite_status, rewrite_status == "ok" if enabled else None),
    ]
    raw = {key: info.get(key, "") for key in ("aof_enabled", "aof_last_write_status", "aof_last_bgrewrite_status",
                                               "aof_rewrites_consecutive_failures")}
    if not enabled:
        return outcome(Status.FAIL, "AOF persistence is off (appendonly no)", evidence, raw)
    if write_status != "ok":
        return outcome(Status.FAIL, f"AOF is on but the last write failed ({write_status})", evidence, raw)
    if rewrite_status != "ok":
        return outcome(Status.FAIL, f"AOF is on but the last rewrite failed ({rewrite_status})", evidence, raw)
    return outcome(Status.PASS, "AOF on, last write and rewrite ok", evidence, raw)


# --- redis.memory-policy ------------------------------------------------------------------


@probe("redis.memory-policy")
async def memory_policy(ctx: ProbeContext) -> Outcome:
    info = await _server_info(ctx, "memory")
    limit = _int(info, "maxmemory")
    used = _int(info, "used_memory")
    policy = str(info.get("maxmemory_policy", "unknown"))
    ratio = used / limit if limit else 0.0
    evidence = [
        Evidence("maxmemory", "> 0", f"{limit} bytes" if limit else "0 (no limit)", limit > 0),
        Evidence("maxmemory-policy", "noeviction", policy, policy == "noeviction"),
        Evidence("used memory", f"< {MEMORY_NEAR_FULL_RATIO:.0%} of maxmemory",
                 f"{used} bytes" + (f" ({ratio:.1%})" if limit else ""),
                 ratio < MEMORY_NEAR_FULL_RATIO if limit else None),
    ]
    raw = {"maxmemory": limit, "maxmemory_policy": policy, "used_memory": used}
    values = {"used_memory_bytes": float(used), "maxmemory_bytes": float(limit)}
    if limit:
        values["memory_used_ratio"] = ratio
    if not limit:
        return outcome(Status.FAIL, "no memory limit (maxmemory 0): Redis can take the host's memory",
                       evidence, raw, values)
    if policy != "noeviction":
        return outcome(
            Status.FAIL,
            f"maxmemory-policy is {policy}: under memory pressure Redis evicts Asynq queues, the scheduler "
            "leader key and the token blacklist, losing jobs and sessions; use noeviction",
            evidence, raw, values,
        )
    if ratio >= MEMORY_NEAR_FULL_RATIO:
        return outcome(Status.WARN, f"memory {ratio:.0%} of maxmemory: writes fail at the limit (noeviction)",
                       evidence, raw, values)
    return outcome(Status.PASS, f"maxmemory {limit} bytes, noeviction, {ratio:.0%} used", evidence, raw, values)


# --- redis.ha -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SentinelAnswer:
    evidence: Evidence
    knows_master: bool
    unreachable: str | None = None  # why we could not ask it


async def _ask_sentinel(ctx: ProbeContext, address: str, master: str, tls: bool) -> SentinelAnswer:
    label = f"sentinel {address}"
    host, _, port_text = address.rpartition(":")
    if not host or not port_text.isdigit():
        reason = "not host:port"
        return SentinelAnswer(Evidence(label, f"knows {master}", f"error: {reason}"), False, reason)
    password = await ctx.secret("redis.password")
    try:
        reply = await _sentinel_master_address(ctx, host.strip("[]"), int(port_text), master, tls, password)
    except ProbeError as exc:
        return SentinelAnswer(Evidence(label, f"knows {master}", f"error: {exc}"), False, str(exc))
    if not reply:
        return SentinelAnswer(Evidence(label, f"knows {master}", f"does not know {master}", False), False)
    known = ":".join(_text(part) for part in reply)
    return SentinelAnswer(Evidence(label, f"knows {master}", f"master at {known}", True), True)


async def _sentinel_master_address(
    ctx: ProbeContext, host: str, port: int, master: str, tls: bool, password: str | None
) -> list[Any] | None:
    """SENTINEL get-master-addr-by-name; sentinels without requirepass reject AUTH, so try without first."""
    from redis import exceptions

    for attempt_password in (None, password):
        client = _new_client(ctx, host, port, tls=tls, password=attempt_password)
        try:
            with _redis_errors(f"{host}:{port}", with_password=attempt_password is not None):
                try:
                    return await client.execute_command("SENTINEL", "get-master-addr-by-name", master)
                except exceptions.AuthenticationError:
                    if attempt_password is not None or password is None:
                        raise
        finally:
            await client.aclose()
    return None


@probe("redis.ha")
async def high_availability(ctx: ProbeContext) -> Outcome:
    info = await _server_info(ctx, "replication", "cluster")
    role = str(info.get("role", "unknown"))
    replicas = _int(info, "connected_slaves")
    link = str(info.get("master_link_status", ""))
    replicated = (role == "master" and replicas >= 1) or (role == "slave" and link == "up")
    clustered = _int(info, "cluster_enabled") == 1
    if role == "master":
        replication_actual = f"role master, {replicas} connected replica(s)"
    else:  # pointed at a replica: HA exists when its link to the master is up
        replication_actual = f"role {role}, link {link or '?'}"
    evidence = [
        Evidence("replication", "a connected replica", replication_actual, replicated),
        Evidence("cluster mode", "on (or a replica, or a sentinel)", "on" if clustered else "off", clustered or None),
    ]
    master_name = str(ctx.setting("redis.sentinel_master"))
    sentinels = list(ctx.setting("redis.sentinels") or [])
    answers = await asyncio.gather(*(_ask_sentinel(ctx, s, master_name, _target(ctx).tls) for s in sentinels))
    evidence += [answer.evidence for answer in answers]
    raw = {"role": role, "connected_slaves": replicas, "cluster_enabled": int(clustered)}
    raw |= {f"slave{i}": info[f"slave{i}"] for i in range(replicas) if f"slave{i}" in info}
    values = {"connected_replicas": float(replicas)}
    known_by = [s for s, a in zip(sentinels, answers, strict=True) if a.knows_master]
    if replicated or clustered or known_by:
        paths = [name for name, ok in (("replica", replicated), ("cluster", clustered),
                                       (f"sentinel ({len(known_by)}/{len(sentinels)})", bool(known_by))) if ok]
        return outcome(Status.PASS, "HA: " + ", ".join(paths), evidence, raw, values)
    unreachable = [f"{s} ({a.unreachable})" for s, a in zip(sentinels, answers, strict=True) if a.unreachable]
    if unreachable:
        return outcome(Status.ERROR, "no replica or cluster, and could not ask sentinel " + "; ".join(unreachable),
                       evidence, raw, values)
    return outcome(Status.FAIL, "no HA: no connected replica, no sentinel knows the master, cluster mode off",
                   evidence, raw, values)


# --- redis.tls ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PingAttempt:
    answered: bool  # Redis replied in RESP on this channel
    reply: str
    tls_version: str | None = None
    cipher: str | None = None


async def _raw_ping(host: str, port: int, limit: float, tls_context: ssl.SSLContext | None) -> PingAttempt:
    """Send PING over a raw socket (plaintext or TLS) and describe the first reply line."""
    writer = None
    try:
        async with asyncio.timeout(limit):
            reader, writer = await asyncio.open_connection(
                host, port, ssl=tls_context, server_hostname=host if tls_context else None)
            writer.write(PING_COMMAND)
            await writer.drain()
            line = await reader.readline()
            ssl_object = writer.get_extra_info("ssl_object")
    except TimeoutError:
        return PingAttempt(False, f"no answer within {limit:.1f} s")
    except ssl.SSLError as exc:
        detail = getattr(exc, "verify_message", None)  # e.g. which name or issuer did not match
        return PingAttempt(False, f"TLS failed: {exc.reason or exc}" + (f" ({detail})" if detail else ""))
    except OSError as exc:
        return PingAttempt(False, f"connection failed: {exc.strerror or type(exc).__name__}")
    finally:
        if writer is not None:
            writer.close()
    version = ssl_object.version() if ssl_object else None
    cipher = ssl_object.cipher()[0] if ssl_object and ssl_object.cipher() else None
    if not line:
        return PingAttempt(False, "closed without a reply", version, cipher)
    if line[:1] not in RESP_FIRST_BYTES:
        return PingAttempt(False, f"non-Redis reply {line[:8]!r}", version, cipher)
    return PingAttempt(True, line.decode("utf-8", "replace").strip(), version, cipher)


@probe("redis.tls")
async def transport_security(ctx: ProbeContext) -> Outcome:
    target = _target(ctx)
    scheme = "rediss" if target.tls else "redis"
    if not target.tls:
        evidence = [Evidence("redis.url scheme", "rediss:// (or loopback only)", f"redis:// to {target.host}",
                             _is_loopback(target.host))]
        if _is_loopback(target.host):
            return outcome(Status.PASS, "plaintext redis:// to loopback: local only", evidence, {"scheme": scheme})
        return outcome(Status.FAIL, f"plaintext over the network: redis.url is redis:// to {target.host}",
                       evidence, {"scheme": scheme})
    await ctx.ensure_reachable(target.host, target.port)
    tls_context = ssl.create_default_context(cafile=ctx.setting("redis.ca_file"))
    # Half the budget each, so both attempts fit in the probe timeout.
    plain = await _raw_ping(target.host, target.port, ctx.timeout * 0.4, None)
    if plain.answered:  # a plaintext Redis would leave a TLS handshake hanging: don't wait for it
        secure = PingAttempt(False, "not tried: the port speaks plaintext")
    else:
        secure = await _raw_ping(target.host, target.port, ctx.timeout * 0.4, tls_context)
    evidence = [
        Evidence("TLS PING", "a Redis reply", secure.reply, secure.answered),
        Evidence("plaintext PING to the same port", "refused", plain.reply, not plain.answered),
        Evidence("TLS version / cipher", "TLSv1.2+", f"{secure.tls_version or '?'} / {secure.cipher or '?'}"),
    ]
    raw = {"scheme": scheme, "tls_reply": secure.reply, "plaintext_reply": plain.reply,
           "tls_version": secure.tls_version or "", "cipher": secure.cipher or ""}
    if plain.answered:
        return outcome(Status.FAIL, f"plaintext accepted on {target.address} ({plain.reply})", evidence, raw)
    if not secure.answered:
        raise ProbeError(f"TLS PING to {target.address} got no Redis reply: {secure.reply}"
                         + (" (set redis.ca_file?)" if "CERTIFICATE" in secure.reply.upper() else ""))
    return outcome(Status.PASS, f"TLS only ({secure.tls_version}); plaintext refused", evidence, raw)


# --- redis.rdb-snapshot -------------------------------------------------------------------


@probe("redis.rdb-snapshot")
async def rdb_snapshot(ctx: ProbeContext) -> Outcome:
    async with _session(ctx) as client:
        info = await client.info("persistence")
        schedule = await _config_value(client, "save")
    aof_on = _int(info, "aof_enabled") == 1
    bgsave_status = str(info.get("rdb_last_bgsave_status", "unknown"))
    changes = _int(info, "rdb_changes_since_last_save")
    age_hours = max(0.0, ctx.clock().timestamp() - _int(info, "rdb_last_save_time")) / 3600
    # A snapshot older than the limit loses nothing if nothing changed since.
    stale = age_hours > SNAPSHOT_MAX_AGE_HOURS and changes > 0
    schedule_text = "unknown (CONFIG refused)" if schedule is None else (schedule or '"" (no snapshots)')
    evidence = [
        Evidence("last BGSAVE", "ok", bgsave_status, bgsave_status == "ok"),
        Evidence("save schedule", "set", schedule_text, None if schedule is None else bool(schedule)),
        Evidence("last snapshot age", f"< {SNAPSHOT_MAX_AGE_HOURS:g} h", f"{age_hours:.1f} h ({changes} changes since)",
                 not stale),
        Evidence("AOF", "on (with snapshots: both)", "on" if aof_on else "off"),
    ]
    raw = {key: info.get(key, "") for key in ("rdb_last_save_time", "rdb_last_bgsave_status", "rdb_saves",
                                               "rdb_changes_since_last_save", "aof_enabled")}
    raw["save"] = schedule_text
    values = {"rdb_age_hours": age_hours, "rdb_changes_since_save": float(changes)}
    if bgsave_status != "ok":
        return outcome(Status.FAIL, f"the last RDB snapshot failed ({bgsave_status})", evidence, raw, values)
    if schedule == "" and not aof_on:
        return outcome(Status.FAIL, "no persistence: no save schedule and AOF off", evidence, raw, values)
    if schedule is None and not aof_on and _int(info, "rdb_saves") == 0:
        # Managed Redis (ElastiCache, ...) disables CONFIG, and INFO does not show the schedule.
        return outcome(Status.ERROR, "could not tell whether Redis persists anything: CONFIG GET save refused, "
                       "AOF off, and no RDB snapshot since the server started", evidence, raw, values)
    warnings = []
    if schedule == "":
        warnings.append("no RDB save schedule (AOF only)")
    if stale:
        warnings.append(f"last snapshot {age_hours:.0f} h ago with {changes} unsaved changes")
    if warnings:
        return outcome(Status.WARN, "; ".join(warnings), evidence, raw, values)
    return outcome(Status.PASS, f"last snapshot {age_hours:.1f} h ago, schedule {schedule_text}", evidence, raw, values)


# --- Asynq --------------------------------------------------------------------------------


def _queue_key(queue: str, suffix: str) -> str:
    return f"asynq:{{{queue}}}:{suffix}"


async def _registered_queues(client: Redis) -> set[str]:
    """The queues Asynq has seen a task for (it SADDs asynq:queues on every enqueue)."""
    return {_text(q) for q in await client.smembers(ASYNQ_QUEUES_KEY)}


async def _known_queues(ctx: ProbeContext, client: Redis) -> list[str]:
    """The profile's queues plus every registered one: a queue missing from either is still checked."""
    return sorted(set(ctx.setting("redis.queues") or []) | await _registered_queues(client))


def _varint(data: bytes, pos: int) -> tuple[int, int]:
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


def _protobuf_fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) pairs of one protobuf message: enough to read asynq's ServerInfo."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire_type = key >> 3, key & 7
        value: int | bytes
        if wire_type == 0:
            value, pos = _varint(data, pos)
        elif wire_type == 2:
            length, pos = _varint(data, pos)
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


def _server_queues(data: bytes) -> dict[str, int]:
    """Queue -> priority that an Asynq server consumes: protobuf (v0.19+) or JSON (older)."""
    if data.lstrip().startswith(b"{"):
        decoded = json.loads(data)
        return {str(q): int(w) for q, w in (decoded.get("Queues") or decoded.get("queues") or {}).items()}
    queues: dict[str, int] = {}
    for number, entry in _protobuf_fields(data):
        if number == SERVER_INFO_QUEUES_FIELD and isinstance(entry, bytes):
            fields = dict(_protobuf_fields(entry))  # map entry: key = 1, value = 2
            name = fields.get(1, b"")
            queues[_text(name)] = int(fields.get(2, 0)) if isinstance(fields.get(2, 0), int) else 0
    return queues


@dataclass(frozen=True, slots=True)
class AsynqServer:
    name: str  # host:pid:server_id
    queues: dict[str, int] | None  # None: its info could not be decoded


async def _live_servers(client: Redis, now: float) -> list[AsynqServer]:
    """Servers whose heartbeat has not expired (asynq scores asynq:servers by expiry time)."""
    keys = [_text(k) for k in await client.zrangebyscore(ASYNQ_SERVERS_KEY, now, "+inf")]
    servers = []
    for key in keys:
        data = await client.get(key)
        if data is None:  # expired between the two reads
            continue
        name = key.removeprefix(f"{ASYNQ_SERVERS_KEY}:").strip("{}")
        try:
            servers.append(AsynqServer(name, _server_queues(data)))
        except (ValueError, UnicodeDecodeError, AttributeError, TypeError):
            servers.append(AsynqServer(name, None))
    return servers


@probe("redis.queues")
async def queues_consumed(ctx: ProbeContext) -> Outcome:
    configured = list(ctx.setting("redis.queues") or [])
    async with _session(ctx) as client:
        registered = await _registered_queues(client)
        servers = await _live_servers(client, ctx.clock().timestamp())
        dead_letters = {q: await client.zcard(_queue_key(q, "archived")) for q in await _known_queues(ctx, client)}
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
    async with _session(ctx) as client:
        queues = await _known_queues(ctx, client)
        counts = {}
        for queue in queues:
            counts[queue] = (
                await client.llen(_queue_key(queue, "pending")),
                await client.llen(_queue_key(queue, "active")),
                await client.zcard(_queue_key(queue, "scheduled")),
                await client.zcard(_queue_key(queue, "retry")),
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
        task_id = await client.lindex(_queue_key(queue, "pending"), -1)
        if task_id is None:
            return None
        task_id = _text(task_id)
        task_key = _queue_key(queue, f"t:{task_id}")
        pending_since, message = await client.hmget(task_key, ["pending_since", "msg"])
        if pending_since is not None:
            try:
                return task_id, int(pending_since) / 1e9  # asynq writes unix nanoseconds
            except ValueError:
                raise ProbeError(f"cannot read the enqueue time of task {task_id} in {queue}: "
                                 f"pending_since is {_text(pending_since)!r}") from None
        if message is not None:
            raise ProbeError(f"cannot read the enqueue time of task {task_id} in {queue}: "
                             "its hash has no pending_since (Asynq older than v0.19?)")
    raise ProbeError(f"cannot read the enqueue time in {queue}: the pending list keeps changing")


@probe("redis.queue-wait")
async def queue_wait(ctx: ProbeContext) -> Outcome:
    now = ctx.clock().timestamp()
    async with _session(ctx) as client:
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

    async with _session(ctx) as client:
        ttl_ms = await client.pttl(LEADER_KEY)
        try:
            holder = _text(await client.get(LEADER_KEY)) if ttl_ms != -2 else None
        except exceptions.ResponseError:  # WRONGTYPE: not the string LinkFlow writes
            holder = f"({_text(await client.type(LEADER_KEY))}, not a string)"
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
