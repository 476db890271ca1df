"""Prometheus's live view: key metrics present as series, scrape targets up, alerts firing now,
and the current 5xx error rate and p95 latency (recorded by launch-day check-ins).

LinkFlow's code registers `linkflow_*` metrics while its shipped rules use other names
(`http_requests_total`, `http_request_duration_seconds_bucket`, `asynq_queue_size`): every lookup
accepts both.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.prometheus.api import alert_title, metric_names, prometheus_alerts, prometheus_data
from linkflow_console.probes.prometheus.promql import error_ratio_query, p95_query, percent, seconds


# ---------------------------------------------------------------------------------------------
# Key metrics


@dataclass(frozen=True)
class KeyMetric:
    label: str
    # Every group must have one name present; a name also matches its histogram/counter series.
    groups: tuple[tuple[str, ...], ...]


KEY_METRICS = (
    KeyMetric("request latency", (("linkflow_http_request_duration_seconds", "http_request_duration_seconds"),)),
    KeyMetric("error rate (requests by status)", (("linkflow_http_requests_total", "http_requests_total"),)),
    KeyMetric("queue depth", (("linkflow_queue_depth", "asynq_queue_size", "linkflow_webhook_queue_depth"),)),
    KeyMetric(
        "active workers",
        (("linkflow_workflow_executions_in_progress", "linkflow_active_workers", "asynq_active_workers"),),
    ),
    KeyMetric(
        "database connections",
        (("linkflow_db_connections_open", "go_sql_open_connections", "pg_stat_activity_count",
          "pg_stat_database_numbackends"),),
    ),
    KeyMetric(
        "memory/CPU",
        (("process_resident_memory_bytes", "container_memory_working_set_bytes", "go_memstats_alloc_bytes"),
         ("process_cpu_seconds_total", "container_cpu_usage_seconds_total")),
    ),
)
_SERIES_SUFFIXES = ("", "_bucket", "_count", "_sum", "_total", "_created")


def _present(candidates: tuple[str, ...], names: set[str]) -> str | None:
    return next((c for c in candidates for s in _SERIES_SUFFIXES if c + s in names), None)


@probe("prometheus.key-metrics")
async def key_metrics(ctx: ProbeContext) -> Outcome:
    names = await metric_names(ctx)
    evidence: list[Evidence] = []
    missing: list[str] = []
    for metric in KEY_METRICS:
        found = [_present(group, names) for group in metric.groups]
        ok = all(found)
        if not ok:
            missing.append(metric.label)
        expected = " and ".join("one of " + ", ".join(group) for group in metric.groups)
        evidence.append(Evidence(metric.label, expected, ", ".join(f or "missing" for f in found), ok))
    raw = {"series names": len(names)}
    if not missing:
        return outcome(Status.PASS, f"all {len(KEY_METRICS)} key metrics present", evidence, raw)
    if len(missing) == len(KEY_METRICS):
        return outcome(Status.FAIL, "none of the key metrics exist as series", evidence, raw)
    return outcome(Status.WARN, f"missing: {', '.join(missing)}", evidence, raw)


@probe("prometheus.targets-up")
async def targets_up(ctx: ProbeContext) -> Outcome:
    data = await prometheus_data(ctx, "/api/v1/targets", {"state": "active"})
    targets = data.get("activeTargets", [])
    if not targets:
        none = [Evidence("targets", ">= 1", "0", False)]
        return outcome(Status.FAIL, "Prometheus has no active scrape targets", none)
    evidence = []
    down: list[str] = []
    unknown: list[str] = []
    for target in targets:
        name = f"{target.get('labels', {}).get('job', '?')} {target.get('scrapeUrl', '?')}"
        health = target.get("health", "unknown")
        error = target.get("lastError", "")
        if health == "down":
            down.append(name)
        elif health != "up":
            unknown.append(name)  # not scraped yet
        evidence.append(Evidence(name, "up", f"{health}: {error}" if error else health, health == "up"))
    raw = {"active targets": len(targets)}
    if down:
        return outcome(Status.FAIL, f"{len(down)} of {len(targets)} targets down: {', '.join(down)}", evidence, raw)
    if unknown:
        return outcome(Status.WARN, f"not scraped yet: {', '.join(unknown)}", evidence, raw)
    return outcome(Status.PASS, f"all {len(targets)} targets up", evidence, raw)


# Alerts that fire on purpose to prove the pipeline works; their firing is good news.
HEARTBEAT_ALERTS = re.compile(r"^(Watchdog|DeadMansSwitch|DeadMansSnitch|Heartbeat|InfoInhibitor)$", re.IGNORECASE)


@probe("prometheus.firing-alerts")
async def firing_alerts(ctx: ProbeContext) -> Outcome:
    alerts = await prometheus_alerts(ctx)
    evidence = []
    firing: list[str] = []
    for alert in alerts:
        labels = alert.get("labels", {})
        heartbeat = bool(HEARTBEAT_ALERTS.match(labels.get("alertname", "")))
        title = alert_title(labels)
        state = alert.get("state", "?")
        if state == "firing" and not heartbeat:
            firing.append(title)
        ok = None if heartbeat or state != "firing" else False
        note = " (heartbeat, fires on purpose)" if heartbeat else ""
        evidence.append(Evidence(title, "not firing", f"{state} since {alert.get('activeAt', '?')}{note}", ok))
    raw = {"alerts": len(alerts)}
    if firing:
        summary = f"{len(firing)} firing: {', '.join(firing)}"
        return outcome(Status.WARN, summary, evidence, raw, {"firing_alerts": len(firing)})
    return outcome(Status.PASS, "no alert firing", evidence, raw, {"firing_alerts": 0})


# ---------------------------------------------------------------------------------------------
# Live error rate and p95 (recorded by launch-day check-ins)

REQUEST_COUNTERS = ("linkflow_http_requests_total", "http_requests_total")
DURATION_HISTOGRAMS = ("linkflow_http_request_duration_seconds", "http_request_duration_seconds")


async def first_value(ctx: ProbeContext, queries: dict[str, str]) -> tuple[str, float]:
    """The value of the first query (by metric name) with a defined sample. A NaN (0/0: that
    series had no traffic) does not stop the search: the next name may carry the requests.
    ProbeError when no query has a sample; NaN only when every sample is NaN."""
    undefined: str | None = None
    for query in queries.values():
        data = await prometheus_data(ctx, "/api/v1/query", {"query": query})
        result = data.get("result", [])
        if data.get("resultType") == "vector" and result:
            value = float(result[0]["value"][1])
            if not math.isnan(value):
                return query, value
            undefined = undefined or query
    if undefined is not None:
        return undefined, math.nan
    raise ProbeError(f"no series: no data for {' or '.join(queries)} in the last 5 minutes")


async def live_value(
    ctx: ProbeContext, queries: dict[str, str], key: str, limit: float, show: Callable[[float], str], what: str
) -> Outcome:
    query, value = await first_value(ctx, queries)
    if math.isnan(value):
        raise ProbeError(f"no requests in the last 5 minutes: the {what} is undefined ({' and '.join(queries)})")
    ok = value <= limit
    evidence = [Evidence(what + " over 5m", f"<= {show(limit)}", show(value), ok)]
    values = {key: value} if math.isfinite(value) else {}
    summary = f"{what} {show(value)} ({'within' if ok else 'above'} {show(limit)})"
    return outcome(Status.PASS if ok else Status.FAIL, summary, evidence, {"query": query}, values)


@probe("prometheus.error-rate")
async def error_rate(ctx: ProbeContext) -> Outcome:
    queries = {counter: error_ratio_query(counter) for counter in REQUEST_COUNTERS}
    return await live_value(ctx, queries, "error_rate", 0.01, percent, "5xx error rate")


@probe("prometheus.latency-p95")
async def latency_p95(ctx: ProbeContext) -> Outcome:
    queries = {histogram: p95_query(histogram) for histogram in DURATION_HISTOGRAMS}
    return await live_value(ctx, queries, "p95_seconds", 2.0, seconds, "p95 latency")
