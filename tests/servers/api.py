"""A small LinkFlow-like HTTP API on 127.0.0.1, in a thread, configurable per test.

It answers like LinkFlow's api binary: the JSON envelope, /api/v1/health(/live|/ready),
/metrics in Prometheus text (made with prometheus_client), POST /api/v1/auth/login with a
per-IP rate limit and a per-account lockout, and error bodies with or without a Go stack trace.
A test changes `api.behaviour` (reset before every test by the `api` fixture).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from linkflow_console.probes.base import Evidence, ProbeResult
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.engine import run_probe
from linkflow_console.probes.profile import parse_profile
from tests.servers import free_port

PROBE_EMAIL = "probe@example.com"
PROBE_PASSWORD = "the-real-password-never-sent"
GO_STACK_TRACE = (
    "panic: runtime error: invalid memory address or nil pointer dereference\n"
    "goroutine 42 [running]:\n"
    "github.com/linkflow/linkflow/internal/api/handlers.(*Auth).Login(...)\n"
    "\t/app/internal/api/handlers/auth.go:87 +0x1d4\n"
)


def linkflow_metrics(*, omit: tuple[str, ...] = (), updated: bool = True) -> str:
    """Prometheus text like LinkFlow's /metrics; `updated=False` leaves the vectors untouched,
    as the reference says most of LinkFlow's metrics are (registered, never updated)."""
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

    registry = CollectorRegistry()
    made: dict[str, Any] = {}

    def register(kind: type, name: str, labels: tuple[str, ...] = ()) -> None:
        if name not in omit:
            made[name] = kind(name, f"LinkFlow {name}", labels, registry=registry)

    register(Counter, "linkflow_http_requests_total", ("method", "path", "status"))
    register(Histogram, "linkflow_http_request_duration_seconds", ("method", "path"))
    register(Gauge, "linkflow_queue_depth", ("queue_name",))
    register(Gauge, "linkflow_workflow_executions_in_progress")
    register(Gauge, "linkflow_db_connections_open")
    if updated:
        if "linkflow_http_requests_total" in made:
            made["linkflow_http_requests_total"].labels("GET", "/api/v1/health", "200").inc(7)
        if "linkflow_http_request_duration_seconds" in made:
            made["linkflow_http_request_duration_seconds"].labels("GET", "/api/v1/health").observe(0.012)
        if "linkflow_queue_depth" in made:
            made["linkflow_queue_depth"].labels("default").set(3)
        for gauge in ("linkflow_workflow_executions_in_progress", "linkflow_db_connections_open"):
            if gauge in made:
                made[gauge].set(2)
    text = generate_latest(registry).decode()
    # The Go client's process collector, which prometheus_client only has on Linux /proc.
    if "process_resident_memory_bytes" not in omit:
        text += "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
        text += "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 3.1e+07\n"
    if "process_cpu_seconds_total" not in omit:
        text += "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
        text += "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 12.5\n"
    return text


@dataclass
class Behaviour:
    """How the API answers; every field is one configuration under test."""

    delay: float = 0.0  # seconds before every answer
    envelope: bool = True  # wrap bodies in {"success","data"} like LinkFlow
    live_status: str = "alive"
    ready: bool = True
    not_ready_reason: str = "database: dial tcp 10.0.0.5:5432: connect: connection refused"
    health_checks: dict[str, str] = field(default_factory=lambda: {"database": "ok", "redis": "ok"})
    health_rate_limited: bool = False  # health routes answer 429 (the public limit is shared)
    health_body: str | None = None  # a raw body instead of JSON (e.g. an nginx error page)
    # An envelope "error" beside the unhealthy data, e.g. {"code": "SERVICE_UNAVAILABLE", "message": "..."}
    health_error: dict[str, str] | None = None
    metrics_text: str = field(default_factory=linkflow_metrics)
    metrics_status: int = 200
    metrics_content_type: str = "text/plain; version=0.0.4; charset=utf-8"
    stack_traces: bool = False  # error bodies carry a Go panic trace (APP_DEBUG=true style)
    login_rate_limit: int | None = 10  # login requests per IP before 429; None = no limit
    rate_limit_headers: bool = True
    ietf_rate_limit_headers: bool = False  # RateLimit-Limit/-Remaining/-Reset (IETF draft) instead of X-RateLimit-*
    lockout_after: int | None = 5  # failed logins before 403 "account is locked"; None = never
    lockout_status: int = 403  # some APIs answer a locked account with 401 or 423
    login_blocked_by_waf: bool = False  # a WAF in front answers every login 403 with its own page
    openapi_text: str | None = None  # served at /docs/openapi.yaml


class ApiServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.behaviour = Behaviour()
        self.login_requests = 0
        self.failed_logins: dict[str, int] = {}
        self.passwords_seen: list[str] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def reset(self) -> None:
        with self._lock:
            self.behaviour = Behaviour()
            self.login_requests = 0
            self.failed_logins = {}
            self.passwords_seen = []

    def login(self, email: str, password: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        """LinkFlow's order: rate limit (middleware) first, then lockout, then the password."""
        b = self.behaviour
        with self._lock:
            self.login_requests += 1
            self.passwords_seen.append(password)
            headers: dict[str, str] = {}
            if b.login_rate_limit is not None and b.rate_limit_headers:
                remaining = max(b.login_rate_limit - self.login_requests, 0)
                prefix = "RateLimit-" if b.ietf_rate_limit_headers else "X-RateLimit-"
                headers = {f"{prefix}Limit": str(b.login_rate_limit), f"{prefix}Remaining": str(remaining),
                           f"{prefix}Reset": "60" if b.ietf_rate_limit_headers else str(int(time.time()) + 60)}
            if b.login_rate_limit is not None and self.login_requests > b.login_rate_limit:
                return 429, _error("RATE_LIMITED", "rate limit exceeded"), headers
            failures = self.failed_logins.get(email, 0)
            if b.lockout_after is not None and failures >= b.lockout_after:
                return b.lockout_status, _error("ACCOUNT_LOCKED", "account is locked"), headers
            if email == PROBE_EMAIL and password == PROBE_PASSWORD:
                return 200, {"success": True, "data": {"access_token": "x"}}, headers
            self.failed_logins[email] = failures + 1
            return 401, _error("INVALID_CREDENTIALS", "invalid email or password"), headers


def _error(code: str, message: str) -> dict[str, Any]:
    return {"success": False, "error": {"code": code, "message": message}, "request_id": "req-1"}


def _handler_for(server: ApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = -1  # headers and body in one segment: no Nagle/delayed-ACK stall per request

        def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
            pass

        def answer(self, code: int, body: str | dict[str, Any], content_type: str = "application/json",
                   headers: dict[str, str] | None = None) -> None:
            data = (json.dumps(body) if isinstance(body, dict) else body).encode()
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def answer_data(self, code: int, data: dict[str, Any]) -> None:
            b = server.behaviour
            self.answer(code, {"success": 200 <= code < 300, "data": data} if b.envelope else data)

        def answer_error(self, code: int, error_code: str, message: str) -> None:
            if server.behaviour.stack_traces:
                message = f"{message}\n{GO_STACK_TRACE}"
            self.answer(code, _error(error_code, message))

        def do_GET(self) -> None:
            b = server.behaviour
            time.sleep(b.delay)
            path = self.path.split("?")[0]
            if path.startswith("/api/v1/health"):
                self.health(path)
            elif path == "/metrics":
                self.answer(b.metrics_status, b.metrics_text, b.metrics_content_type)
            elif path == "/docs/openapi.yaml" and b.openapi_text is not None:
                self.answer(200, b.openapi_text, "application/yaml")
            else:
                self.answer_error(404, "NOT_FOUND", f"route {path} not found")

        def health(self, path: str) -> None:
            b = server.behaviour
            if b.health_rate_limited:
                self.answer(429, _error("RATE_LIMITED", "rate limit exceeded"), headers={
                    "X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000000"})
            elif b.health_body is not None:
                self.answer(200, b.health_body, "text/html")
            elif path == "/api/v1/health/live":
                self.answer_data(200, {"status": b.live_status})
            elif path == "/api/v1/health/ready":
                if b.ready:
                    self.answer_data(200, {"status": "ready"})
                else:
                    self.answer_data(503, {"status": "not ready", "reason": b.not_ready_reason})
            elif path == "/api/v1/health":
                healthy = all(v == "ok" for v in b.health_checks.values())
                data = {"status": "healthy" if healthy else "unhealthy", "service": "linkflow-api",
                        "checks": b.health_checks}
                if b.health_error is not None and not healthy and b.envelope:
                    self.answer(503, {"success": False, "data": data, "error": b.health_error})
                else:
                    self.answer_data(200 if healthy else 503, data)
            else:
                self.answer_error(404, "NOT_FOUND", f"route {path} not found")

        def do_POST(self) -> None:
            time.sleep(server.behaviour.delay)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if server.behaviour.login_blocked_by_waf:
                self.answer(403, "<html><body>Request blocked by WAF</body></html>", "text/html")
                return
            if self.path != "/api/v1/auth/login":
                self.answer_error(404, "NOT_FOUND", f"route {self.path} not found")
                return
            try:
                body = json.loads(raw)
                email, password = str(body["email"]), str(body["password"])
            except (ValueError, KeyError, TypeError):
                self.answer_error(400, "BAD_REQUEST", "invalid request body")
                return
            code, answer, headers = server.login(email, password)
            self.answer(code, answer, headers=headers)

    return Handler


@pytest.fixture(scope="module")
def api_server() -> Iterator[ApiServer]:
    server = ApiServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def api(api_server: ApiServer) -> ApiServer:
    """The module's API server with the default (healthy, LinkFlow-like) behaviour."""
    api_server.reset()
    return api_server






async def run_with_profile(probe_id: str, profile_toml: str, tmp_path: Path) -> ProbeResult:
    """Run one probe through the real contract: the profile parsed from TOML, the engine."""
    profile = parse_profile(profile_toml, tmp_path / "profile.toml")
    return await run_probe(probe_id, ProbeContext(profile))


def evidence_line(result: ProbeResult, label: str) -> Evidence:
    return next(e for e in result.evidence if e.label == label)
