"""postgres.slow-queries against a real cluster with pg_stat_statements: statements are run for
real (pg_sleep for the slow ones) after a reset, then judged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linkflow_console.probes.base import ProbeResult, Status
from tests.probes.postgres import probe, q
from tests.servers.postgres import PgServer

pytestmark = pytest.mark.servers


async def slow_queries(tmp_path: Path, server: PgServer, **params: str) -> ProbeResult:
    return await probe("postgres.slow-queries", tmp_path, {"dsn": q(server.dsn(**params))})


def run_statements(server: PgServer, *statements: str, times: int = 5) -> None:
    """Reset pg_stat_statements, then run each statement `times` times in the LinkFlow database."""
    server.sql("SELECT pg_stat_statements_reset()")
    with server.admin() as conn:
        for statement in statements:
            for _ in range(times):
                conn.execute(statement)


async def test_fast_statements_pass(tmp_path: Path, pg_secure: PgServer) -> None:
    run_statements(pg_secure, "SELECT count(*) FROM users", "SELECT email FROM users WHERE email = 'x'")
    result = await slow_queries(tmp_path, pg_secure, sslmode="require")
    assert result.status is Status.PASS, result.summary
    assert result.values["statements_judged"] >= 2
    assert any("SELECT email FROM users WHERE email = $1" in e.actual for e in result.evidence)


async def test_statement_over_50_ms_on_average_warns_naming_it(tmp_path: Path, pg_secure: PgServer) -> None:
    run_statements(pg_secure, "SELECT pg_sleep(0.06)", "SELECT count(*) FROM users")
    result = await slow_queries(tmp_path, pg_secure, sslmode="require")
    assert result.status is Status.WARN, result.summary
    assert result.summary.startswith("1 slow statement(s) by mean time")
    slow = [e for e in result.evidence if e.ok is False]
    assert len(slow) == 1 and "SELECT pg_sleep($1)" in slow[0].actual
    assert 50 < result.values["slowest_mean_ms"] < 500


async def test_statement_over_500_ms_on_average_fails(tmp_path: Path, pg_secure: PgServer) -> None:
    run_statements(pg_secure, "SELECT pg_sleep(0.51)")
    result = await slow_queries(tmp_path, pg_secure, sslmode="require")
    assert result.status is Status.FAIL, result.summary
    assert result.values["slowest_mean_ms"] > 500


async def test_nothing_run_often_enough_warns(tmp_path: Path, pg_secure: PgServer) -> None:
    run_statements(pg_secure, "SELECT 1", times=2)
    result = await slow_queries(tmp_path, pg_secure, sslmode="require")
    assert result.status is Status.WARN
    assert result.summary.startswith("nothing to judge yet")


async def test_utility_statement_text_is_never_shown(tmp_path: Path, pg_secure: PgServer) -> None:
    run_statements(pg_secure, "SET application_name = 'literal-s3cret-value'")
    result = await slow_queries(tmp_path, pg_secure, sslmode="require")
    assert "literal-s3cret-value" not in json.dumps(result.to_dict())
    assert any(e.actual.endswith("(utility statement: text not shown)") for e in result.evidence)


@pytest.mark.parametrize(("cluster", "reason"), [
    ("pg_plain", "pg_stat_statements is not installed"),
    ("pg_lax", "collects nothing"),  # installed, not preloaded
])
async def test_without_statistics_it_cannot_tell(tmp_path: Path, request: pytest.FixtureRequest, cluster: str, reason: str) -> None:
    server: PgServer = request.getfixturevalue(cluster)
    result = await slow_queries(tmp_path, server)
    assert result.status is Status.ERROR
    assert reason in result.summary
