"""`state init`: create or migrate, idempotent, never drops data; least privileges; refusals."""

from __future__ import annotations

import psycopg
import pytest

from linkflow_console.errors import UserError
from linkflow_console.state.pg import eventlog, schema
from linkflow_console.state.pg.settings import StoreSettings, connect, store_settings
from linkflow_console.state.pg.stream import EventStream
from tests.servers.postgres import PgServer
from tests.state.pg.conftest import CONSOLE, OWNER, console_settings, make_event, owner_settings

pytestmark = pytest.mark.servers


def init(server: PgServer, database: str, grant: list[str] | None = None) -> tuple[int | None, int]:
    settings = owner_settings(server, database)
    with connect(settings) as conn:
        return schema.init_store(conn, settings.display, grant)


def test_init_creates_then_is_idempotent_and_keeps_events(team_pg: PgServer, database: str, tmp_path):
    assert init(team_pg, database) == (None, schema.VERSION)
    stream = EventStream(owner_settings(team_pg, database), "production", "team", directory=tmp_path).open()
    assert stream.append(make_event())
    assert init(team_pg, database) == (schema.VERSION, schema.VERSION)
    rows = team_pg.sql("SELECT count(*) FROM linkflow_console.events", database=database)
    assert rows == [(1,)]
    marker = team_pg.sql("SELECT value FROM linkflow_console.meta WHERE key = 'marker'", database=database)
    assert marker == [(schema.MARKER,)]


def test_several_checklists_and_environments_side_by_side(team_pg: PgServer, database: str, tmp_path):
    init(team_pg, database)
    settings = owner_settings(team_pg, database)
    staging = EventStream(settings, "production", "staging", directory=tmp_path).open()
    prod = EventStream(settings, "production", "production", directory=tmp_path).open()
    other = EventStream(settings, "team-launch", "production", directory=tmp_path).open()
    staging.append(make_event(environment="staging"))
    prod.append(make_event(environment="production", kind="note", text="hello"))
    other.append(make_event(checklist="team-launch", environment="production"))
    assert [e["kind"] for e in prod.events()] == ["note"]
    assert len(staging.events()) == len(other.events()) == 1
    with connect(settings) as conn:
        assert eventlog.streams(conn) == [("production", "production", 1), ("production", "staging", 1), ("team-launch", "production", 1)]


