"""A throwaway PostgreSQL cluster for the team-state tests: an owner role that runs `state init`, a
console role with only the least privileges, and a fresh database per test."""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from linkflow_console.probes.profile import SecretRef
from linkflow_console.state.pg.settings import StoreSettings
from tests.servers import wait_for_port
from tests.servers.postgres import PgServer, PgSpec, _as_postgres, _wait_ready, running_cluster, stop_postgres

OWNER, OWNER_PASSWORD = "ops_owner", "owner-Pw-5e1a"
CONSOLE, CONSOLE_PASSWORD = "console", "console-Pw-c93f"
OWNER_ENV, CONSOLE_ENV = "LF_TEST_STATE_OWNER_PW", "LF_TEST_STATE_CONSOLE_PW"
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def team_pg(pg_workdir: Path) -> Iterator[PgServer]:
    """One cluster for every team-state test (each test has its own database)."""
    spec = PgSpec(hba=["host all all 127.0.0.1/32 scram-sha-256"], settings={"max_connections": "40"})
    with running_cluster(pg_workdir, "team", spec) as server:
        server.sql(
            f"CREATE ROLE {OWNER} LOGIN PASSWORD '{OWNER_PASSWORD}'",
            f"CREATE ROLE {CONSOLE} LOGIN PASSWORD '{CONSOLE_PASSWORD}'",
            database="postgres",
        )
        yield server


@pytest.fixture(autouse=True)
def _passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(OWNER_ENV, OWNER_PASSWORD)
    monkeypatch.setenv(CONSOLE_ENV, CONSOLE_PASSWORD)


@pytest.fixture
def database(team_pg: PgServer) -> str:
    """A fresh, empty database owned by the owner role."""
    name = f"ops_{next(_numbers)}"
    team_pg.sql(f"CREATE DATABASE {name} OWNER {OWNER}", database="postgres")
    return name


@pytest.fixture
def store(team_pg: PgServer, database: str) -> StoreSettings:
    """A store made by `state init`, opened as the least-privileged console role."""
    from linkflow_console.state.pg import schema
    from linkflow_console.state.pg.settings import connect

    owner = owner_settings(team_pg, database)
    with connect(owner) as conn:
        schema.init_store(conn, owner.display, [CONSOLE])
    return console_settings(team_pg, database)


def owner_settings(server: PgServer, database: str) -> StoreSettings:
    return StoreSettings(f"postgresql://{OWNER}@127.0.0.1:{server.port}/{database}", SecretRef(env=OWNER_ENV))


def console_settings(server: PgServer, database: str) -> StoreSettings:
    return StoreSettings(f"postgresql://{CONSOLE}@127.0.0.1:{server.port}/{database}", SecretRef(env=CONSOLE_ENV))


def restart(server: PgServer) -> None:
    """Start a stopped cluster again on the same port (the store's URL, and so its journal, stay)."""
    with server.log.open("ab") as out:
        server.proc = subprocess.Popen(server.proc.args, stdout=out, stderr=subprocess.STDOUT, **_as_postgres(server.directory))
    wait_for_port(server.port, proc=server.proc)
    _wait_ready(server)


def stop(server: PgServer) -> None:
    stop_postgres(server)


def make_event(kind: str = "tick", target: str = "security.auth.jwt-secret", *, by: str = "alice",
               checklist: str = "production", environment: str = "team", **fields) -> dict:
    import uuid

    return {"v": 1, "id": uuid.uuid4().hex, "kind": kind, "target": target, "fields": fields, "by": by,
            "at": "2026-11-26T09:30:00+00:00", "checklist": checklist, "environment": environment}
