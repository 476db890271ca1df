"""PostgreSQL and PgBouncer probes against real clusters on 127.0.0.1 (see tests/servers/postgres.py):
the helpers every module here shares."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from linkflow_console.probes.base import ProbeResult
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.engine import run_probe
from linkflow_console.probes.profile import parse_profile
from tests.servers.postgres import PgCerts, PgServer

PG_ENV = "LF_TEST_PG_PASSWORD"
POOLER_ENV = "LF_TEST_POOLER_PASSWORD"


def later(hours: float) -> Callable[[], datetime]:
    return lambda: datetime.now(UTC) + timedelta(hours=hours)


async def probe(
    probe_id: str,
    tmp_path: Path,
    postgres: dict[str, str],
    *,
    s3: dict[str, str] | None = None,
    timeout: float = 5.0,
    clock: Callable[[], datetime] | None = None,
) -> ProbeResult:
    """Run one probe through the real profile parser and engine; values are TOML literals."""
    lines = [f"timeout = {timeout}", "[postgres]", f'password = {{ env = "{PG_ENV}" }}']
    lines += [f"{key} = {value}" for key, value in postgres.items()]
    if s3:
        lines += ["[s3]", *(f"{key} = {value}" for key, value in s3.items())]
    profile = parse_profile("\n".join(lines) + "\n", tmp_path / "profile.toml")
    ctx = ProbeContext(profile, clock=clock) if clock else ProbeContext(profile)
    return await run_probe(probe_id, ctx)


def q(text: str | Path) -> str:
    return json.dumps(str(text))


def evidence(result: ProbeResult, label: str) -> tuple[str, bool | None]:
    line = next(e for e in result.evidence if e.label.startswith(label))
    return line.actual, line.ok


def secure(server: PgServer, certs: PgCerts, **extra: str) -> dict[str, str]:
    return {"dsn": q(server.dsn()), "sslrootcert": q(certs.ca_file), **extra}
