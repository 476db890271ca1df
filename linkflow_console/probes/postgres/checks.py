"""PostgreSQL server checks: TLS required, the PgBouncer admin console, streaming replicas,
pg_stat_statements and connection headroom, and the bcrypt cost of stored password hashes."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.postgres.client import (
    STANDBY,
    as_text,
    attempt,
    error_text,
    fetch_one,
    fetch_rows,
    session,
    show_version,
    verdict,
)

if TYPE_CHECKING:
    import psycopg

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


@probe("postgres.ssl-required")
async def ssl_required(ctx: ProbeContext) -> Outcome:
    import psycopg

    dsn_mode = psycopg.conninfo.conninfo_to_dict(str(ctx.setting("postgres.dsn"))).get("sslmode")
    tls_mode = dsn_mode if dsn_mode in ("require", "verify-ca", "verify-full") else None
    if tls_mode is None:
        tls_mode = "verify-full" if ctx.setting("postgres.sslrootcert") else "require"
    # gssencmode=disable: a GSSAPI-encrypted session would hide what TLS and pg_hba do.
    try:
        conn = await attempt(ctx, sslmode=tls_mode, gssencmode="disable")
    except psycopg.OperationalError as exc:
        message = error_text(exc)
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
        tls_row = await fetch_one(conn, "SELECT ssl, version, cipher, bits FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    except psycopg.Error as exc:
        raise ProbeError(f"TLS connection opened, but pg_stat_ssl could not be read: {error_text(exc)}") from None
    finally:
        await conn.close()
    protocol, cipher, bits = (str(tls_row[key] or "unknown") for key in ("version", "cipher", "bits"))

    try:
        plaintext = await attempt(ctx, sslmode="disable", gssencmode="disable")
    except psycopg.OperationalError as exc:
        refusal = error_text(exc)
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
    status, summary = verdict(findings, f"TLS required: plaintext refused, session {protocol} {cipher}")
    raw = {"tls_protocol": protocol, "tls_cipher": cipher, "tls_key_bits": bits, "tls_sslmode": tls_mode, "plaintext_attempt": refusal}
    return outcome(status, summary, evidence, raw)


@probe("postgres.pooler")
async def pooler(ctx: ProbeContext) -> Outcome:
    import psycopg

    async with session(ctx, "postgres.pooler_dsn", "postgres.pooler_password") as conn:
        try:
            version = await show_version(conn)
            pools = await fetch_rows(conn, "SHOW POOLS")
        except psycopg.Error as exc:
            # A PostgreSQL server (or a pooled database instead of the console) lands here.
            answer = error_text(exc)
            server = conn.info.parameter_status("server_version") or "unknown"
            return outcome(
                Status.FAIL,
                "connected, but this is not a PgBouncer admin console (SHOW VERSION/POOLS refused)",
                [Evidence("SHOW VERSION", "PgBouncer x.y.z", answer, False)],
                raw={"server_version": server, "show_version": answer},
            )
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


REPLICATION_SQL = """
SELECT application_name, client_addr::text AS client_addr, state, sync_state,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS lag_bytes,
       EXTRACT(epoch FROM replay_lag) AS lag_seconds
FROM pg_stat_replication
ORDER BY application_name
"""


@probe("postgres.replicas")
async def replicas(ctx: ProbeContext) -> Outcome:
    async with session(ctx) as conn:
        if (await fetch_one(conn, "SELECT pg_is_in_recovery() AS standby"))["standby"]:
            raise ProbeError(STANDBY.format(what="the primary lists its replicas"))
        rows = await fetch_rows(conn, REPLICATION_SQL)
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
    status, summary = verdict(findings, pass_summary)
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
    async with session(ctx) as conn:
        row = await fetch_one(conn, MONITORING_SQL)
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
    status, summary = verdict(findings, f"pg_stat_statements {row['version']} collecting; {in_use}/{limit} connections in use")
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
        await fetch_one(conn, query.as_string(conn))
    except psycopg.errors.ObjectNotInPrerequisiteState as exc:
        return False, error_text(exc)
    except psycopg.Error as exc:
        return by_setting, f"not readable: {error_text(exc)}"
    return True, "readable"


@probe("postgres.bcrypt-cost")
async def bcrypt_cost(ctx: ProbeContext) -> Outcome:
    query = str(ctx.setting("postgres.password_hash_query"))
    async with session(ctx) as conn:
        async with conn.transaction():
            # Read-only and bounded: the query comes from a profile, never trust it to write.
            await conn.execute("SET TRANSACTION READ ONLY")
            await conn.execute(f"SET LOCAL statement_timeout = {max(1, int(ctx.timeout * 800))}")
            # binary=True forces the extended protocol, which refuses several statements in one string.
            rows = (await fetch_rows(conn, query, binary=True))[:MAX_HASH_ROWS]
    values = [as_text(next(iter(row.values()), None)) for row in rows]
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
