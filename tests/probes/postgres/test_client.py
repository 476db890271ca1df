"""Connecting: start-up cost, and every way of not getting an answer is `error`."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkflow_console.probes.base import Status
from linkflow_console.probes.postgres.client import show_version, version_text
from tests.probes.postgres import PG_ENV, probe, q, secure
from tests.servers import free_port
from tests.servers.postgres import PROBE_PASSWORD, PgCerts, PgServer

pytestmark = pytest.mark.servers

DSN_PROBES = ["postgres.ssl-required", "postgres.pitr", "postgres.replicas", "postgres.monitoring"]


# --- connection errors shared by every probe ------------------------------------------------


@pytest.mark.parametrize("probe_id", DSN_PROBES)
async def test_refused_port_is_error(probe_id: str, tmp_path: Path) -> None:
    result = await probe(probe_id, tmp_path, {"dsn": q(f"postgresql://probe@127.0.0.1:{free_port()}/linkflow")})
    assert result.status is Status.ERROR
    assert "cannot connect to 127.0.0.1" in result.summary


@pytest.mark.parametrize("probe_id", ["postgres.ssl-required", "postgres.pitr"])
async def test_silent_port_is_error(probe_id: str, tmp_path: Path, silent_port: int) -> None:
    result = await probe(probe_id, tmp_path, {"dsn": q(f"postgresql://probe@127.0.0.1:{silent_port}/linkflow")}, timeout=2.0)
    assert result.status is Status.ERROR
    assert "did not answer" in result.summary


@pytest.mark.parametrize("probe_id", ["postgres.ssl-required", "postgres.monitoring"])
async def test_wrong_password_is_error(
    probe_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_secure: PgServer, pg_certs: PgCerts
) -> None:
    monkeypatch.setenv(PG_ENV, "not-the-password")
    result = await probe(probe_id, tmp_path, secure(pg_secure, pg_certs))
    assert result.status is Status.ERROR
    assert "password authentication failed" in result.summary


async def test_unset_password_variable_is_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_secure: PgServer) -> None:
    monkeypatch.delenv(PG_ENV)
    result = await probe("postgres.pitr", tmp_path, {"dsn": q(pg_secure.dsn())})
    assert result.status is Status.ERROR
    assert PG_ENV in result.summary


# --- PgBouncer's version: a row since 1.12, a NOTICE before ---------------------------------


def test_version_text_prefers_the_row_then_a_notice_naming_pgbouncer() -> None:
    assert version_text([{"version": "PgBouncer 1.18.0"}], []) == "PgBouncer 1.18.0"
    assert version_text([], ["some other notice", "PgBouncer 1.9.0"]) == "PgBouncer 1.9.0"
    assert version_text([], ["unrelated"]) == "unrelated"
    assert version_text([], []) == ""


async def test_a_version_sent_only_as_a_notice_is_read(pg_plain: PgServer) -> None:
    # PgBouncer before 1.12 answers SHOW VERSION with a NOTICE and no row; a real server sends one
    # the same way (RAISE NOTICE), so the notice path is read off the wire, not mocked.
    import psycopg

    async with await psycopg.AsyncConnection.connect(pg_plain.dsn(), password=PROBE_PASSWORD, autocommit=True) as conn:
        answer = await show_version(conn, "DO $$ BEGIN RAISE NOTICE 'PgBouncer 1.9.0'; END $$")
        row = await show_version(conn, "SELECT 'PgBouncer 1.18.0' AS version")
    assert (answer, row) == ("PgBouncer 1.9.0", "PgBouncer 1.18.0")
