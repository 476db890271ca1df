"""PostgreSQL and PgBouncer probes: ask the servers themselves (psycopg async, short timeouts).

psycopg is imported inside functions so that opening the console never pays for it.
Connections are autocommit: the PgBouncer admin console rejects BEGIN, and no probe writes.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe, worst
from linkflow_console.probes.context import ProbeContext
from linkflow_console.timefmt import span

if TYPE_CHECKING:
    import psycopg

ARCHIVE_RECENT = timedelta(hours=1)
REPLICA_LAG_WARN_SECONDS = 60.0
CONNECTIONS_WARN_RATIO = 0.8
MIN_BCRYPT_COST = 12
MAX_HASH_ROWS = 1000
MODERN_TLS = ("TLSv1.2", "TLSv1.3")

# $2a$/$2b$/$2y$ (and the historic $2$/$2x$): two-digit cost, 22-char salt + 31-char digest.
_BCRYPT = re.compile(r"^\$(2[abxy]?)\$(\d{2})\$[./A-Za-z0-9]{53}$")
# A modular-crypt scheme tag such as `$argon2id$`: safe to show, unlike the rest of the value.
_SCHEME_TAG = re.compile(r"^\$([a-z0-9-]{1,20})\$")
# Server refusals that mean "plaintext is not allowed here" (pg_hba without a matching
# host/hostnossl line, or an explicit hostnossl ... reject).
_PLAINTEXT_REFUSED = ("no encryption", "ssl off", "ssl connection is required", "ssl is required", "requires ssl")


# --- connecting ------------------------------------------------------------------------------


def _message(exc: BaseException) -> str:
    """A libpq/server error on one line, without psycopg's generic prefix."""
    text = " ".join(str(exc).split())
    return text.removeprefix("connection failed: ") or type(exc).__name__


def _tcp_endpoint(dsn: str) -> tuple[str, int] | None:
    """(host, port) when the DSN names a single TCP host; None for sockets and host lists."""
    import psycopg

    try:
        params = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise ProbeError(f"the DSN does not parse: {_message(exc)}") from None
    host = str(params.get("hostaddr") or params.get("host") or "")
    port = str(params.get("port") or "5432")
    if not host or host.startswith("/") or "," in host or "," in port or not port.isdigit():
        return None
    return host, int(port)


def _describe(dsn: str) -> str:
    endpoint = _tcp_endpoint(dsn)
    return f"{endpoint[0]}:{endpoint[1]}" if endpoint else "the server"


async def _attempt(
    ctx: ProbeContext, dsn_key: str = "postgres.dsn", password_key: str = "postgres.password", **params: Any
) -> psycopg.AsyncConnection[Any]:
    """Open a connection; psycopg errors propagate (some probes judge them), timeouts become ProbeError."""
    import psycopg

    dsn = str(ctx.setting(dsn_key))
    endpoint = _tcp_endpoint(dsn)
    if endpoint:
        await ctx.ensure_reachable(*endpoint)
    password = await ctx.secret(password_key)
    if password is not None:
        params["password"] = password
    root_cert = ctx.setting("postgres.sslrootcert")
    if root_cert:
        params.setdefault("sslrootcert", root_cert)
        # A trust anchor given means: verify the database. The pooler's DSN keeps its own
        # sslmode: PgBouncer often listens without TLS on a private network.
        if dsn_key == "postgres.dsn" and "sslmode" not in psycopg.conninfo.conninfo_to_dict(dsn):
            params.setdefault("sslmode", "verify-full")
    limit = ctx.timeout * 0.8
    try:
        async with asyncio.timeout(limit):
            return await psycopg.AsyncConnection.connect(
                dsn,
                autocommit=True,
                connect_timeout=max(2, math.ceil(limit)),  # libpq's floor is 2 s; asyncio enforces ours
                application_name="linkflow-console",
                **params,
            )
    except TimeoutError:
        raise ProbeError(f"{_describe(dsn)} accepted TCP but did not answer within {limit:.1f} s") from None


