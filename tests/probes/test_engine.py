"""The probe engine: concurrency, one timeout for a dead host, shared reads, errors never crash."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from linkflow_console.probes.base import Status
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.engine import run_all, run_probe
from linkflow_console.probes.profile import parse_profile


class CountingAPI(BaseHTTPRequestHandler):
    """A healthy LinkFlow-ish API that counts requests per path."""

    hits: dict[str, int] = {}

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        body = b'{"success":true,"data":{"status":"healthy","checks":{"database":"ok","redis":"ok"}}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def counting_api():
    CountingAPI.hits = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), CountingAPI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def context(tmp_path, text: str) -> ProbeContext:
    return ProbeContext(parse_profile(text, tmp_path / "profile.toml"))


async def test_probes_reading_one_endpoint_share_one_request(tmp_path, counting_api):
    ctx = context(tmp_path, f'[api]\nbase_url = "{counting_api}"\n')
    results = await run_all(["http.health", "http.health-dependencies"], ctx)
    assert {r.status for r in results.values()} == {Status.PASS}
    assert CountingAPI.hits == {"/api/v1/health": 1}


async def sweep_six_http_probes(tmp_path, port: int) -> tuple[list, float, float]:
    """Six API probes at one port with a pool of 2: (results, sweep seconds, slowest probe seconds)."""
    url = f"http://127.0.0.1:{port}"
    ctx = context(tmp_path, f'timeout = 1.0\nconcurrency = 2\n[api]\nbase_url = "{url}"\n')
    probes = ["http.liveness", "http.readiness", "http.health", "http.metrics", "http.latency-p95", "http.cors"]
    start = time.perf_counter()
    results = list((await run_all(probes, ctx)).values())
    elapsed = time.perf_counter() - start
    return results, elapsed, max(r.duration_ms for r in results) / 1000


async def test_a_dead_host_costs_one_timeout_not_one_per_probe(tmp_path, filtered_port):
    """SYNs that go unanswered (a firewall that drops): the shared reachability check fails once."""
    results, elapsed, slowest = await sweep_six_http_probes(tmp_path, filtered_port)
    assert all(r.status is Status.ERROR for r in results)
    assert all("did not answer" in r.summary for r in results)
    assert elapsed < slowest * 2  # with a pool of 2, one timeout per probe would be 3 rounds


async def test_a_hung_host_costs_one_timeout_not_one_wave_per_pool(tmp_path, silent_port):
    """Connections accepted, never answered: the reachability check passes, every probe waits on
    its own request. Waiting needs no pool slot, so the six probes wait side by side."""
    results, elapsed, slowest = await sweep_six_http_probes(tmp_path, silent_port)
    assert all(r.status is Status.ERROR for r in results)
    assert elapsed < slowest * 1.5  # holding slots, a pool of 2 would take 3 rounds


async def test_missing_configuration_is_skipped_and_says_which_key(tmp_path):
    result = await run_probe("redis.aof", context(tmp_path, ""))
    assert result.status is Status.SKIPPED and "redis.url" in result.summary


async def test_resolved_secrets_never_reach_a_result(tmp_path, monkeypatch):
    monkeypatch.setenv("LF_TEST_REDIS_PW", "s3cret-value-xyz")
    ctx = context(tmp_path, '[redis]\nurl = "redis://127.0.0.1:1/0"\npassword = { env = "LF_TEST_REDIS_PW" }\n')
    assert await ctx.secret("redis.password") == "s3cret-value-xyz"
    assert ctx.scrub("auth failed for s3cret-value-xyz") == "auth failed for ••••"
    result = await run_probe("redis.auth", ctx)
    assert result.status is Status.ERROR
    assert "s3cret-value-xyz" not in repr(result.to_dict())
