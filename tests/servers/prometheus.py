"""Throwaway Prometheus processes (Debian `prometheus`) on 127.0.0.1, each scraping a tiny
/metrics exporter (prometheus_client exposition) and loading the rule file under test.

Scenarios, one process each (module scope):
- good:  every key metric under LinkFlow's names, a rule per checklist alert at the checklist's
         threshold or stricter, a Watchdog, low error rate and latency, sends to Alertmanager.
- bad:   only request metrics, a high 5xx share and slow requests, looser rules (one of them
         firing), rules on series nobody exports (the shipped rules' drift: `pg_up` without a
         postgres exporter, `up` of a job nobody scrapes), a dead scrape target, no Alertmanager.
- shipped-names: LinkFlow's metric names idle (NaN rates), the traffic under the shipped rules' names.
- empty: nothing to scrape, no rules.
- auth:  basic auth in front of the API (the probe's bearer token is refused).
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest

from tests.servers import free_port, need_binary, stop, wait_for_port
from tests.servers.alertmanager import PAGERDUTY_ROUTED, AlertmanagerFactory, wait_ready, wait_until

# ------------------------------------------------------------------------------------------
# The scraped application


class Exporter:
    """Serves /metrics from a registry; `on_scrape` runs first, so counters grow per scrape."""

    def __init__(self, registry: CollectorRegistry, on_scrape: Callable[[], None]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                on_scrape()
                body = generate_latest(registry)
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.target = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def linkflow_metrics(
    *, requests: int, errors: int, seconds: float, complete: bool
) -> tuple[CollectorRegistry, Callable[[], None]]:
    """The API's request metrics (per scrape: `requests` requests, `errors` of them 500s, each
    taking `seconds`); with `complete`, every other key metric too."""
    registry = CollectorRegistry()
    requests_total = Counter("linkflow_http_requests", "requests", ["method", "path", "status"], registry=registry)
    durations = Histogram("linkflow_http_request_duration_seconds", "latency", ["method", "path"], registry=registry)
    if complete:
        Gauge("linkflow_queue_depth", "pending jobs", ["queue_name"], registry=registry).labels("default").set(12)
        Gauge("linkflow_workflow_executions_in_progress", "running", registry=registry).set(3)
        Gauge("linkflow_db_connections_open", "open connections", registry=registry).set(9)
        Gauge("node_filesystem_avail_bytes", "free", ["mountpoint"], registry=registry).labels("/").set(60e9)
        Gauge("node_filesystem_size_bytes", "size", ["mountpoint"], registry=registry).labels("/").set(100e9)
        ProcessCollector(registry=registry)

    def on_scrape() -> None:
        requests_total.labels("GET", "/api/v1/workflows", "200").inc(requests - errors)
        if errors:
            requests_total.labels("GET", "/api/v1/workflows", "500").inc(errors)
        for _ in range(requests):
            durations.labels("GET", "/api/v1/workflows").observe(seconds)

    return registry, on_scrape


# ------------------------------------------------------------------------------------------
# Rule files

GOOD_RULES = """
groups:
  - name: linkflow
    rules:
      - alert: Watchdog
        expr: vector(1)
        labels: {severity: none}
      - alert: HighErrorRate
        expr: sum(rate(linkflow_http_requests_total{status=~"5.."}[5m])) / sum(rate(linkflow_http_requests_total[5m])) * 100 > 1
        for: 5m
      - alert: ApiP95
        expr: histogram_quantile(0.95, sum by (le) (rate(linkflow_http_request_duration_seconds_bucket[5m]))) > 2
        for: 5m
      - alert: WorkerQueueBacklog
        expr: sum by (queue_name) (linkflow_queue_depth) > 500
      - alert: APIDown
        expr: up{job="linkflow-api"} == 0
      - alert: PostgresConnectionsHigh
        expr: linkflow_db_connections_open > 90
      - alert: DiskSpaceLow
        expr: node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes{mountpoint="/"} < 0.1
      - alert: HighMemoryUsage
        expr: process_resident_memory_bytes > 4e9
"""

# Looser than the checklist and, like LinkFlow's shipped rules, partly on series nobody exports.
BAD_RULES = """
groups:
  - name: linkflow
    rules:
      - alert: HighErrorRate
        expr: sum(rate(linkflow_http_requests_total{status=~"5.."}[1m])) / sum(rate(linkflow_http_requests_total[1m])) > 0.05
      - alert: HighLatency
        expr: histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 2
      - alert: SlowRequests
        expr: histogram_quantile(0.5, sum by (le) (rate(linkflow_http_request_duration_seconds_bucket[5m]))) > 2
      - alert: WorkerQueueBacklog
        expr: asynq_queue_size > 5000
      - alert: SchedulerDown
        expr: up{job="linkflow-scheduler"} == 0
      - alert: PostgresDown
        expr: pg_up == 0
