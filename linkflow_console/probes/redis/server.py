"""Redis server checks: authentication, AOF, memory policy, HA (replica, Sentinel, Cluster), TLS
and RDB snapshots, judged from what the server itself reports (INFO, CONFIG GET, a raw PING)."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from typing import Any

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.redis.client import (
    as_text,
    config_value,
    int_field,
    is_loopback,
    new_client,
    redis_errors,
    redis_target,
    server_info,
    session,
)

SNAPSHOT_MAX_AGE_HOURS = 24.0
MEMORY_NEAR_FULL_RATIO = 0.9  # with noeviction, writes start failing at the limit
# RESP replies start with one of these bytes; a TLS alert starts with 0x15.
RESP_FIRST_BYTES = b"+-:$*"
PING_COMMAND = b"*1\r\n$4\r\nPING\r\n"


# --- redis.auth ---------------------------------------------------------------------------


@probe("redis.auth")
async def password_required(ctx: ProbeContext) -> Outcome:
    """An unauthenticated PING must be refused; the profile's password, when set, must work."""
    from redis import exceptions

    target = redis_target(ctx)
    await ctx.ensure_reachable(target.host, target.port)
    anonymous = new_client(ctx, target.host, target.port, tls=target.tls, db=target.db)
    try:
        with redis_errors(target.address, with_password=False):
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
        # With a password in the profile the other probes still read this server (without it): it is open.
        given = " (the profile gives a password; the server asks for none)" if ctx.setting("redis.password") else ""
        return outcome(Status.FAIL, f"Redis answers without a password at {target.address}{given}", evidence, raw)
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
    async with session(ctx) as client:
        await client.ping()
    evidence.append(Evidence("PING with redis.password", "PONG", "PONG", True))
    raw["authenticated_reply"] = "PONG"
    return outcome(Status.PASS, "password required, and the probe's password works", evidence, raw)


# --- redis.aof ----------------------------------------------------------------------------


@probe("redis.aof")
async def append_only_file(ctx: ProbeContext) -> Outcome:
    info = await server_info(ctx, "persistence")
    enabled = int_field(info, "aof_enabled") == 1
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
    info = await server_info(ctx, "memory")
    limit = int_field(info, "maxmemory")
    used = int_field(info, "used_memory")
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
    known = ":".join(as_text(part) for part in reply)
    return SentinelAnswer(Evidence(label, f"knows {master}", f"master at {known}", True), True)


async def _sentinel_master_address(
    ctx: ProbeContext, host: str, port: int, master: str, tls: bool, password: str | None
) -> list[Any] | None:
    """SENTINEL get-master-addr-by-name; sentinels without requirepass reject AUTH, so try without first."""
    from redis import exceptions

    for attempt_password in (None, password):
        client = new_client(ctx, host, port, tls=tls, password=attempt_password)
        try:
            with redis_errors(f"{host}:{port}", with_password=attempt_password is not None):
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
    info = await server_info(ctx, "replication", "cluster")
    role = str(info.get("role", "unknown"))
    replicas = int_field(info, "connected_slaves")
    link = str(info.get("master_link_status", ""))
    replicated = (role == "master" and replicas >= 1) or (role == "slave" and link == "up")
    clustered = int_field(info, "cluster_enabled") == 1
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
    answers = await asyncio.gather(*(_ask_sentinel(ctx, s, master_name, redis_target(ctx).tls) for s in sentinels))
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
    target = redis_target(ctx)
    scheme = "rediss" if target.tls else "redis"
    if not target.tls:
        evidence = [Evidence("redis.url scheme", "rediss:// (or loopback only)", f"redis:// to {target.host}",
                             is_loopback(target.host))]
        if is_loopback(target.host):
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
    async with session(ctx) as client:
        info = await client.info("persistence")
        schedule = await config_value(client, "save")
    aof_on = int_field(info, "aof_enabled") == 1
    bgsave_status = str(info.get("rdb_last_bgsave_status", "unknown"))
    changes = int_field(info, "rdb_changes_since_last_save")
    age_hours = max(0.0, ctx.clock().timestamp() - int_field(info, "rdb_last_save_time")) / 3600
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
    if schedule is None and not aof_on and int_field(info, "rdb_saves") == 0:
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
