"""Talking to PostgreSQL and PgBouncer: connections with short timeouts, errors turned into
"could not tell", and the small verdict helpers every PostgreSQL probe shares.

psycopg is imported inside functions so that opening the console never pays for it.
Connections are autocommit: the PgBouncer admin console rejects BEGIN, and no probe writes.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from linkflow_console.probes.base import ProbeError, Status, worst
from linkflow_console.probes.context import ProbeContext

if TYPE_CHECKING:
    import psycopg


def error_text(exc: BaseException) -> str:
    """A libpq/server error on one line, without psycopg's generic prefix."""
    text = " ".join(str(exc).split())
    return text.removeprefix("connection failed: ") or type(exc).__name__


def tcp_endpoint(dsn: str) -> tuple[str, int] | None:
    """(host, port) when the DSN names a single TCP host; None for sockets and host lists."""
    import psycopg

    try:
        params = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise ProbeError(f"the DSN does not parse: {error_text(exc)}") from None
    host = str(params.get("hostaddr") or params.get("host") or "")
    port = str(params.get("port") or "5432")
    if not host or host.startswith("/") or "," in host or "," in port or not port.isdigit():
        return None
    return host, int(port)


def describe(dsn: str) -> str:
    endpoint = tcp_endpoint(dsn)
    return f"{endpoint[0]}:{endpoint[1]}" if endpoint else "the server"


async def attempt(
    ctx: ProbeContext, dsn_key: str = "postgres.dsn", password_key: str = "postgres.password", **params: Any
) -> psycopg.AsyncConnection[Any]:
    """Open a connection; psycopg errors propagate (some probes judge them), timeouts become ProbeError."""
    import psycopg

    dsn = str(ctx.setting(dsn_key))
    endpoint = tcp_endpoint(dsn)
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
        raise ProbeError(f"{describe(dsn)} accepted TCP but did not answer within {limit:.1f} s") from None


async def connect(
    ctx: ProbeContext, dsn_key: str = "postgres.dsn", password_key: str = "postgres.password", **params: Any
) -> psycopg.AsyncConnection[Any]:
    import psycopg

    try:
        return await attempt(ctx, dsn_key, password_key, **params)
    except psycopg.Error as exc:
        raise ProbeError(f"cannot connect to {describe(str(ctx.setting(dsn_key)))}: {error_text(exc)}") from None


@asynccontextmanager
async def session(
    ctx: ProbeContext, dsn_key: str = "postgres.dsn", password_key: str = "postgres.password"
) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """A connection whose query errors become ProbeError (could not tell), naming what to grant."""
    import psycopg

    conn = await connect(ctx, dsn_key, password_key)
    try:
        yield conn
    except psycopg.errors.InsufficientPrivilege as exc:
        raise ProbeError(f"the probe's role lacks a privilege (grant it pg_monitor): {error_text(exc)}") from None
    except psycopg.Error as exc:
        raise ProbeError(f"query failed: {error_text(exc)}") from None
    finally:
        await conn.close()


async def fetch_rows(conn: psycopg.AsyncConnection[Any], sql: str, *, binary: bool = False) -> list[dict[str, Any]]:
    from psycopg.rows import dict_row

    async with conn.cursor(row_factory=dict_row) as cursor:
        await cursor.execute(sql, prepare=False, binary=binary)
        return await cursor.fetchall() if cursor.description else []


async def fetch_one(conn: psycopg.AsyncConnection[Any], sql: str) -> dict[str, Any]:
    rows = await fetch_rows(conn, sql)
    if not rows:
        raise ProbeError(f"no row from: {sql.split()[0]} ...")
    return rows[0]


async def show_version(conn: psycopg.AsyncConnection[Any], statement: str = "SHOW VERSION") -> str:
    """PgBouncer's version: a result row since 1.12, only a NOTICE before (no row at all)."""
    notices: list[str] = []

    def keep(diagnostic: Any) -> None:
        notices.append(diagnostic.message_primary or "")

    conn.add_notice_handler(keep)
    try:
        rows = await fetch_rows(conn, statement)
    finally:
        conn.remove_notice_handler(keep)
    return version_text(rows, notices)


def version_text(rows: list[dict[str, Any]], notices: list[str]) -> str:
    """The version a SHOW VERSION answered: its first row's value, else the notice naming PgBouncer."""
    if rows:
        return str(next(iter(rows[0].values())))
    return next((n for n in notices if "pgbouncer" in n.lower()), notices[0] if notices else "")


STANDBY = "postgres.dsn points at a standby (in recovery), so this cannot tell: {what}; point it at the primary"


def verdict(findings: list[tuple[Status, str]], pass_summary: str) -> tuple[Status, str]:
    """The worst finding decides the status; its reasons make the summary."""
    if not findings:
        return Status.PASS, pass_summary
    status = worst([s for s, _ in findings]) or Status.PASS
    return status, "; ".join(reason for s, reason in findings if s == status)


def stamp(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "never"


def as_text(value: Any) -> str | None:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    return None if value is None else str(value)