async def _connect(
    ctx: ProbeContext, dsn_key: str = "postgres.dsn", password_key: str = "postgres.password", **params: Any
) -> psycopg.AsyncConnection[Any]:
    import psycopg

    try:
        return await _attempt(ctx, dsn_key, password_key, **params)
    except psycopg.Error as exc:
        raise ProbeError(f"cannot connect to {_describe(str(ctx.setting(dsn_key)))}: {_message(exc)}") from None


@asynccontextmanager
async def _session(
    ctx: ProbeContext, dsn_key: str = "postgres.dsn", password_key: str = "postgres.password"
) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """A connection whose query errors become ProbeError (could not tell), naming what to grant."""
    import psycopg

    conn = await _connect(ctx, dsn_key, password_key)
    try:
        yield conn
    except psycopg.errors.InsufficientPrivilege as exc:
        raise ProbeError(f"the probe's role lacks a privilege (grant it pg_monitor): {_message(exc)}") from None
    except psycopg.Error as exc:
        raise ProbeError(f"query failed: {_message(exc)}") from None
    finally:
        await conn.close()


async def _rows(conn: psycopg.AsyncConnection[Any], sql: str, *, binary: bool = False) -> list[dict[str, Any]]:
    from psycopg.rows import dict_row

    async with conn.cursor(row_factory=dict_row) as cursor:
        await cursor.execute(sql, prepare=False, binary=binary)
        return await cursor.fetchall() if cursor.description else []


async def _one(conn: psycopg.AsyncConnection[Any], sql: str) -> dict[str, Any]:
    rows = await _rows(conn, sql)
    if not rows:
        raise ProbeError(f"no row from: {sql.split()[0]} ...")
    return rows[0]


_STANDBY = "postgres.dsn points at a standby (in recovery), so this cannot tell: {what}; point it at the primary"


# --- shared verdict helpers -----------------------------------------------------------------


def _verdict(findings: list[tuple[Status, str]], pass_summary: str) -> tuple[Status, str]:
    """The worst finding decides the status; its reasons make the summary."""
    if not findings:
        return Status.PASS, pass_summary
    status = worst([s for s, _ in findings]) or Status.PASS
    return status, "; ".join(reason for s, reason in findings if s == status)