def test_least_privilege_role_records_and_reads_but_cannot_rewrite_history(team_pg: PgServer, database: str, tmp_path):
    init(team_pg, database, grant=[CONSOLE])
    settings = console_settings(team_pg, database)
    writer = EventStream(settings, "production", "team", directory=tmp_path / "a").open()
    event = make_event(kind="note", text="from the least-privileged role")
    assert writer.append(event) is True
    assert writer.append(event) is True  # a retried insert is harmless
    reader = EventStream(settings, "production", "team", directory=tmp_path / "b").open()
    assert [e["id"] for e in reader.events()] == [event["id"]]
    with connect(settings) as conn:
        for statement in ("UPDATE linkflow_console.events SET kind = 'untick'",
                          "DELETE FROM linkflow_console.events",
                          "TRUNCATE linkflow_console.events",
                          "UPDATE linkflow_console.meta SET value = '2' WHERE key = 'schema_version'",
                          "INSERT INTO linkflow_console.meta VALUES ('x', 'y')",
                          "CREATE TABLE linkflow_console.shadow (id int)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    assert team_pg.sql("SELECT count(*) FROM linkflow_console.events", database=database) == [(1,)]


def test_database_without_a_store_is_refused_with_the_command_that_makes_one(team_pg: PgServer, database: str, tmp_path):
    settings = owner_settings(team_pg, database)
    with pytest.raises(schema.StoreRefused) as caught:
        EventStream(settings, "production", "team", directory=tmp_path).open()
    assert caught.value.exit_code == 2
    assert "is not a linkflow-console store" in str(caught.value)
    assert "state init" in str(caught.value)


@pytest.mark.parametrize("foreign", [
    ["CREATE TABLE linkflow_console.accounts (id int)"],
    ["CREATE TABLE linkflow_console.meta (key text, value text)", "INSERT INTO linkflow_console.meta VALUES ('marker', 'another app')"],
])
def test_foreign_schema_is_refused_and_never_touched(team_pg: PgServer, database: str, tmp_path, foreign: list[str]):
    team_pg.sql(f"SET ROLE {OWNER}", "CREATE SCHEMA linkflow_console", *foreign, database=database)
    before = team_pg.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'linkflow_console'", database=database)
    for attempt in (lambda: init(team_pg, database),
                    lambda: EventStream(owner_settings(team_pg, database), "production", "team", directory=tmp_path).open()):
        with pytest.raises(schema.StoreRefused, match="not a linkflow-console store"):
            attempt()
    assert team_pg.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'linkflow_console'", database=database) == before


def test_newer_schema_is_refused_and_nothing_changes(team_pg: PgServer, database: str, tmp_path):
    init(team_pg, database)
    team_pg.sql("UPDATE linkflow_console.meta SET value = '99' WHERE key = 'schema_version'", database=database)
    for attempt in (lambda: init(team_pg, database),
                    lambda: EventStream(owner_settings(team_pg, database), "production", "team", directory=tmp_path).open()):
        with pytest.raises(schema.StoreRefused, match="schema version 99, newer than this console's") as caught:
            attempt()
        assert "upgrade linkflow-console" in str(caught.value)
    assert team_pg.sql("SELECT value FROM linkflow_console.meta WHERE key = 'schema_version'", database=database) == [("99",)]


def test_password_in_the_url_is_refused_and_not_echoed():
    with pytest.raises(UserError) as caught:
        store_settings("postgresql://console:hunter2@db.internal/ops", None)
    assert "hunter2" not in str(caught.value)
    assert "password" in str(caught.value)
    with pytest.raises(UserError):
        store_settings("postgresql://console@db.internal/ops?password=hunter2", None)
    assert store_settings("team.toml", None) is None


def test_wrong_password_is_the_users_to_fix_not_offline(team_pg: PgServer, database: str, monkeypatch):
    monkeypatch.setenv("LF_WRONG", "not-the-password")
    from linkflow_console.probes.profile import SecretRef

    settings = StoreSettings(f"postgresql://{CONSOLE}@127.0.0.1:{team_pg.port}/{database}", SecretRef(env="LF_WRONG"))
    with pytest.raises(UserError) as caught:
        connect(settings)
    assert "password authentication failed" in str(caught.value)
    assert "not-the-password" not in str(caught.value)


def test_tls_is_verified_when_a_trust_anchor_is_given(pg_workdir, pg_certs, tmp_path, monkeypatch):
    """sslrootcert means verify-full: the right CA connects over TLS, another CA is refused (exit 2),
    never downgraded to offline."""
    import trustme

    from linkflow_console.probes.profile import SecretRef
    from tests.servers.postgres import PgSpec, running_cluster

    spec = PgSpec(ssl=True, hba=["hostssl all all 127.0.0.1/32 scram-sha-256"])
    with running_cluster(pg_workdir, "team-tls", spec, pg_certs) as server:
        server.sql(f"CREATE ROLE {OWNER} LOGIN PASSWORD 'tls-Pw-1'", "CREATE DATABASE ops_tls", database="postgres")
        server.sql(f"ALTER DATABASE ops_tls OWNER TO {OWNER}", database="postgres")
        monkeypatch.setenv("LF_TLS_PW", "tls-Pw-1")
        url = f"postgresql://{OWNER}@127.0.0.1:{server.port}/ops_tls"
        good = StoreSettings(url, SecretRef(env="LF_TLS_PW"), str(pg_certs.ca_file))
        with connect(good) as conn:
            assert schema.init_store(conn, good.display) == (None, schema.VERSION)
            assert conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone() == (True,)
        other_ca = tmp_path / "other-ca.pem"
        trustme.CA().cert_pem.write_to_path(str(other_ca))
        with pytest.raises(UserError, match="certificate"):
            connect(StoreSettings(url, SecretRef(env="LF_TLS_PW"), str(other_ca)))
