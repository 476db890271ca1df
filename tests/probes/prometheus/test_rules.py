"""The checklist's alert rules and rules on missing series, against real Prometheus servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkflow_console.probes.base import Status
from tests.probes.prometheus import evidence, run
from tests.servers.prometheus import Prometheus

pytestmark = pytest.mark.servers


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
])
async def test_looser_alert_rule_is_warn_naming_both(
    prometheus_bad: Prometheus, tmp_path: Path, probe_id: str, words: str
) -> None:
    result = await run(probe_id, prometheus_bad.url, tmp_path)
    assert result.status == Status.WARN
    assert words in result.summary and "wanted" in result.summary


@pytest.mark.parametrize(("probe_id", "rule", "series"), [
    ("prometheus.alert-queue-backlog", "WorkerQueueBacklog", "asynq_queue_size"),
    ("prometheus.alert-database", "PostgresDown", "pg_up"),  # no postgres exporter
    ("prometheus.alert-service-down", "SchedulerDown", 'up{job="linkflow-scheduler"}'),  # no such job
])
async def test_alert_rule_on_a_missing_series_fails_naming_it(
    prometheus_bad: Prometheus, tmp_path: Path, probe_id: str, rule: str, series: str
) -> None:
    # A rule that can never fire proves nothing, whatever its threshold.
    result = await run(probe_id, prometheus_bad.url, tmp_path)
    assert result.status == Status.FAIL, result.summary
    assert result.summary.startswith(f"{rule} can never fire: no series {series}")
    line = next(e for e in result.evidence if e.label == "series")
    assert line.ok is False and series in line.actual


async def test_alert_rule_on_a_scraped_job_passes(prometheus_good: Prometheus, tmp_path: Path) -> None:
    result = await run("prometheus.alert-service-down", prometheus_good.url, tmp_path)
    assert result.status == Status.PASS, result.summary
    assert evidence(result, "series") == "all exist"


@pytest.mark.parametrize("probe_id", ["prometheus.alert-disk", "prometheus.alert-memory"])
async def test_missing_alert_rule_is_fail(prometheus_bad: Prometheus, tmp_path: Path, probe_id: str) -> None:
    result = await run(probe_id, prometheus_bad.url, tmp_path)
    assert result.status == Status.FAIL
    assert result.raw["alerting rules"] == (
        "HighErrorRate, HighLatency, SlowRequests, WorkerQueueBacklog, SchedulerDown, PostgresDown")


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
    assert "PostgresDown (pg_up)" in result.summary
    assert 'SchedulerDown (up{job="linkflow-scheduler"} (no job \'linkflow-scheduler\' is scraped))' in result.summary
    assert "HighErrorRate" not in result.summary and "SlowRequests" not in result.summary


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