"""

def shipped_names_metrics() -> tuple[CollectorRegistry, Callable[[], None]]:
    """LinkFlow's own request metrics present but idle (constant: rate 0, so ratio and p95 are NaN)
    while the traffic is counted under the names LinkFlow's shipped rules use: 10 % 5xx at 0.3 s."""
    registry = CollectorRegistry()
    Counter("linkflow_http_requests", "requests", ["method", "path", "status"], registry=registry).labels(
        "GET", "/api/v1/workflows", "200").inc(5)
    Histogram("linkflow_http_request_duration_seconds", "latency", ["method", "path"], registry=registry).labels(
        "GET", "/api/v1/workflows").observe(0.1)
    requests_total = Counter("http_requests", "requests", ["method", "status"], registry=registry)
    durations = Histogram("http_request_duration_seconds", "latency", ["method"], registry=registry)

    def on_scrape() -> None:
        requests_total.labels("GET", "200").inc(9)
        requests_total.labels("GET", "500").inc(1)
        for _ in range(10):
            durations.labels("GET").observe(0.3)

    return registry, on_scrape


# Recording rules, Prometheus's own ALERTS series and __name__ regexes: what rules-series must read
# right. No request fails, so the recorded error ratio has no sample yet (its inputs exist) and
# nothing fires (ALERTS has no series either).
META_RULES = """
groups:
  - name: meta
    rules:
      - record: job:linkflow_http_errors:ratio5m
        expr: sum(rate(linkflow_http_requests_total{status=~"5.."}[5m])) / sum(rate(linkflow_http_requests_total[5m]))
      - record: job:nobody:rate5m
        expr: sum(rate(nobody_exports_this_total[5m]))
      - alert: ErrorRatioRecorded
        expr: job:linkflow_http_errors:ratio5m > 0.01
      - alert: TooManyAlerts
        expr: count(ALERTS{alertstate="firing"}) > 20
      - alert: RequestSeriesVanished
        expr: count({__name__=~"linkflow_http_.*"}) < 1
      - alert: RecordedFromNothing
        expr: job:nobody:rate5m > 1
      - alert: NameRegexNobody
        expr: '{__name__=~"nobody_exports_.*"} > 0'
"""

# bcrypt of "s3cret": Prometheus's web config wants a hash, never the password.
BASIC_AUTH_WEB_CONFIG = """
basic_auth_users:
  probe: $2b$10$zSjcbu4aCwN0ObQevncQ6uo/8cvVMl5kZe11dRuWSR7rnDi0gdN42
"""


# ------------------------------------------------------------------------------------------
# Prometheus


@dataclass
class Prometheus:
    url: str
    proc: subprocess.Popen
    exporter: Exporter | None = None
    external_labels: dict[str, str] = field(default_factory=dict)

    def data(self, path: str, **params: str) -> Any:
        body = httpx.get(self.url + path, params=params, timeout=5).json()
        assert body["status"] == "success", body
        return body["data"]

    def rules_evaluated(self) -> bool:
        rules = [r for g in self.data("/api/v1/rules")["groups"] for r in g["rules"]]
        return all(not r["lastEvaluation"].startswith("0001") for r in rules)

    def targets_scraped(self) -> bool:
        return all(t["health"] != "unknown" for t in self.data("/api/v1/targets")["activeTargets"])

    def value(self, query: str) -> float | None:
        result = self.data("/api/v1/query", query=query)["result"]
        return float(result[0]["value"][1]) if result else None

    def firing(self) -> set[str]:
        return {a["labels"]["alertname"] for a in self.data("/api/v1/alerts")["alerts"] if a["state"] == "firing"}


def _config(name: str, targets: dict[str, str], rules: bool, alertmanager: str | None) -> str:
    config: dict[str, Any] = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "external_labels": {"prometheus": name}},
        "scrape_configs": [{"job_name": job, "static_configs": [{"targets": [t]}]} for job, t in targets.items()],
    }
    if rules:
        config["rule_files"] = ["rules.yml"]
    if alertmanager:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]}
    return yaml.safe_dump(config)


