"""postgres.managed-hosting against real clusters: a provider's settings seen by a client, or none."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkflow_console.probes.base import Status
from linkflow_console.probes.postgres.hosting import detect
from tests.probes.postgres import evidence, probe, q
from tests.servers.postgres import PgServer

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def rds_like_database(pg_plain: PgServer) -> str:
    """A database whose settings carry what an RDS parameter group shows every client (rds.*)."""
    if not pg_plain.sql("SELECT 1 FROM pg_database WHERE datname = 'rds_like'"):
        pg_plain.sql("CREATE DATABASE rds_like", "ALTER DATABASE rds_like SET rds.force_ssl = '1'",
                     "ALTER DATABASE rds_like SET rds.extensions = 'pg_stat_statements, pgcrypto'")
    return pg_plain.dsn(database="rds_like")


async def test_self_hosted_server_warns_that_it_cannot_tell(tmp_path: Path, pg_plain: PgServer) -> None:
    result = await probe("postgres.managed-hosting", tmp_path, {"dsn": q(pg_plain.dsn())})
    assert result.status is Status.WARN, result.summary
    assert "no managed provider" in result.summary
    assert evidence(result, "provider settings or roles") == ("none visible", False)
    assert evidence(result, "server version")[1] is True


async def test_provider_settings_visible_to_a_client_pass_naming_the_provider(tmp_path: Path, rds_like_database: str) -> None:
    result = await probe("postgres.managed-hosting", tmp_path, {"dsn": q(rds_like_database)})
    assert result.status is Status.PASS, result.summary
    assert "Amazon RDS / Aurora" in result.summary
    actual, ok = evidence(result, "provider settings or roles")
    assert ok is True and "rds.force_ssl" in actual
    assert evidence(result, "Multi-AZ")[1] is None  # said plainly: not visible from here


def test_detect_reads_settings_and_roles_of_each_provider() -> None:
    assert detect(["cloudsql.iam_authentication", "pg_stat_statements.max"], ["postgres"]) == [
        ("Google Cloud SQL", ["cloudsql.iam_authentication"])]
    assert detect([], ["azure_pg_admin", "probe"]) == [("Azure Database for PostgreSQL", ["azure_pg_admin"])]
    assert detect(["auto_explain.log_min_duration"], ["postgres", "probe"]) == []
