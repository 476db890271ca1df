"""Prometheus probes against real Prometheus servers on 127.0.0.1 (see tests/servers/prometheus.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.engine import run_probe
from linkflow_console.probes.profile import parse_profile
from linkflow_console.probes.prometheus import as_ratio, as_seconds, first_comparison, series_names
from tests.servers.alertmanager import alertmanager_factory  # noqa: F401
from tests.servers.prometheus import (  # noqa: F401
    Prometheus,
    alertmanager_paging,
    prometheus_auth,
    prometheus_bad,
    prometheus_empty,
    prometheus_factory,
    prometheus_good,
    prometheus_meta,
)
from tests.servers.web import refused_port, silent_port  # noqa: F401

pytestmark = pytest.mark.servers


async def run(probe_id: str, url: str, tmp_path: Path, extra: str = "", timeout: float = 5.0) -> ProbeResult:
    profile = parse_profile(f'timeout = {timeout}\n[prometheus]\nurl = "{url}"\n{extra}', tmp_path / "profile.toml")
    return await run_probe(probe_id, ProbeContext(profile))


def evidence(result: ProbeResult, label: str) -> str:
    return next(e.actual for e in result.evidence if e.label == label)


# --- reading PromQL (pure functions: the verdicts below depend on them) -------------------


def test_threshold_read_from_the_comparison_not_from_matchers_or_ranges() -> None:
    expression = 'sum(rate(x{code!="500",status=~"5.."}[5m])) / sum(rate(x[5m])) > bool 0.02'
    assert first_comparison(expression) == (">", 0.02)


def test_percent_and_millisecond_thresholds_are_normalised() -> None:
    assert as_ratio(1, "a / b * 100 > 1") == 0.01
    assert as_ratio(5, "a / b > 5") == 0.05
    assert as_ratio(0.01, "a / b > 0.01") == 0.01
    assert as_seconds(2000, "histogram_quantile(0.95, x) > 2000") == 2.0
    assert as_seconds(2, "histogram_quantile(0.95, x) > 2") == 2.0


def test_series_names_skip_functions_label_names_and_absent() -> None:
    expression = (
        'histogram_quantile(0.95, sum by (le, job) (rate(http_request_duration_seconds_bucket{job="api"}[5m])))'
        ' > on(job) group_left(team) owner_info or absent(up{job="api"}) offset 5m'
    )
    assert series_names(expression) == {"http_request_duration_seconds_bucket", "owner_info"}


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


# --- alert rules --------------------------------------------------------------------------

ALERT_PROBES = [
    "prometheus.alert-error-rate", "prometheus.alert-latency", "prometheus.alert-queue-backlog",
    "prometheus.alert-service-down", "prometheus.alert-database", "prometheus.alert-disk", "prometheus.alert-memory",
]


@pytest.mark.parametrize(("probe_id", "rule"), zip(ALERT_PROBES, [
    "HighErrorRate", "ApiP95", "WorkerQueueBacklog", "APIDown", "PostgresConnectionsHigh", "DiskSpaceLow",
    "HighMemoryUsage",
]))
async def test_alert_rule_found_at_checklist_threshold(
    prometheus_good: Prometheus, tmp_path: Path, probe_id: str, rule: str
) -> None:
    result = await run(probe_id, prometheus_good.url, tmp_path)
    assert result.status == Status.PASS, result.summary
    assert evidence(result, "rule").startswith(rule + " ")


async def test_error_rate_alert_in_percent_reads_as_ratio(prometheus_good: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.alert-error-rate", prometheus_good.url, tmp_path)
    assert evidence(result, "threshold") == "> 1 % (read 1)"


@pytest.mark.parametrize(("probe_id", "words"), [
    ("prometheus.alert-error-rate", "> 5 %"),
    ("prometheus.alert-latency", "at quantile 0.5"),
    ("prometheus.alert-queue-backlog", "> 5000 jobs"),
])
async def test_looser_alert_rule_is_warn_naming_both(
    prometheus_bad: Prometheus, tmp_path: Path, probe_id: str, words: str
) -> None:
    result = await run(probe_id, prometheus_bad.url, tmp_path)
    assert result.status == Status.WARN
    assert words in result.summary and "wanted" in result.summary


@pytest.mark.parametrize("probe_id", ["prometheus.alert-service-down", "prometheus.alert-database",
                                      "prometheus.alert-disk", "prometheus.alert-memory"])
async def test_missing_alert_rule_is_fail(prometheus_bad: Prometheus, tmp_path: Path, probe_id: str) -> None:
    result = await run(probe_id, prometheus_bad.url, tmp_path)
    assert result.status == Status.FAIL
    assert result.raw["alerting rules"] == "HighErrorRate, HighLatency, WorkerQueueBacklog"


async def test_no_rules_at_all_is_fail(prometheus_empty: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.alert-error-rate", prometheus_empty.url, tmp_path)
    assert result.status == Status.FAIL
    assert "among 0 rules" in result.summary


# --- rules on missing series ----------------------------------------------------------------


async def test_rules_on_existing_series_pass(prometheus_good: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.rules-series", prometheus_good.url, tmp_path)
    assert result.status == Status.PASS, result.summary
    assert evidence(result, "Watchdog") == "no series (constant)"


async def test_rule_on_missing_series_fails_naming_rule_and_series(prometheus_bad: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.rules-series", prometheus_bad.url, tmp_path)
    assert result.status == Status.FAIL
    assert "HighLatency (http_request_duration_seconds_bucket)" in result.summary
    assert "WorkerQueueBacklog (asynq_queue_size)" in result.summary
    assert "HighErrorRate" not in result.summary


async def test_rules_series_reads_recording_rules_alerts_and_name_regexes(prometheus_meta: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.rules-series", prometheus_meta.url, tmp_path)
    assert result.status == Status.FAIL, result.summary
    # A recorded series whose inputs exist, ALERTS, and a __name__ regex that matches: all can fire.
    for rule in ("ErrorRatioRecorded", "TooManyAlerts", "RequestSeriesVanished"):
        assert rule not in result.summary
        assert not evidence(result, rule).startswith("missing"), evidence(result, rule)
    assert evidence(result, "RecordedFromNothing") == "missing: job:nobody:rate5m (recorded from missing nobody_exports_this_total)"
    assert evidence(result, "NameRegexNobody") == 'missing: {__name__=~"nobody_exports_.*"}'


async def test_rules_series_without_rules_fails(prometheus_empty: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.rules-series", prometheus_empty.url, tmp_path)
    assert result.status == Status.FAIL
    assert result.summary == "no alerting rules are loaded"


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


async def test_refused_token_is_error(prometheus_auth: Prometheus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Basic auth in front of the API refuses our bearer token: we cannot tell, so error, never fail.
    monkeypatch.setenv("LF_TEST_PROMETHEUS_TOKEN", "not-the-password")
    token = 'token = { env = "LF_TEST_PROMETHEUS_TOKEN" }\n'
    result = await run("prometheus.targets-up", prometheus_auth.url, tmp_path, token)
    assert result.status == Status.ERROR
    assert "HTTP 401" in result.summary and "not-the-password" not in result.summary


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


# --- could not tell -------------------------------------------------------------------------


def dead_profile(port: int, timeout: float, tmp_path: Path) -> ProbeContext:
    url = f"http://127.0.0.1:{port}"
    text = f'timeout = {timeout}\n[prometheus]\nurl = "{url}"\n[alertmanager]\nurl = "{url}"\n'
    return ProbeContext(parse_profile(text, tmp_path / "profile.toml"))


DEAD_HOST_PROBES = ["prometheus.targets-up", "prometheus.alert-latency", "alertmanager.paging-receiver"]


@pytest.mark.parametrize("probe_id", DEAD_HOST_PROBES)
async def test_refused_port_is_error(refused_port: int, tmp_path: Path, probe_id: str) -> None:
    result = await run_probe(probe_id, dead_profile(refused_port, 5.0, tmp_path))
    assert result.status == Status.ERROR
    assert result.summary.startswith(f"cannot connect to 127.0.0.1:{refused_port}")


@pytest.mark.parametrize("probe_id", DEAD_HOST_PROBES)
async def test_silent_port_is_error(silent_port: int, tmp_path: Path, probe_id: str) -> None:
    result = await run_probe(probe_id, dead_profile(silent_port, 1.0, tmp_path))
    assert result.status == Status.ERROR
    assert "did not answer within 0.8 s" in result.summary
