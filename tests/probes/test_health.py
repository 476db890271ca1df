"""http.liveness / readiness / health / health-dependencies against the LinkFlow-like API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from linkflow_console.probes.base import Status
from tests.servers.api import ApiServer, evidence_line, run_with_profile

HTML_ERROR_PAGE = "<html><body><h1>502 Bad Gateway</h1></body></html>"
REDIS_DOWN = {"database": "ok", "redis": "error: dial tcp: connection refused"}

# (probe, API behaviour, status, evidence label, its expected actual): one configuration each.
VERDICTS: list[tuple[str, dict[str, Any], Status, str, str]] = [
    ("http.liveness", {}, Status.PASS, "status field", "alive"),
    ("http.liveness", {"envelope": False}, Status.PASS, "status field", "alive"),
    ("http.liveness", {"live_status": "ok"}, Status.WARN, "status field", "ok"),
    ("http.liveness", {"health_body": HTML_ERROR_PAGE}, Status.FAIL, "body", "<html><body><h1>502 Bad Gateway</h1></body></html>"),
    ("http.readiness", {}, Status.PASS, "status field", "ready"),
    ("http.readiness", {"ready": False}, Status.FAIL, "HTTP status", "503"),
    ("http.health", {}, Status.PASS, "failing checks", "none"),
    ("http.health", {"health_checks": REDIS_DOWN}, Status.FAIL, "failing checks",
     "redis: error: dial tcp: connection refused"),
    ("http.health", {"health_rate_limited": True}, Status.ERROR, "HTTP status", "429 Too Many Requests"),
    ("http.health-dependencies", {}, Status.PASS, "check redis", "ok"),
    ("http.health-dependencies", {"health_checks": {"database": "error: pq: too many connections", "redis": "ok"}},
     Status.FAIL, "check database", "error: pq: too many connections"),
    ("http.health-dependencies", {"health_checks": {"database": "ok"}}, Status.FAIL, "check redis", "(not reported)"),
    ("http.health-dependencies", {"health_body": '{"status": "healthy"}'}, Status.FAIL, "checks", "(no checks object)"),
]


async def run(probe_id: str, base_url: str, tmp_path: Path, timeout: float = 5.0):
    return await run_with_profile(probe_id, f'timeout = {timeout}\n[api]\nbase_url = "{base_url}"\n', tmp_path)


@pytest.mark.parametrize(("probe_id", "behaviour", "status", "label", "actual"), VERDICTS)
async def test_verdict(probe_id: str, behaviour: dict[str, Any], status: Status, label: str, actual: str,
                       api: ApiServer, tmp_path: Path) -> None:
    for name, value in behaviour.items():
        setattr(api.behaviour, name, value)
    result = await run(probe_id, api.url, tmp_path)
    assert result.status is status, result.summary
    assert evidence_line(result, label).actual == actual


async def test_readiness_failure_names_the_reason(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.ready = False
    result = await run("http.readiness", api.url, tmp_path)
    assert result.status is Status.FAIL
    assert "connect: connection refused" in result.summary


async def test_unhealthy_summary_names_the_failing_check(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.health_checks = REDIS_DOWN
    result = await run("http.health", api.url, tmp_path)
    assert result.status is Status.FAIL
    assert "redis: error: dial tcp: connection refused" in result.summary


@pytest.mark.parametrize("probe_id", ["http.liveness", "http.readiness", "http.health", "http.health-dependencies"])
async def test_rate_limited_is_error_not_unhealthy(probe_id: str, api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.health_rate_limited = True
    result = await run(probe_id, api.url, tmp_path)
    assert result.status is Status.ERROR
    assert "could not tell" in result.summary
    assert result.raw["x-ratelimit-remaining"] == "0"


async def test_refused_port_is_error(refused_port: int, tmp_path: Path) -> None:
    result = await run("http.health", f"http://127.0.0.1:{refused_port}", tmp_path)
    assert result.status is Status.ERROR
    assert "cannot connect" in result.summary


async def test_silent_port_is_error(silent_port: int, tmp_path: Path) -> None:
    result = await run("http.liveness", f"http://127.0.0.1:{silent_port}", tmp_path, timeout=1.0)
    assert result.status is Status.ERROR
    assert "no answer" in result.summary


async def test_unhealthy_envelope_with_a_generic_error_still_names_the_dependency(api: ApiServer, tmp_path: Path) -> None:
    # The envelope's error message ("service unhealthy") names no dependency; the checks do.
    api.behaviour.health_checks = {"database": "error: dial tcp 10.0.0.5:5432: connect: connection refused",
                                   "redis": "ok"}
    api.behaviour.health_error = {"code": "SERVICE_UNAVAILABLE", "message": "service unhealthy"}
    result = await run("http.health", api.url, tmp_path)
    assert result.status is Status.FAIL
    assert "database: error: dial tcp 10.0.0.5:5432" in result.summary
    dependencies = await run("http.health-dependencies", api.url, tmp_path)
    assert dependencies.status is Status.FAIL
    assert "database 'error: dial tcp" in dependencies.summary


async def test_hostile_deeply_nested_json_is_fail_not_a_crash(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.health_body = "[" * 200_000
    result = await run("http.health", api.url, tmp_path)
    assert result.status is Status.FAIL, result.summary
    assert "without a JSON object" in result.summary


@pytest.mark.parametrize(("kind", "status", "reason"), [
    ("endless-body", Status.FAIL, "without a JSON object"),  # cut at the body limit, then judged
    ("slow-drip", Status.ERROR, "body not complete within"),  # cut by the probe itself, with its reason
    ("endless-headers", Status.ERROR, "RemoteProtocolError"),
    ("invalid-utf8", Status.FAIL, "without a JSON object"),
])
async def test_hostile_server_gets_a_verdict_or_a_reason(kind: str, status: Status, reason: str,
                                                         hostile_server, tmp_path: Path) -> None:
    result = await run("http.health", hostile_server(kind), tmp_path, timeout=1.0)
    assert result.status is status, result.summary
    assert reason in result.summary
    assert "timed out after" not in result.summary  # the probe's own bound, not the engine's cut-off
