"""WAL archiving (postgres.pitr) and the backup schedule (S3 + archiver) against real clusters."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkflow_console.probes.base import Status
from tests.probes.postgres import evidence, later, probe, q
from tests.servers import free_port
from tests.servers.postgres import PgServer
from tests.servers.s3 import S3Server

pytestmark = pytest.mark.servers


# --- postgres.pitr -------------------------------------------------------------------------


async def test_pitr_passes_with_recent_archive(tmp_path: Path, pg_secure: PgServer) -> None:
    result = await probe("postgres.pitr", tmp_path, {"dsn": q(pg_secure.dsn(sslmode="require"))})
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "archive_mode") == ("on", True)
    assert evidence(result, "archive_command") == ("archive_command test …", True)  # arguments never shown
    assert 0 <= result.values["archive_age_seconds"] < 3600
    assert result.values["archived_count"] >= 1


async def test_pitr_warns_when_last_archive_is_old(tmp_path: Path, pg_secure: PgServer) -> None:
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


def s3_settings(server: S3Server, bucket: str, prefix: str = "production/db/") -> dict[str, str]:
    return {
        "endpoint_url": q(server.endpoint_url), "backup_bucket": q(bucket), "backup_prefix": q(prefix),
        "access_key_id": '{ env = "LF_TEST_S3_KEY" }', "secret_access_key": '{ env = "LF_TEST_S3_SECRET" }',
    }


async def test_backup_schedule_passes_with_fresh_backup_and_archiving(
    tmp_path: Path, pg_secure: PgServer, s3_server: S3Server, backups: str
) -> None:
    result = await probe("postgres.backup-schedule", tmp_path, {"dsn": q(pg_secure.dsn(sslmode="require"))}, s3=s3_settings(s3_server, backups))
    assert result.status is Status.PASS, result.summary
    assert result.raw["backup_key"] == "production/db/linkflow-full.sql.gz"
    assert result.values["backup_age_hours"] < 1


async def test_backup_schedule_fails_when_backup_is_older_than_26_hours(
    tmp_path: Path, pg_secure: PgServer, s3_server: S3Server, backups: str
) -> None:
    result = await probe(
        "postgres.backup-schedule", tmp_path, {"dsn": q(pg_secure.dsn(sslmode="require"))}, s3=s3_settings(s3_server, backups), clock=later(30)
    )
    assert result.status is Status.FAIL
    assert "newest full backup" in result.summary
    assert evidence(result, "newest full backup")[1] is False


async def test_backup_schedule_fails_without_backups(
    tmp_path: Path, pg_secure: PgServer, s3_server: S3Server, backups: str
) -> None:
    result = await probe(
        "postgres.backup-schedule", tmp_path, {"dsn": q(pg_secure.dsn(sslmode="require"))}, s3=s3_settings(s3_server, backups, "staging/db/")
    )
    assert result.status is Status.FAIL
    assert result.summary.startswith("no full backup under")


async def test_backup_schedule_fails_when_wal_archiving_fails(
    tmp_path: Path, pg_lax: PgServer, s3_server: S3Server, backups: str
) -> None:
    result = await probe("postgres.backup-schedule", tmp_path, {"dsn": q(pg_lax.dsn())}, s3=s3_settings(s3_server, backups))
    assert result.status is Status.FAIL
    assert "WAL archiving is failing" in result.summary
    assert evidence(result, "newest full backup")[1] is True


async def test_backup_schedule_with_unreachable_s3_is_error(tmp_path: Path, pg_secure: PgServer, backups: str) -> None:
    s3 = {"endpoint_url": q(f"http://127.0.0.1:{free_port()}"), "backup_bucket": q(backups)}
    result = await probe("postgres.backup-schedule", tmp_path, {"dsn": q(pg_secure.dsn(sslmode="require"))}, s3=s3)
    assert result.status is Status.ERROR
    assert "cannot connect" in result.summary