def _stamp(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "never"


# --- WAL archiving (PITR and the backup schedule) ---------------------------------------------

ARCHIVER_SQL = """
SELECT current_setting('wal_level') AS wal_level,
       current_setting('archive_mode') AS archive_mode,
       current_setting('archive_command') AS archive_command,
       current_setting('archive_library', true) AS archive_library,
       pg_is_in_recovery() AS in_recovery,
       a.archived_count, a.last_archived_wal, a.last_archived_time,
       a.failed_count, a.last_failed_wal, a.last_failed_time, a.stats_reset
FROM pg_stat_archiver a
"""


@dataclass(frozen=True)
class Archiver:
    row: dict[str, Any]

    @property
    def last_archived(self) -> datetime | None:
        return self.row["last_archived_time"]

    @property
    def failing(self) -> bool:
        """The latest attempt failed: a failure after the last success (or with no success)."""
        failed = self.row["last_failed_time"]
        return failed is not None and (self.last_archived is None or failed > self.last_archived)


def _archive_method(row: dict[str, Any]) -> str | None:
    """How WAL leaves the server, without the command's arguments (they may carry credentials)."""
    library = (row.get("archive_library") or "").strip()
    if library:
        return f"archive_library {library}"
    command = (row.get("archive_command") or "").strip()
    if command and command != "(disabled)":
        return f"archive_command {command.split()[0]} …"
    return None


def _archive_health(archiver: Archiver, now: datetime) -> tuple[list[tuple[Status, str]], list[Evidence], dict[str, float]]:
    """pg_stat_archiver judged: never archived or failing = fail, last archive >= 1 h ago = warn."""
    row = archiver.row
    last = archiver.last_archived
    findings: list[tuple[Status, str]] = []
    values: dict[str, float] = {"archived_count": float(row["archived_count"]), "archive_failed_count": float(row["failed_count"])}
    if last is None:
        findings.append((Status.FAIL, "no WAL segment has ever been archived"))
        archived = "never"
        recent = False
    else:
        age = now - last
        values["archive_age_seconds"] = round(age.total_seconds(), 1)
        recent = age < ARCHIVE_RECENT
        archived = f"{span(age)} ago ({row['last_archived_wal']} at {_stamp(last)})"
        if not recent:
            findings.append((Status.WARN, f"last WAL archived {span(age)} ago (idle database or stalled archiver)"))
    if archiver.failing:
        findings.append((Status.FAIL, f"WAL archiving is failing: {row['last_failed_wal']} failed at {_stamp(row['last_failed_time'])}"))
    failures = "none" if not row["failed_count"] else (
        f"{row['failed_count']} since {_stamp(row['stats_reset'])}, last {row['last_failed_wal']} at {_stamp(row['last_failed_time'])}"
    )
    evidence = [
        Evidence("last archived WAL", f"< {ARCHIVE_RECENT.total_seconds() / 3600:g} h ago", archived, recent),
        Evidence("failure after the last success", "none", failures, not archiver.failing),
    ]
    return findings, evidence, values


def _archiver_raw(row: dict[str, Any]) -> dict[str, str]:
    keys = ("wal_level", "archive_mode", "archived_count", "last_archived_wal", "last_archived_time",
            "failed_count", "last_failed_wal", "last_failed_time", "stats_reset", "in_recovery")
    return {key: _stamp(row[key]) if isinstance(row[key], datetime) else str(row[key] if row[key] is not None else "none") for key in keys}


async def _archiver(ctx: ProbeContext) -> Archiver:
    async with _session(ctx) as conn:
        row = await _one(conn, ARCHIVER_SQL)
    if row["in_recovery"] and row["archive_mode"] != "always":
        raise ProbeError(_STANDBY.format(what="WAL is archived by the primary"))
    return Archiver(row)


# --- probes ----------------------------------------------------------------------------------


@probe("postgres.ssl-required")
async def ssl_required(ctx: ProbeContext) -> Outcome:
    import psycopg

    dsn_mode = psycopg.conninfo.conninfo_to_dict(str(ctx.setting("postgres.dsn"))).get("sslmode")
    tls_mode = dsn_mode if dsn_mode in ("require", "verify-ca", "verify-full") else None
    if tls_mode is None:
        tls_mode = "verify-full" if ctx.setting("postgres.sslrootcert") else "require"
    # gssencmode=disable: a GSSAPI-encrypted session would hide what TLS and pg_hba do.
    try:
        conn = await _attempt(ctx, sslmode=tls_mode, gssencmode="disable")
    except psycopg.OperationalError as exc:
        message = _message(exc)
        if "does not support SSL" in message:
            return outcome(
                Status.FAIL,
                "SSL is off on the server: every connection is plaintext",
                [Evidence("server ssl", "on", "off (server refused the SSL request)", False)],
                raw={"tls_attempt": message},
            )
        raise ProbeError(f"cannot connect over TLS (sslmode={tls_mode}): {message}") from None
    try:
        # The server's view of this very session (psycopg does not expose libpq's SSL attributes).
        session = await _one(conn, "SELECT ssl, version, cipher, bits FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    except psycopg.Error as exc:
        raise ProbeError(f"TLS connection opened, but pg_stat_ssl could not be read: {_message(exc)}") from None
    finally:
        await conn.close()
    protocol, cipher, bits = (str(session[key] or "unknown") for key in ("version", "cipher", "bits"))

    try:
        plaintext = await _attempt(ctx, sslmode="disable", gssencmode="disable")
    except psycopg.OperationalError as exc:
        refusal = _message(exc)
        plaintext_refused = any(marker in refusal.lower() for marker in _PLAINTEXT_REFUSED)
        if not plaintext_refused:
            if "authentication failed" not in refusal:
                raise ProbeError(f"TLS works, but the plaintext attempt could not tell: {refusal}") from None
            # pg_hba let the plaintext connection through to a password check: not refused.
            refusal = f"reached authentication without TLS: {refusal}"
    else:
        await plaintext.close()
        refusal, plaintext_refused = "accepted: a plaintext session was opened", False

    modern = protocol in MODERN_TLS
    evidence = [
        Evidence("server ssl", "on", "on", True),
        Evidence("TLS session", "TLSv1.2 or newer", f"{protocol}, {cipher}, {bits} bit", modern),
        Evidence("plaintext connection (sslmode=disable)", "refused by the server", refusal, plaintext_refused),
    ]
    findings: list[tuple[Status, str]] = []
    if not plaintext_refused:
        findings.append((Status.FAIL, "SSL is on but plaintext connections are accepted (pg_hba allows host, not only hostssl)"))
    if not modern:
        findings.append((Status.WARN, f"TLS session negotiated {protocol}, older than TLS 1.2"))
    status, summary = _verdict(findings, f"TLS required: plaintext refused, session {protocol} {cipher}")
    raw = {"tls_protocol": protocol, "tls_cipher": cipher, "tls_key_bits": bits, "tls_sslmode": tls_mode, "plaintext_attempt": refusal}
    return outcome(status, summary, evidence, raw)


@probe("postgres.pooler")
async def pooler(ctx: ProbeContext) -> Outcome:
    import psycopg

    async with _session(ctx, "postgres.pooler_dsn", "postgres.pooler_password") as conn:
        try:
            version_rows = await _rows(conn, "SHOW VERSION")
            pools = await _rows(conn, "SHOW POOLS")
        except psycopg.Error as exc:
            # A PostgreSQL server (or a pooled database instead of the console) lands here.
            answer = _message(exc)
            server = conn.info.parameter_status("server_version") or "unknown"
            return outcome(
                Status.FAIL,
                "connected, but this is not a PgBouncer admin console (SHOW VERSION/POOLS refused)",
                [Evidence("SHOW VERSION", "PgBouncer x.y.z", answer, False)],
                raw={"server_version": server, "show_version": answer},
            )
    version = str(next(iter(version_rows[0].values()))) if version_rows else ""
    if "pgbouncer" not in version.lower():
        return outcome(
            Status.FAIL,
            f"connected, but SHOW VERSION answered {version or 'nothing'!r}, not PgBouncer",
            [Evidence("SHOW VERSION", "PgBouncer x.y.z", version or "no row", False)],
            raw={"show_version": version},
        )
    waiting = sum(int(pool.get("cl_waiting") or 0) for pool in pools)
    max_wait = max((int(pool.get("maxwait") or 0) + int(pool.get("maxwait_us") or 0) / 1e6 for pool in pools), default=0.0)
    evidence = [
        Evidence("SHOW VERSION", "PgBouncer", version, True),
        Evidence("SHOW POOLS", "answers", f"{len(pools)} pool(s)", True),
        *(
            Evidence(
                f"pool {pool.get('database')}/{pool.get('user')}", "",
                f"clients active {pool.get('cl_active')}, waiting {pool.get('cl_waiting')}; "
                f"servers active {pool.get('sv_active')}, idle {pool.get('sv_idle')}; mode {pool.get('pool_mode', '?')}",
            )
            for pool in pools[:20]
        ),
    ]
    raw = {"show_version": version, "pools": ", ".join(f"{p.get('database')}/{p.get('user')}" for p in pools)}
    values = {"pools": float(len(pools)), "clients_waiting": float(waiting), "max_wait_seconds": round(max_wait, 3)}
    return outcome(Status.PASS, f"{version} answers: {len(pools)} pool(s), {waiting} client(s) waiting", evidence, raw, values)


@probe("postgres.pitr")
async def pitr(ctx: ProbeContext) -> Outcome:
    archiver = await _archiver(ctx)
    row = archiver.row
    method = _archive_method(row)
    config = [
        (Evidence("wal_level", "replica or logical", row["wal_level"], row["wal_level"] in ("replica", "logical")),
         f"wal_level is {row['wal_level']}: WAL cannot be replayed for recovery"),
        (Evidence("archive_mode", "on or always", row["archive_mode"], row["archive_mode"] in ("on", "always")),
         f"archive_mode is {row['archive_mode']}: no WAL is archived"),
        (Evidence("archive_command / archive_library", "set", method or "not set", method is not None),
         "neither archive_command nor archive_library is set"),
    ]
    findings = [(Status.FAIL, reason) for line, reason in config if not line.ok]
    evidence = [line for line, _ in config]
    values: dict[str, float] = {}
    if not findings:  # the archiver statistics only mean something once archiving is configured
        health, archive_evidence, values = _archive_health(archiver, ctx.clock())
        findings += health
        evidence += archive_evidence
    last = archiver.last_archived
    pass_summary = f"WAL archived {span(ctx.clock() - last) if last else '?'} ago via {method}, no failures"
    status, summary = _verdict(findings, pass_summary)
    return outcome(status, summary, evidence, _archiver_raw(row), values)


REPLICATION_SQL = """
SELECT application_name, client_addr::text AS client_addr, state, sync_state,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS lag_bytes,
       EXTRACT(epoch FROM replay_lag) AS lag_seconds
FROM pg_stat_replication
ORDER BY application_name
"""


@probe("postgres.replicas")
async def replicas(ctx: ProbeContext) -> Outcome:
    async with _session(ctx) as conn:
        if (await _one(conn, "SELECT pg_is_in_recovery() AS standby"))["standby"]:
            raise ProbeError(_STANDBY.format(what="the primary lists its replicas"))
        rows = await _rows(conn, REPLICATION_SQL)
    if rows and all(row["state"] is None for row in rows):
        raise ProbeError(
            f"{len(rows)} replication connection(s) are hidden from the probe's role: grant it pg_monitor (or pg_read_all_stats)"
        )
    evidence: list[Evidence] = []
    lags: list[float] = []
    lag_bytes: list[float] = []
    for row in rows:
        seconds = float(row["lag_seconds"]) if row["lag_seconds"] is not None else 0.0  # NULL: idle and caught up
        behind = float(row["lag_bytes"]) if row["lag_bytes"] is not None else 0.0
        streaming = row["state"] == "streaming"
        if streaming:
            lags.append(seconds)
            lag_bytes.append(behind)
        evidence.append(Evidence(
            f"replica {row['application_name'] or '?'} ({row['client_addr'] or 'local'})",
            f"streaming, replay lag <= {REPLICA_LAG_WARN_SECONDS:g} s",
            f"{row['state']} ({row['sync_state']}), replay lag {seconds:.1f} s / {behind:.0f} bytes",
            streaming and seconds <= REPLICA_LAG_WARN_SECONDS,
        ))
    findings: list[tuple[Status, str]] = []
    if not lags:
        others = f" ({len(rows)} connection(s) not streaming)" if rows else ""
        findings.append((Status.FAIL, f"no streaming replica{others}"))
        evidence.append(Evidence("streaming replicas", ">= 1", "0", False))
    elif max(lags) > REPLICA_LAG_WARN_SECONDS:
        findings.append((Status.WARN, f"a replica replays {max(lags):.0f} s behind (> {REPLICA_LAG_WARN_SECONDS:g} s)"))
    values = {"streaming_replicas": float(len(lags))}
    if lags:
        values |= {"max_replay_lag_seconds": round(max(lags), 3), "max_replay_lag_bytes": max(lag_bytes)}
    pass_summary = f"{len(lags)} streaming replica(s), max replay lag {max(lags, default=0):.1f} s"
    status, summary = _verdict(findings, pass_summary)
    listing = "; ".join(f"{r['application_name']} {r['client_addr']} {r['state']} {r['sync_state']}" for r in rows)
    raw = {"pg_stat_replication": listing or "no rows"}
    return outcome(status, summary, evidence, raw, values)


MONITORING_SQL = """
SELECT n.nspname AS schema, e.extversion AS version,
       (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries') AS preload,
       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS in_use,
       current_setting('max_connections')::int AS max_connections,
       current_database() AS database
FROM (SELECT 1) AS one
LEFT JOIN pg_extension e ON e.extname = 'pg_stat_statements'
LEFT JOIN pg_namespace n ON n.oid = e.extnamespace
"""


@probe("postgres.monitoring")
async def monitoring(ctx: ProbeContext) -> Outcome:
    async with _session(ctx) as conn:
        row = await _one(conn, MONITORING_SQL)
        # pg_settings hides superuser-only settings from roles without pg_read_all_settings.
        preload = row["preload"]
        preloaded = None if preload is None else "pg_stat_statements" in [p.strip() for p in preload.split(",")]
        loaded, load_answer = await _statements_loaded(conn, row["schema"], preloaded)
    installed = row["schema"] is not None
    findings: list[tuple[Status, str]] = []
    if not installed:
        findings.append((Status.FAIL, f"pg_stat_statements is not installed in {row['database']} (CREATE EXTENSION pg_stat_statements)"))
    if loaded is False:
        findings.append((Status.FAIL, "pg_stat_statements is not in shared_preload_libraries: it collects nothing"))
    in_use, limit = int(row["in_use"]), int(row["max_connections"])
    ratio = in_use / limit if limit else 1.0
    if ratio > CONNECTIONS_WARN_RATIO:
        findings.append((Status.WARN, f"{in_use} of {limit} connections in use ({ratio:.0%} > {CONNECTIONS_WARN_RATIO:.0%})"))
    evidence = [
        Evidence("pg_stat_statements extension", "installed",
                 f"{row['version']} in schema {row['schema']}" if installed else "not installed", installed),
        Evidence("shared_preload_libraries", "includes pg_stat_statements",
                 "not readable by the probe's role (grant pg_read_all_settings)" if preload is None else preload or "(empty)",
                 preloaded),
        Evidence("pg_stat_statements view", "readable", load_answer, loaded),
        Evidence("connections in use", f"<= {CONNECTIONS_WARN_RATIO:.0%} of max_connections", f"{in_use} of {limit} ({ratio:.0%})",
                 ratio <= CONNECTIONS_WARN_RATIO),
    ]
    values = {"connections_in_use": float(in_use), "max_connections": float(limit), "connections_used_ratio": round(ratio, 4)}
    raw = {"database": row["database"], "shared_preload_libraries": str(preload), "pg_stat_statements": str(row["version"])}
    status, summary = _verdict(findings, f"pg_stat_statements {row['version']} collecting; {in_use}/{limit} connections in use")
    return outcome(status, summary, evidence, raw, values)


async def _statements_loaded(
    conn: psycopg.AsyncConnection[Any], schema: str | None, by_setting: bool | None
) -> tuple[bool | None, str]:
    """Whether pg_stat_statements collects: reading its view proves it better than the setting."""
    import psycopg
    from psycopg import sql

    if schema is None:
        return by_setting, "no view (extension not installed)"
    query = sql.SQL("SELECT count(*) AS n FROM {}.pg_stat_statements").format(sql.Identifier(schema))
    try:
        await _one(conn, query.as_string(conn))
    except psycopg.errors.ObjectNotInPrerequisiteState as exc:
        return False, _message(exc)
    except psycopg.Error as exc:
        return by_setting, f"not readable: {_message(exc)}"
    return True, "readable"


@probe("postgres.bcrypt-cost")
async def bcrypt_cost(ctx: ProbeContext) -> Outcome:
    query = str(ctx.setting("postgres.password_hash_query"))
    async with _session(ctx) as conn:
        async with conn.transaction():
            # Read-only and bounded: the query comes from a profile, never trust it to write.
            await conn.execute("SET TRANSACTION READ ONLY")
            await conn.execute(f"SET LOCAL statement_timeout = {max(1, int(ctx.timeout * 800))}")
            # binary=True forces the extended protocol, which refuses several statements in one string.
            rows = (await _rows(conn, query, binary=True))[:MAX_HASH_ROWS]
    values = [_text(next(iter(row.values()), None)) for row in rows]
    stored = [value for value in values if value]
    for value in stored:
        ctx.hide(value)
    costs: dict[str, int] = {}
    for value in stored:
        match = _BCRYPT.match(value)
        if match:
            costs[value] = int(match.group(2))
    if not costs:
        schemes = sorted({f"${m.group(1)}$" for v in stored if (m := _SCHEME_TAG.match(v))})
        seen = f" (schemes seen: {', '.join(schemes)})" if schemes else ""
        raise ProbeError(f"no bcrypt hash in the {len(rows)} row(s) password_hash_query returned{seen}")
    weakest = min(costs, key=costs.__getitem__)
    cost = costs[weakest]
    prefix = weakest[:7] + "…"  # `$2b$12$…`: variant and cost only, never salt or digest
    by_cost = ", ".join(f"cost {c}: {n}" for c, n in sorted(Counter(costs.values()).items()))
    evidence = [
        Evidence("weakest bcrypt cost", f">= {MIN_BCRYPT_COST}", f"{cost} ({prefix})", cost >= MIN_BCRYPT_COST),
        Evidence("hashes read", "", f"{len(costs)} bcrypt of {len(rows)} row(s); {by_cost}"),
    ]
    values_out = {"bcrypt_cost": float(cost), "hashes_read": float(len(costs))}
    raw = {"weakest_prefix": prefix, "rows": str(len(rows)), "bcrypt_hashes": str(len(costs))}
    if cost >= MIN_BCRYPT_COST:
        return outcome(Status.PASS, f"stored bcrypt hashes use cost >= {cost} ({prefix})", evidence, raw, values_out)
    return outcome(Status.FAIL, f"bcrypt cost {cost} is below {MIN_BCRYPT_COST} ({prefix})", evidence, raw, values_out)


def _text(value: Any) -> str | None:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    return None if value is None else str(value)


@probe("postgres.backup-schedule")
async def backup_schedule(ctx: ProbeContext) -> Outcome:
    from linkflow_console.probes.s3 import BucketMissing, newest_backup

    location = f"s3://{ctx.setting('s3.backup_bucket')}/{ctx.setting('s3.backup_prefix') or ''}"
    limit_hours = float(ctx.setting("s3.max_backup_age_hours"))
    # Both sides at once: a dead S3 endpoint and a dead database each cost one timeout, not two.
    found, archived = await asyncio.gather(newest_backup(ctx), _archiver(ctx), return_exceptions=True)
    if isinstance(archived, BaseException):
        raise archived
    if isinstance(found, BucketMissing):
        found, location = None, f"{location} (bucket {found.bucket} does not exist)"
    elif isinstance(found, BaseException):
        raise found
    archiver, newest = archived, found
    now = ctx.clock()
    findings, evidence, values = _archive_health(archiver, now)
    raw = _archiver_raw(archiver.row) | {"backup_location": location}
    if newest is None:
        findings.insert(0, (Status.FAIL, f"no full backup under {location}"))
        evidence.insert(0, Evidence("newest full backup", f"< {limit_hours:g} h old", f"none under {location}", False))
    else:
        key, modified = newest
        hours = (now - modified).total_seconds() / 3600
        fresh = hours < limit_hours
        if not fresh:
            findings.insert(0, (Status.FAIL, f"newest full backup {key} is {hours:.1f} h old (limit {limit_hours:g} h)"))
        evidence.insert(0, Evidence("newest full backup", f"< {limit_hours:g} h old", f"{hours:.1f} h ({key}, {_stamp(modified)})", fresh))
        values["backup_age_hours"] = round(hours, 3)
        raw |= {"backup_key": key, "backup_last_modified": _stamp(modified)}
    last = archiver.last_archived
    pass_summary = (
        f"full backup {values.get('backup_age_hours', 0):.1f} h old; WAL archived {span(now - last) if last else '?'} ago"
    )
    status, summary = _verdict(findings, pass_summary)
    return outcome(status, summary, evidence, raw, values)
