"""PostgreSQL and PgBouncer probes against real clusters on 127.0.0.1 (see tests/servers/postgres.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.engine import run_probe
from linkflow_console.probes.profile import parse_profile
from tests.servers import free_port
from tests.servers.postgres import (  # noqa: F401
    POOLER_ADMIN,
    POOLER_PASSWORD,
    PROBE_PASSWORD,
    PgCerts,
    PgServer,
    Pooler,
    pg_certs,
    pg_lax,
    pg_plain,
    pg_replica,
    pg_secure,
    pg_workdir,
    pgbouncer,
)
from tests.servers.s3 import OPEN_KEY_ID, OPEN_SECRET, S3Server, s3_server, silent_port  # noqa: F401

pytestmark = pytest.mark.servers

PG_ENV = "LF_TEST_PG_PASSWORD"
POOLER_ENV = "LF_TEST_POOLER_PASSWORD"
DSN_PROBES = ["postgres.ssl-required", "postgres.pitr", "postgres.replicas", "postgres.monitoring"]


@pytest.fixture(autouse=True)
def passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PG_ENV, PROBE_PASSWORD)
    monkeypatch.setenv(POOLER_ENV, POOLER_PASSWORD)
    monkeypatch.setenv("LF_TEST_S3_KEY", OPEN_KEY_ID)
    monkeypatch.setenv("LF_TEST_S3_SECRET", OPEN_SECRET)


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


# --- start-up cost ---------------------------------------------------------------------------


def test_importing_the_module_does_not_import_psycopg() -> None:
    code = "import sys, linkflow_console.probes.postgres; print('psycopg' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- connection errors shared by every probe ------------------------------------------------


@pytest.mark.parametrize("probe_id", DSN_PROBES)
async def test_refused_port_is_error(probe_id: str, tmp_path: Path) -> None:
    result = await probe(probe_id, tmp_path, {"dsn": q(f"postgresql://probe@127.0.0.1:{free_port()}/linkflow")})
    assert result.status is Status.ERROR
    assert "cannot connect to 127.0.0.1" in result.summary


@pytest.mark.parametrize("probe_id", ["postgres.ssl-required", "postgres.pitr"])
async def test_silent_port_is_error(probe_id: str, tmp_path: Path, silent_port: int) -> None:  # noqa: F811
    result = await probe(probe_id, tmp_path, {"dsn": q(f"postgresql://probe@127.0.0.1:{silent_port}/linkflow")}, timeout=2.0)
    assert result.status is Status.ERROR
    assert "did not answer" in result.summary


@pytest.mark.parametrize("probe_id", ["postgres.ssl-required", "postgres.monitoring"])
async def test_wrong_password_is_error(
    probe_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_secure: PgServer, pg_certs: PgCerts  # noqa: F811
) -> None:
    monkeypatch.setenv(PG_ENV, "not-the-password")
    result = await probe(probe_id, tmp_path, secure(pg_secure, pg_certs))
    assert result.status is Status.ERROR
    assert "password authentication failed" in result.summary


async def test_unset_password_variable_is_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_secure: PgServer) -> None:  # noqa: F811
    monkeypatch.delenv(PG_ENV)
    result = await probe("postgres.pitr", tmp_path, {"dsn": q(pg_secure.dsn())})
    assert result.status is Status.ERROR
    assert PG_ENV in result.summary


# --- postgres.ssl-required -----------------------------------------------------------------


async def test_ssl_required_passes_with_hostssl_only(tmp_path: Path, pg_secure: PgServer, pg_certs: PgCerts) -> None:  # noqa: F811
    result = await probe("postgres.ssl-required", tmp_path, secure(pg_secure, pg_certs))
    assert result.status is Status.PASS, result.summary
    assert result.raw["tls_protocol"] in ("TLSv1.2", "TLSv1.3")
    assert result.raw["tls_sslmode"] == "verify-full"
    refusal, refused = evidence(result, "plaintext connection")
    assert refused is True and "no encryption" in refusal
    assert PROBE_PASSWORD not in json.dumps(result.to_dict())


async def test_ssl_required_fails_when_plaintext_is_accepted(tmp_path: Path, pg_lax: PgServer, pg_certs: PgCerts) -> None:  # noqa: F811
    result = await probe("postgres.ssl-required", tmp_path, secure(pg_lax, pg_certs))
    assert result.status is Status.FAIL
    actual, ok = evidence(result, "plaintext connection")
    assert ok is False and actual.startswith("accepted")
    assert result.raw["tls_cipher"] != "unknown"  # TLS itself worked


async def test_ssl_required_fails_when_ssl_is_off(tmp_path: Path, pg_plain: PgServer) -> None:  # noqa: F811
    result = await probe("postgres.ssl-required", tmp_path, {"dsn": q(pg_plain.dsn())})
    assert result.status is Status.FAIL
    actual, ok = evidence(result, "server ssl")
    assert ok is False and actual.startswith("off")


async def test_ssl_required_untrusted_certificate_is_error_not_ssl_off(
    tmp_path: Path, pg_secure: PgServer  # noqa: F811
) -> None:
    import trustme

    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    result = await probe("postgres.ssl-required", tmp_path, {"dsn": q(pg_secure.dsn()), "sslrootcert": q(other_ca)})
    assert result.status is Status.ERROR
    assert "certificate verify failed" in result.summary


# --- postgres.pooler -----------------------------------------------------------------------


def pooler_settings(dsn: str, password_env: str = POOLER_ENV) -> dict[str, str]:
    return {"pooler_dsn": q(dsn), "pooler_password": f'{{ env = "{password_env}" }}'}


async def test_pooler_passes_on_pgbouncer_admin_console(tmp_path: Path, pgbouncer: Pooler, pg_certs: PgCerts) -> None:  # noqa: F811
    # The database's trust anchor must not force TLS onto a pooler that listens without it.
    settings = pooler_settings(pgbouncer.dsn()) | {"sslrootcert": q(pg_certs.ca_file)}
    result = await probe("postgres.pooler", tmp_path, settings)
    assert result.status is Status.PASS, result.summary
    assert result.raw["show_version"].startswith("PgBouncer")
    assert result.values["pools"] >= 1
    assert "pgbouncer/" in result.raw["pools"]


async def test_pooler_fails_when_the_dsn_is_plain_postgres(tmp_path: Path, pg_plain: PgServer) -> None:  # noqa: F811
    result = await probe("postgres.pooler", tmp_path, pooler_settings(pg_plain.dsn(), password_env=PG_ENV))
    assert result.status is Status.FAIL
    actual, ok = evidence(result, "SHOW VERSION")
    assert ok is False and "unrecognized configuration parameter" in actual


async def test_pooler_wrong_password_is_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pgbouncer: Pooler) -> None:  # noqa: F811
    monkeypatch.setenv(POOLER_ENV, "wrong-pooler-password")
    result = await probe("postgres.pooler", tmp_path, pooler_settings(pgbouncer.dsn()))
    assert result.status is Status.ERROR
    assert "cannot connect" in result.summary and "authentication failed" in result.summary


async def test_pooler_refused_is_error(tmp_path: Path) -> None:
    result = await probe("postgres.pooler", tmp_path, pooler_settings(f"postgresql://{POOLER_ADMIN}@127.0.0.1:{free_port()}/pgbouncer"))
    assert result.status is Status.ERROR
    assert "Connection refused" in result.summary or "cannot connect" in result.summary


# --- postgres.pitr -------------------------------------------------------------------------


async def test_pitr_passes_with_recent_archive(tmp_path: Path, pg_secure: PgServer) -> None:  # noqa: F811
    result = await probe("postgres.pitr", tmp_path, {"dsn": q(pg_secure.dsn(sslmode="require"))})
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "archive_mode") == ("on", True)
    assert evidence(result, "archive_command") == ("archive_command test …", True)  # arguments never shown
    assert 0 <= result.values["archive_age_seconds"] < 3600
    assert result.values["archived_count"] >= 1


async def test_pitr_warns_when_last_archive_is_old(tmp_path: Path, pg_secure: PgServer) -> None:  # noqa: F811
    result = await probe("postgres.pitr", tmp_path, {"dsn": q(pg_secure.dsn(sslmode="require"))}, clock=later(2))
    assert result.status is Status.WARN
    assert "last WAL archived" in result.summary
    assert result.values["archive_age_seconds"] > 3600


@pytest.mark.parametrize(
    ("probe_id", "cluster", "reason", "label", "actual"),
    [
        ("postgres.pitr", "pg_lax", "WAL archiving is failing", "failure after the last success", None),
        ("postgres.pitr", "pg_plain", "archive_mode is off", "wal_level", "minimal"),
        ("postgres.monitoring", "pg_lax", "not in shared_preload_libraries", "pg_stat_statements view", None),
        ("postgres.monitoring", "pg_plain", "not installed", "pg_stat_statements extension", "not installed"),
    ],
)
async def test_fails_on_a_weak_cluster(
    probe_id: str, cluster: str, reason: str, label: str, actual: str | None, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    server: PgServer = request.getfixturevalue(cluster)
    result = await probe(probe_id, tmp_path, {"dsn": q(server.dsn())})
    assert result.status is Status.FAIL
    assert reason in result.summary
    line, ok = evidence(result, label)
    assert ok is False
    assert actual is None or line == actual


# --- postgres.replicas ---------------------------------------------------------------------


async def test_replicas_passes_with_a_streaming_standby(tmp_path: Path, pg_secure: PgServer, pg_replica: PgServer) -> None:  # noqa: F811
    result = await probe("postgres.replicas", tmp_path, {"dsn": q(pg_secure.dsn(sslmode="require"))})
    assert result.status is Status.PASS, result.summary
    assert result.values["streaming_replicas"] == 1
    actual, ok = evidence(result, "replica replica1")
    assert ok is True and actual.startswith("streaming")


@pytest.mark.parametrize("probe_id", ["postgres.replicas", "postgres.pitr"])
async def test_pointing_at_a_standby_is_error(probe_id: str, tmp_path: Path, pg_replica: PgServer) -> None:  # noqa: F811
    result = await probe(probe_id, tmp_path, {"dsn": q(pg_replica.dsn())})
    assert result.status is Status.ERROR
    assert "points at a standby" in result.summary


async def test_replicas_fails_without_a_standby(tmp_path: Path, pg_plain: PgServer) -> None:  # noqa: F811
    result = await probe("postgres.replicas", tmp_path, {"dsn": q(pg_plain.dsn())})
    assert result.status is Status.FAIL
    assert result.summary == "no streaming replica"
    assert result.values["streaming_replicas"] == 0


# --- postgres.monitoring -------------------------------------------------------------------


async def test_monitoring_passes_with_pg_stat_statements(tmp_path: Path, pg_secure: PgServer) -> None:  # noqa: F811
    result = await probe("postgres.monitoring", tmp_path, {"dsn": q(pg_secure.dsn(sslmode="require"))})
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "pg_stat_statements view") == ("readable", True)
    assert result.values["max_connections"] == 20
    assert result.values["connections_in_use"] >= 1


async def test_monitoring_warns_when_connections_are_nearly_exhausted(tmp_path: Path, pg_secure: PgServer) -> None:  # noqa: F811
    held = [pg_secure.admin() for _ in range(16)]  # + the probe's own = 17 of 20
    try:
        result = await probe("postgres.monitoring", tmp_path, {"dsn": q(pg_secure.dsn(sslmode="require"))})
    finally:
        for conn in held:
            conn.close()
    assert result.status is Status.WARN, result.summary
    assert result.values["connections_used_ratio"] > 0.8
    assert evidence(result, "connections in use")[1] is False


# --- postgres.bcrypt-cost ------------------------------------------------------------------


async def bcrypt(tmp_path: Path, server: PgServer, query: str) -> ProbeResult:
    return await probe("postgres.bcrypt-cost", tmp_path, {"dsn": q(server.dsn(sslmode="require")), "password_hash_query": q(query)})


async def test_bcrypt_cost_passes_at_12_and_never_shows_the_hash(tmp_path: Path, pg_secure: PgServer) -> None:  # noqa: F811
    result = await bcrypt(tmp_path, pg_secure, "SELECT password FROM users ORDER BY created_at DESC LIMIT 1")
    assert result.status is Status.PASS, result.summary
    assert result.values["bcrypt_cost"] == 12
    assert result.raw["weakest_prefix"] == "$2a$12$…"
    (stored,) = pg_secure.sql("SELECT password FROM users WHERE email = 'strong@example.com'")[0]
    assert stored[7:] not in json.dumps(result.to_dict())


async def test_bcrypt_cost_fails_below_12(tmp_path: Path, pg_secure: PgServer) -> None:  # noqa: F811
    result = await bcrypt(tmp_path, pg_secure, "SELECT password FROM users")
    assert result.status is Status.FAIL
    assert evidence(result, "weakest bcrypt cost") == ("10 ($2a$10$…)", False)


async def test_bcrypt_cost_without_rows_is_error(tmp_path: Path, pg_secure: PgServer) -> None:  # noqa: F811
    result = await bcrypt(tmp_path, pg_secure, "SELECT password FROM users WHERE false")
    assert result.status is Status.ERROR
    assert "no bcrypt hash in the 0 row(s)" in result.summary


async def test_bcrypt_cost_with_a_non_bcrypt_value_is_error_and_hides_it(tmp_path: Path, pg_secure: PgServer) -> None:  # noqa: F811
    result = await bcrypt(tmp_path, pg_secure, "SELECT 'hunter2-plaintext' AS password UNION ALL SELECT '$argon2id$v=19$m=65536$abc$def'")
    assert result.status is Status.ERROR
    assert "$argon2id$" in result.summary
    assert "hunter2" not in json.dumps(result.to_dict())


@pytest.mark.parametrize("query", ["DELETE FROM users RETURNING password", "SELECT password FROM users; DROP TABLE users"])
async def test_bcrypt_cost_query_cannot_write(query: str, tmp_path: Path, pg_secure: PgServer) -> None:  # noqa: F811
    result = await bcrypt(tmp_path, pg_secure, query)
    assert result.status is Status.ERROR
    assert pg_secure.sql("SELECT count(*) FROM users") == [(2,)]


# --- postgres.backup-schedule --------------------------------------------------------------


@pytest.fixture(scope="module")
def backups(s3_server: S3Server) -> str:  # noqa: F811
    bucket = s3_server.new_bucket("pg-backups")
    s3_server.client().put_object(Bucket=bucket, Key="production/db/linkflow-full.sql.gz", Body=b"dump")
    return bucket


def s3_settings(server: S3Server, bucket: str, prefix: str = "production/db/") -> dict[str, str]:
    return {
        "endpoint_url": q(server.endpoint_url), "backup_bucket": q(bucket), "backup_prefix": q(prefix),
        "access_key_id": '{ env = "LF_TEST_S3_KEY" }', "secret_access_key": '{ env = "LF_TEST_S3_SECRET" }',
    }


async def test_backup_schedule_passes_with_fresh_backup_and_archiving(
    tmp_path: Path, pg_secure: PgServer, s3_server: S3Server, backups: str  # noqa: F811
) -> None:
    result = await probe("postgres.backup-schedule", tmp_path, {"dsn": q(pg_secure.dsn(sslmode="require"))}, s3=s3_settings(s3_server, backups))
    assert result.status is Status.PASS, result.summary
    assert result.raw["backup_key"] == "production/db/linkflow-full.sql.gz"
    assert result.values["backup_age_hours"] < 1


async def test_backup_schedule_fails_when_backup_is_older_than_26_hours(
    tmp_path: Path, pg_secure: PgServer, s3_server: S3Server, backups: str  # noqa: F811
) -> None:
    result = await probe(
        "postgres.backup-schedule", tmp_path, {"dsn": q(pg_secure.dsn(sslmode="require"))}, s3=s3_settings(s3_server, backups), clock=later(30)
    )
    assert result.status is Status.FAIL
    assert "newest full backup" in result.summary
    assert evidence(result, "newest full backup")[1] is False


async def test_backup_schedule_fails_without_backups(
    tmp_path: Path, pg_secure: PgServer, s3_server: S3Server, backups: str  # noqa: F811
) -> None:
    result = await probe(
        "postgres.backup-schedule", tmp_path, {"dsn": q(pg_secure.dsn(sslmode="require"))}, s3=s3_settings(s3_server, backups, "staging/db/")
    )
    assert result.status is Status.FAIL
    assert result.summary.startswith("no full backup under")


async def test_backup_schedule_fails_when_wal_archiving_fails(
    tmp_path: Path, pg_lax: PgServer, s3_server: S3Server, backups: str  # noqa: F811
) -> None:
    result = await probe("postgres.backup-schedule", tmp_path, {"dsn": q(pg_lax.dsn())}, s3=s3_settings(s3_server, backups))
    assert result.status is Status.FAIL
    assert "WAL archiving is failing" in result.summary
    assert evidence(result, "newest full backup")[1] is True


async def test_backup_schedule_with_unreachable_s3_is_error(tmp_path: Path, pg_secure: PgServer, backups: str) -> None:  # noqa: F811
    s3 = {"endpoint_url": q(f"http://127.0.0.1:{free_port()}"), "backup_bucket": q(backups)}
    result = await probe("postgres.backup-schedule", tmp_path, {"dsn": q(pg_secure.dsn(sslmode="require"))}, s3=s3)
    assert result.status is Status.ERROR
    assert "cannot connect" in result.summary
