"""http.latency-p95 against the LinkFlow-like API with chosen response delays."""

from __future__ import annotations

from pathlib import Path

from linkflow_console.probes.base import Status
from tests.servers.api import ApiServer, evidence_line, run_with_profile


async def run(base_url: str, tmp_path: Path, *, samples: int = 20, timeout: float = 5.0, path: str | None = None):
    extra = f'latency_path = "{path}"\n' if path else ""
    return await run_with_profile(
        "http.latency-p95",
        f'timeout = {timeout}\n[api]\nbase_url = "{base_url}"\nlatency_samples = {samples}\n{extra}',
        tmp_path,
    )


async def test_fast_endpoint_passes(api: ApiServer, tmp_path: Path) -> None:
    result = await run(api.url, tmp_path)
    assert result.status is Status.PASS, result.summary
    assert evidence_line(result, "samples").actual == "20"
    assert result.values["p95_seconds"] < 0.5


async def test_slow_endpoint_warns(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.delay = 0.6
    result = await run(api.url, tmp_path, samples=5)
    assert result.status is Status.WARN, result.summary
    assert 0.6 <= result.values["p95_seconds"] < 2.0


async def test_very_slow_endpoint_fails(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.delay = 2.05
    result = await run(api.url, tmp_path, samples=5, timeout=15.0)
    assert result.status is Status.FAIL, result.summary
    assert result.values["p95_seconds"] >= 2.0
    assert evidence_line(result, "p95").ok is False


async def test_budget_stops_early_and_too_few_samples_is_error(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.delay = 0.5
    result = await run(api.url, tmp_path, samples=20, timeout=2.0)
    assert result.status is Status.ERROR
    assert "samples within 1.6 s" in result.summary


async def test_only_error_answers_is_error(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.ready = False  # readiness answers 503, liveness still 200
    result = await run(api.url, tmp_path, samples=6, path="/api/v1/health/ready")
    assert result.status is Status.ERROR
    assert "non-2xx (503)" in result.summary


async def test_refused_is_error(refused_port: int, tmp_path: Path) -> None:
    result = await run(f"http://127.0.0.1:{refused_port}", tmp_path)
    assert result.status is Status.ERROR
    assert "cannot connect" in result.summary


async def test_fewer_wanted_samples_than_a_p95_needs_is_error_naming_the_setting(api: ApiServer, tmp_path: Path) -> None:
    result = await run(api.url, tmp_path, samples=3)
    assert result.status is Status.ERROR
    assert "api.latency_samples is 3" in result.summary  # not "raise the profile timeout"


async def test_slow_drip_is_error_saying_nothing_completed(hostile_server, tmp_path: Path) -> None:
    result = await run(hostile_server("slow-drip"), tmp_path, timeout=1.0)
    assert result.status is Status.ERROR
    assert "completed within" in result.summary
