"""Redis server checks (auth, AOF, memory policy, HA, TLS, RDB snapshots) against real servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from linkflow_console.probes.base import Status
from tests.probes.redis import PASSWORD, check, client_for, evidence, with_password
from tests.servers import free_port

pytestmark = pytest.mark.servers


# --- a default redis-server is wrong on every hardening count -----------------------------


@pytest.mark.parametrize(("probe_id", "summary_part", "label", "actual"), [
    ("redis.auth", "without a password", "PING without a password", "PONG"),
    ("redis.aof", "appendonly no", "appendonly", "no"),
    ("redis.memory-policy", "no memory limit", "maxmemory", "0 (no limit)"),
    ("redis.ha", "no HA", "replication", "role master, 0 connected replica(s)"),
    ("redis.rdb-snapshot", "no persistence", "AOF", "off"),
])
async def test_default_server_fails(plain, tmp_path, probe_id, summary_part, label, actual):
    result = await check(probe_id, tmp_path, plain.url())
    assert result.status is Status.FAIL
    assert summary_part in result.summary
    assert evidence(result, label) == actual


async def test_probes_read_info_over_tls(redis_factory, redis_tls_files, tmp_path):
    server = redis_factory(tls=redis_tls_files)
    result = await check("redis.aof", tmp_path, server.url(), f'ca_file = "{redis_tls_files.ca_file}"\n')
    assert result.status is Status.FAIL
    assert evidence(result, "appendonly") == "no"


# --- redis.auth ---------------------------------------------------------------------------


async def test_auth_passes_when_password_required_and_probe_password_works(hardened, tmp_path, monkeypatch):
    result = await check("redis.auth", tmp_path, hardened.url(), with_password(monkeypatch))
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "PING without a password").startswith("refused")
    assert evidence(result, "PING with redis.password") == "PONG"
    assert PASSWORD not in repr(result.to_dict())


async def test_auth_acl_default_user_nopass_but_restricted_warns(redis_factory, tmp_path, monkeypatch):
    server = redis_factory("--user", "default", "on", "nopass", "-@all",
                           "--user", "probe", "on", f">{PASSWORD}", "~*", "+@all")
    extra = with_password(monkeypatch) + 'username = "probe"\n'
    result = await check("redis.auth", tmp_path, server.url(), extra)
    assert result.status is Status.WARN, result.summary
    assert "default user is on with nopass" in result.summary
    assert evidence(result, "PING without a password").startswith("NOPERM")


async def test_auth_acl_default_user_off_passes(redis_factory, tmp_path, monkeypatch):
    server = redis_factory("--user", "default", "off", "--user", "probe", "on", f">{PASSWORD}", "~*", "+@all")
    extra = with_password(monkeypatch) + 'username = "probe"\n'
    result = await check("redis.auth", tmp_path, server.url(), extra)
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "PING without a password") == "refused: Authentication required."


async def test_auth_wrong_probe_password_is_error(hardened, tmp_path, monkeypatch):
    result = await check("redis.auth", tmp_path, hardened.url(), with_password(monkeypatch, "wrong-password"))
    assert result.status is Status.ERROR
    assert "probe credentials rejected" in result.summary
    assert "wrong-password" not in repr(result.to_dict())


async def test_auth_refused_port_is_error(tmp_path):
    result = await check("redis.auth", tmp_path, f"redis://127.0.0.1:{free_port()}/0")
    assert result.status is Status.ERROR
    assert "cannot connect" in result.summary


async def test_auth_silent_port_is_error(silent_port, tmp_path):
    result = await check("redis.auth", tmp_path, f"redis://127.0.0.1:{silent_port}/0")
    assert result.status is Status.ERROR
    assert "did not answer" in result.summary or "timed out" in result.summary


async def test_auth_on_an_open_server_fails_even_with_a_profile_password(plain, tmp_path, monkeypatch):
    result = await check("redis.auth", tmp_path, plain.url(), with_password(monkeypatch))
    assert result.status is Status.FAIL
    assert "the server asks for none" in result.summary
    assert evidence(result, "PING without a password") == "PONG"


OPEN_SERVER_VERDICTS = {  # a default redis-server, read without the profile's password, judged
    "redis.aof": Status.FAIL, "redis.memory-policy": Status.FAIL, "redis.ha": Status.FAIL,
    "redis.rdb-snapshot": Status.FAIL, "redis.queues": Status.WARN, "redis.queue-backlog": Status.PASS,
    "redis.queue-wait": Status.PASS, "redis.scheduler-leader": Status.FAIL,
}


@pytest.mark.parametrize(("probe_id", "status"), OPEN_SERVER_VERDICTS.items())
async def test_open_server_is_judged_though_the_profile_gives_a_password(plain, tmp_path, monkeypatch, probe_id, status):
    result = await check(probe_id, tmp_path, plain.url(1), with_password(monkeypatch))
    assert result.status is status, result.summary
    assert "credentials rejected" not in result.summary
    assert PASSWORD not in repr(result.to_dict())


# --- redis.aof ----------------------------------------------------------------------------


async def test_aof_passes_when_appendonly_and_writes_ok(hardened, tmp_path, monkeypatch):
    result = await check("redis.aof", tmp_path, hardened.url(), with_password(monkeypatch))
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "appendonly") == "yes"
    assert evidence(result, "last AOF write") == "ok"


async def test_aof_without_probe_password_is_error(hardened, tmp_path):
    result = await check("redis.aof", tmp_path, hardened.url())
    assert result.status is Status.ERROR
    assert "set redis.password" in result.summary


# --- redis.memory-policy ------------------------------------------------------------------


async def test_memory_policy_passes_with_limit_and_noeviction(hardened, tmp_path, monkeypatch):
    result = await check("redis.memory-policy", tmp_path, hardened.url(), with_password(monkeypatch))
    assert result.status is Status.PASS, result.summary
    assert result.values["maxmemory_bytes"] == 64 * 1024 * 1024
    assert 0 < result.values["used_memory_bytes"] < result.values["maxmemory_bytes"]


async def test_memory_policy_fails_on_evicting_policy_saying_why(evicting, tmp_path):
    result = await check("redis.memory-policy", tmp_path, evicting.url())
    assert result.status is Status.FAIL
    assert "allkeys-lru" in result.summary and "Asynq" in result.summary
    assert evidence(result, "maxmemory-policy") == "allkeys-lru"


# --- redis.ha -----------------------------------------------------------------------------


async def test_ha_passes_with_connected_replica(replicated, tmp_path):
    result = await check("redis.ha", tmp_path, replicated.url())
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "replication") == "role master, 1 connected replica(s)"
    assert result.values["connected_replicas"] == 1


async def test_ha_passes_when_sentinel_knows_master(plain, sentinel_port, tmp_path):
    result = await check("redis.ha", tmp_path, plain.url(), f'sentinels = ["127.0.0.1:{sentinel_port}"]\n')
    assert result.status is Status.PASS, result.summary
    assert evidence(result, f"sentinel 127.0.0.1:{sentinel_port}") == f"master at 127.0.0.1:{plain.port}"


async def test_ha_fails_when_sentinel_does_not_know_master(plain, sentinel_port, tmp_path):
    extra = f'sentinels = ["127.0.0.1:{sentinel_port}"]\nsentinel_master = "other"\n'
    result = await check("redis.ha", tmp_path, plain.url(), extra)
    assert result.status is Status.FAIL
    assert evidence(result, f"sentinel 127.0.0.1:{sentinel_port}") == "does not know other"


async def test_ha_unreachable_sentinel_is_error_with_evidence(plain, tmp_path):
    dead = f"127.0.0.1:{free_port()}"
    result = await check("redis.ha", tmp_path, plain.url(), f'sentinels = ["{dead}"]\n')
    assert result.status is Status.ERROR
    assert dead in result.summary
    assert evidence(result, f"sentinel {dead}").startswith("error:")


# --- redis.tls ----------------------------------------------------------------------------


async def test_tls_passes_when_tls_works_and_plaintext_refused(redis_factory, redis_tls_files, tmp_path):
    server = redis_factory(tls=redis_tls_files)
    result = await check("redis.tls", tmp_path, server.url(), f'ca_file = "{redis_tls_files.ca_file}"\n')
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "TLS PING") == "+PONG"
    assert result.raw["tls_version"].startswith("TLSv1.")


async def test_tls_fails_when_rediss_port_accepts_plaintext(plain, tmp_path):
    result = await check("redis.tls", tmp_path, f"rediss://127.0.0.1:{plain.port}/0")
    assert result.status is Status.FAIL
    assert "plaintext accepted" in result.summary
    assert evidence(result, "plaintext PING to the same port") == "+PONG"


async def test_tls_untrusted_certificate_is_error(redis_factory, redis_tls_files, tmp_path):
    server = redis_factory(tls=redis_tls_files)
    result = await check("redis.tls", tmp_path, server.url())  # no ca_file: the trustme CA is unknown
    assert result.status is Status.ERROR
    assert "CERTIFICATE" in result.summary.upper()


@pytest.mark.parametrize(("host", "status", "summary_part"), [
    ("redis.internal", Status.FAIL, "plaintext over the network"),  # decided from the URL: no traffic
    ("127.0.0.1", Status.PASS, "local only"),
    ("[::1]", Status.PASS, "local only"),
])
async def test_tls_judges_plaintext_url_by_host(tmp_path, host, status, summary_part):
    result = await check("redis.tls", tmp_path, f"redis://{host}:6379/0")
    assert result.status is status
    assert summary_part in result.summary


# --- redis.rdb-snapshot -------------------------------------------------------------------


async def test_rdb_snapshot_passes_with_schedule_and_recent_save(hardened, tmp_path, monkeypatch):
    result = await check("redis.rdb-snapshot", tmp_path, hardened.url(), with_password(monkeypatch))
    assert result.status is Status.PASS, result.summary
    assert evidence(result, "save schedule") == "3600 1"
    assert result.values["rdb_age_hours"] < 24


async def test_rdb_snapshot_warns_when_old_with_unsaved_changes(hardened, tmp_path, monkeypatch):
    with client_for(hardened, PASSWORD) as client:
        client.set("rdb-probe-test", "changed")
    later = datetime.now(UTC) + timedelta(hours=30)
    profile_extra = with_password(monkeypatch)
    result = await check("redis.rdb-snapshot", tmp_path, hardened.url(), profile_extra, clock=lambda: later)
    assert result.status is Status.WARN
    assert result.values["rdb_age_hours"] > 24
    assert "unsaved changes" in result.summary


async def test_rdb_snapshot_warns_when_only_aof(redis_factory, tmp_path):
    server = redis_factory("--appendonly", "yes")
    result = await check("redis.rdb-snapshot", tmp_path, server.url())
    assert result.status is Status.WARN
    assert "AOF only" in result.summary


async def test_rdb_snapshot_with_config_disabled_and_no_aof_is_error_not_pass(redis_factory, tmp_path):
    # Managed Redis (ElastiCache) refuses CONFIG; INFO cannot show whether anything is scheduled.
    server = redis_factory("--rename-command", "CONFIG", '""')
    result = await check("redis.rdb-snapshot", tmp_path, server.url())
    assert result.status is Status.ERROR, result.summary
    assert "CONFIG GET save refused" in result.summary
    assert evidence(result, "save schedule") == "unknown (CONFIG refused)"


async def test_config_disabled_still_judged_from_info(redis_factory, tmp_path):
    server = redis_factory("--rename-command", "CONFIG", '""', "--appendonly", "yes",
                           "--maxmemory", "64mb", "--maxmemory-policy", "volatile-lru")
    assert (await check("redis.aof", tmp_path, server.url())).status is Status.PASS
    memory = await check("redis.memory-policy", tmp_path, server.url())
    assert memory.status is Status.FAIL and "volatile-lru" in memory.summary
