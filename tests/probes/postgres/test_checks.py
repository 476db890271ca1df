"""TLS, the pooler, replicas, pg_stat_statements and connections, bcrypt cost, against real clusters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linkflow_console.probes.base import ProbeResult, Status
from tests.probes.postgres import PG_ENV, POOLER_ENV, evidence, probe, q, secure
from tests.servers import free_port
from tests.servers.postgres import POOLER_ADMIN, PROBE_PASSWORD, PgCerts, PgServer, Pooler

pytestmark = pytest.mark.servers


# --- postgres.ssl-required -----------------------------------------------------------------


async def test_ssl_required_passes_with_hostssl_only(tmp_path: Path, pg_secure: PgServer, pg_certs: PgCerts) -> None:
    result = await probe("postgres.ssl-required", tmp_path, secure(pg_secure, pg_certs))
    assert result.status is Status.PASS, result.summary
    assert result.raw["tls_protocol"] in ("TLSv1.2", "TLSv1.3")
    assert result.raw["tls_sslmode"] == "verify-full"
    refusal, refused = evidence(result, "plaintext connection")
    assert refused is True and "no encryption" in refusal
    assert PROBE_PASSWORD not in json.dumps(result.to_dict())


async def test_ssl_required_fails_when_plaintext_is_accepted(tmp_path: Path, pg_lax: PgServer, pg_certs: PgCerts) -> None:
    result = await probe("postgres.ssl-required", tmp_path, secure(pg_lax, pg_certs))
    assert result.status is Status.FAIL
    actual, ok = evidence(result, "plaintext connection")
    assert ok is False and actual.startswith("accepted")
    assert result.raw["tls_cipher"] != "unknown"  # TLS itself worked


async def test_ssl_required_fails_when_ssl_is_off(tmp_path: Path, pg_plain: PgServer) -> None:
    result = await probe("postgres.ssl-required", tmp_path, {"dsn": q(pg_plain.dsn())})
    assert result.status is Status.FAIL
    actual, ok = evidence(result, "server ssl")
    assert ok is False and actual.startswith("off")


async def test_ssl_required_untrusted_certificate_is_error_not_ssl_off(
    tmp_path: Path, pg_secure: PgServer
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


async def test_pooler_passes_on_pgbouncer_admin_console(tmp_path: Path, pgbouncer: Pooler, pg_certs: PgCerts) -> None:
    # The database's trust anchor must not force TLS onto a pooler that listens without it.
    settings = pooler_settings(pgbouncer.dsn()) | {"sslrootcert": q(pg_certs.ca_file)}
    result = await probe("postgres.pooler", tmp_path, settings)
    assert result.status is Status.PASS, result.summary
    assert result.raw["show_version"].startswith("PgBouncer")
    assert result.values["pools"] >= 1
    assert "pgbouncer/" in result.raw["pools"]


async def test_pooler_fails_when_the_dsn_is_plain_postgres(tmp_path: Path, pg_plain: PgServer) -> None:
    result = await probe("postgres.pooler", tmp_path, pooler_settings(pg_plain.dsn(), password_env=PG_ENV))
    assert result.status is Status.FAIL
    actual, ok = evidence(result, "SHOW VERSION")
    assert ok is False and "unrecognized configuration parameter" in actual


async def test_pooler_wrong_password_is_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pgbouncer: Pooler) -> None:
    monkeypatch.setenv(POOLER_ENV, "wrong-pooler-password")
    result = await probe("postgres.pooler", tmp_path, pooler_settings(pgbouncer.dsn()))
    assert result.status is Status.ERROR
    assert "cannot connect" in result.summary and "authentication failed" in result.summary


async def test_pooler_refused_is_error(tmp_path: Path) -> None:
    result = await probe("postgres.pooler", tmp_path, pooler_settings(f"postgresql://{POOLER_ADMIN}@127.0.0.1:{free_port()}/pgbouncer"))
    assert result.status is Status.ERROR
    assert "Connection refused" in result.summary or "cannot connect" in result.summary


# --- postgres.replicas ---------------------------------------------------------------------


async def test_replicas_passes_with_a_streaming_standby(tmp_path: Path, pg_secure: PgServer, pg_replica: PgServer) -> None:
    result = await probe("postgres.replicas", tmp_path, {"dsn": q(pg_secure.dsn(sslmode="require"))})
    assert result.status is Status.PASS, result.summary
    assert result.values["streaming_replicas"] == 1
    actual, ok = evidence(result, "replica replica1")
    assert ok is True and actual.startswith("streaming")


@pytest.mark.parametrize("probe_id", ["postgres.replicas", "postgres.pitr"])
async def test_pointing_at_a_standby_is_error(probe_id: str, tmp_path: Path, pg_replica: PgServer) -> None:
    result = await probe(probe_id, tmp_path, {"dsn": q(pg_replica.dsn())})
    assert result.status is Status.ERROR
    assert "points at a standby" in result.summary


async def test_replicas_fails_without_a_standby(tmp_path: Path, pg_plain: PgServer) -> None:
    result = await probe("postgres.replicas", tmp_path, {"dsn": q(pg_plain.dsn())})
    assert result.status is Status.FAIL
    assert result.summary == "no streaming replica"
    assert result.values["streaming_replicas"] == 0


# --- postgres.monitoring -------------------------------------------------------------------


async def test_monitoring_passes_with_pg_stat_statements(tmp_path: Path, pg_secure: PgServer) -> None:
    result = await probe("postgres.monitoring", tmp_path, {"dsn": q(pg_secure.dsn(sslmode="require"))})
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "pg_stat_statements view") == ("readable", True)
    assert result.values["max_connections"] == 20
    assert result.values["connections_in_use"] >= 1


async def test_monitoring_warns_when_connections_are_nearly_exhausted(tmp_path: Path, pg_secure: PgServer) -> None:
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


async def test_bcrypt_cost_passes_at_12_and_never_shows_the_hash(tmp_path: Path, pg_secure: PgServer) -> None:
    result = await bcrypt(tmp_path, pg_secure, "SELECT password FROM users ORDER BY created_at DESC LIMIT 1")
    assert result.status is Status.PASS, result.summary
    assert result.values["bcrypt_cost"] == 12
    assert result.raw["weakest_prefix"] == "$2a$12$…"
    (stored,) = pg_secure.sql("SELECT password FROM users WHERE email = 'strong@example.com'")[0]
    assert stored[7:] not in json.dumps(result.to_dict())


async def test_bcrypt_cost_fails_below_12(tmp_path: Path, pg_secure: PgServer) -> None:
    result = await bcrypt(tmp_path, pg_secure, "SELECT password FROM users")
    assert result.status is Status.FAIL
    assert evidence(result, "weakest bcrypt cost") == ("10 ($2a$10$…)", False)


async def test_bcrypt_cost_without_rows_is_error(tmp_path: Path, pg_secure: PgServer) -> None:
    result = await bcrypt(tmp_path, pg_secure, "SELECT password FROM users WHERE false")
    assert result.status is Status.ERROR
    assert "no bcrypt hash in the 0 row(s)" in result.summary


async def test_bcrypt_cost_with_a_non_bcrypt_value_is_error_and_hides_it(tmp_path: Path, pg_secure: PgServer) -> None:
    result = await bcrypt(tmp_path, pg_secure, "SELECT 'hunter2-plaintext' AS password UNION ALL SELECT '$argon2id$v=19$m=65536$abc$def'")
    assert result.status is Status.ERROR
    assert "$argon2id$" in result.summary
    assert "hunter2" not in json.dumps(result.to_dict())


@pytest.mark.parametrize("query", ["DELETE FROM users RETURNING password", "SELECT password FROM users; DROP TABLE users"])
async def test_bcrypt_cost_query_cannot_write(query: str, tmp_path: Path, pg_secure: PgServer) -> None:
    result = await bcrypt(tmp_path, pg_secure, query)
    assert result.status is Status.ERROR
    assert pg_secure.sql("SELECT count(*) FROM users") == [(2,)]
