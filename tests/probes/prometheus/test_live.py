"""Key metrics, scrape targets, firing alerts and the live error rate and p95, against real Prometheus servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkflow_console.probes.base import Status
from tests.probes.prometheus import evidence, run
from tests.servers.prometheus import Prometheus

pytestmark = pytest.mark.servers


# --- key metrics --------------------------------------------------------------------------


async def test_key_metrics_all_present(prometheus_good: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.key-metrics", prometheus_good.url, tmp_path)
    assert result.status == Status.PASS, result.summary
    assert evidence(result, "queue depth") == "linkflow_queue_depth"


async def test_key_metrics_some_missing_is_warn(prometheus_bad: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.key-metrics", prometheus_bad.url, tmp_path)
    assert result.status == Status.WARN
    assert "queue depth" in result.summary and "request latency" not in result.summary
    assert evidence(result, "database connections") == "missing"


async def test_key_metrics_none_is_fail(prometheus_empty: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.key-metrics", prometheus_empty.url, tmp_path)
    assert result.status == Status.FAIL
    assert all(e.ok is False for e in result.evidence)


# --- targets and firing alerts --------------------------------------------------------------


async def test_targets_all_up(prometheus_good: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.targets-up", prometheus_good.url, tmp_path)
    assert result.status == Status.PASS
    assert result.raw["active targets"] == "1"


async def test_target_down_fails_with_last_error(prometheus_bad: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.targets-up", prometheus_bad.url, tmp_path)
    assert result.status == Status.FAIL
    assert "1 of 2 targets down: linkflow-worker" in result.summary
    down = next(e for e in result.evidence if e.label.startswith("linkflow-worker"))
    assert down.actual.startswith("down: ") and "refused" in down.actual


async def test_no_targets_fails(prometheus_empty: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.targets-up", prometheus_empty.url, tmp_path)
    assert result.status == Status.FAIL
    assert evidence(result, "targets") == "0"


async def test_only_heartbeat_firing_passes(prometheus_good: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.firing-alerts", prometheus_good.url, tmp_path)
    assert result.status == Status.PASS
    assert "heartbeat" in evidence(result, "Watchdog{severity=none}")
    assert result.values["firing_alerts"] == 0


async def test_firing_alert_is_warn_naming_it(prometheus_bad: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.firing-alerts", prometheus_bad.url, tmp_path)
    assert result.status == Status.WARN
    assert "HighErrorRate" in result.summary
    assert result.values["firing_alerts"] >= 1


# --- live error rate and p95 ----------------------------------------------------------------


async def test_error_rate_low_passes_and_is_recorded(prometheus_good: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.error-rate", prometheus_good.url, tmp_path)
    assert result.status == Status.PASS, result.summary
    assert result.values["error_rate"] == pytest.approx(0.005, rel=0.05)
    assert "linkflow_http_requests_total" in result.raw["query"]


async def test_error_rate_high_fails(prometheus_bad: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.error-rate", prometheus_bad.url, tmp_path)
    assert result.status == Status.FAIL
    assert result.values["error_rate"] == pytest.approx(1 / 3, rel=0.05)


async def test_error_rate_without_series_is_error(prometheus_empty: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.error-rate", prometheus_empty.url, tmp_path)
    assert result.status == Status.ERROR
    assert result.summary.startswith("no series")


async def test_p95_fast_passes(prometheus_good: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.latency-p95", prometheus_good.url, tmp_path)
    assert result.status == Status.PASS, result.summary
    assert result.values["p95_seconds"] < 0.05


async def test_p95_slow_fails(prometheus_bad: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.latency-p95", prometheus_bad.url, tmp_path)
    assert result.status == Status.FAIL
    assert 2.5 < result.values["p95_seconds"] <= 5.0


async def test_p95_without_series_is_error(prometheus_empty: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.latency-p95", prometheus_empty.url, tmp_path)
    assert result.status == Status.ERROR
    assert "linkflow_http_request_duration_seconds or http_request_duration_seconds" in result.summary


@pytest.mark.parametrize(("probe_id", "key", "status", "low", "high"), [
    ("prometheus.error-rate", "error_rate", Status.FAIL, 0.09, 0.11),
    ("prometheus.latency-p95", "p95_seconds", Status.PASS, 0.25, 0.5),
])
async def test_live_value_looks_past_an_idle_name_whose_value_is_nan(
    prometheus_shipped_names: Prometheus, tmp_path: Path, probe_id: str, key: str, status: Status, low: float, high: float
) -> None:
    # linkflow_* exists but carries no traffic (0/0 = NaN); the requests are under the shipped names.
    result = await run(probe_id, prometheus_shipped_names.url, tmp_path)
    assert result.status == status, result.summary
    assert low <= result.values[key] <= high
    assert "linkflow_" not in result.raw["query"]