@pytest.fixture(scope="session")
def prometheus_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Prometheus]]:
    """start(name, targets={job: host:port}, rules=YAML|None, alertmanager=host:port|None, web_config=YAML|None)."""
    binary = need_binary("prometheus")
    started: list[Prometheus] = []

    def start(name: str, targets: dict[str, str], rules: str | None = None, alertmanager: str | None = None,
              web_config: str | None = None) -> Prometheus:
        directory: Path = tmp_path_factory.mktemp(f"prometheus-{name}")
        (directory / "prometheus.yml").write_text(_config(name, targets, rules is not None, alertmanager))
        if rules is not None:
            (directory / "rules.yml").write_text(rules)
        port = free_port()
        args = [binary, f"--config.file={directory / 'prometheus.yml'}", f"--storage.tsdb.path={directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                # Alerts evaluated before the Alertmanager is discovered are only resent after this.
                "--rules.alert.resend-delay=1s"]
        if web_config is not None:
            (directory / "web.yml").write_text(web_config)
            args.append(f"--web.config.file={directory / 'web.yml'}")
        log = (directory / "prometheus.log").open("wb")
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        server = Prometheus(f"http://127.0.0.1:{port}", proc, external_labels={"prometheus": name})
        started.append(server)
        wait_for_port(port, proc=proc, timeout=30)
        if web_config is None:
            wait_ready(server.url, proc)
            wait_until(lambda: server.rules_evaluated() and server.targets_scraped(), f"{name}: first rounds")
        return server

    yield start
    for server in started:
        stop(server.proc)
        if server.exporter:
            server.exporter.close()


def _with_exporter(factory: Callable[..., Prometheus], name: str, metrics: tuple[CollectorRegistry, Callable[[], None]],
                   **kwargs: Any) -> Prometheus:
    exporter = Exporter(*metrics)
    targets = {"linkflow-api": exporter.target, **kwargs.pop("more_targets", {})}
    server = factory(name, targets, **kwargs)
    server.exporter = exporter
    return server


ERROR_RATIO = 'sum(rate(linkflow_http_requests_total{status=~"5.."}[5m])) / sum(rate(linkflow_http_requests_total[5m]))'
P95 = "histogram_quantile(0.95, sum by (le) (rate(linkflow_http_request_duration_seconds_bucket[5m])))"


@pytest.fixture(scope="session")
def alertmanager_paging(alertmanager_factory: AlertmanagerFactory) -> str:
    """The Alertmanager the good Prometheus sends to: a routed PagerDuty receiver."""
    return alertmanager_factory(PAGERDUTY_ROUTED).url


@pytest.fixture(scope="session")
def prometheus_good(prometheus_factory: Callable[..., Prometheus], alertmanager_paging: str) -> Prometheus:
    server = _with_exporter(
        prometheus_factory, "good", linkflow_metrics(requests=200, errors=1, seconds=0.04, complete=True),
        rules=GOOD_RULES, alertmanager=alertmanager_paging.removeprefix("http://"),
    )

    def watchdog_delivered() -> bool:
        alerts = httpx.get(alertmanager_paging + "/api/v2/alerts", timeout=5).json()
        return any(a["labels"].get("alertname") == "Watchdog" for a in alerts)

    wait_until(lambda: server.value(ERROR_RATIO) is not None and server.value(P95) is not None, "good: rates")
    wait_until(watchdog_delivered, "good: Watchdog in Alertmanager")
    return server


@pytest.fixture(scope="session")
def prometheus_bad(prometheus_factory: Callable[..., Prometheus]) -> Prometheus:
    server = _with_exporter(
        prometheus_factory, "bad", linkflow_metrics(requests=30, errors=10, seconds=5.0, complete=False),
        rules=BAD_RULES, more_targets={"linkflow-worker": f"127.0.0.1:{free_port()}"},
    )
    wait_until(lambda: "HighErrorRate" in server.firing() and server.value(P95) is not None, "bad: firing")
    return server


@pytest.fixture(scope="session")
def prometheus_meta(prometheus_factory: Callable[..., Prometheus]) -> Prometheus:
    server = _with_exporter(prometheus_factory, "meta", linkflow_metrics(requests=20, errors=0, seconds=0.04, complete=False),
                            rules=META_RULES)
    # targets_scraped() is true before service discovery lists the target: wait for its samples.
    wait_until(lambda: server.value("linkflow_http_requests_total") is not None and server.rules_evaluated(), "meta: scraped")
    return server


@pytest.fixture(scope="session")
def prometheus_empty(prometheus_factory: Callable[..., Prometheus]) -> Prometheus:
    return prometheus_factory("empty", {})


@pytest.fixture(scope="session")
def prometheus_auth(prometheus_factory: Callable[..., Prometheus]) -> Prometheus:
    return prometheus_factory("auth", {}, web_config=BASIC_AUTH_WEB_CONFIG)


@pytest.fixture(scope="session")
def prometheus_shipped_names(prometheus_factory: Callable[..., Prometheus]) -> Prometheus:
    server = _with_exporter(prometheus_factory, "shipped-names", shipped_names_metrics())
    shipped = ERROR_RATIO.replace("linkflow_http_requests_total", "http_requests_total")
    wait_until(lambda: server.value(shipped) is not None, "shipped-names: rates")
    return server
