"""Alert rules: one engine for the checklist's alerts (a table of what each looks like, judged
by name or expression, threshold and quantile) and the check that rules name existing series.

A rule whose expression selects a series that does not exist can never fire: it proves
nothing, so it fails the alert it would cover and `prometheus.rules-series`, naming the series.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from linkflow_console.probes.base import Evidence, Outcome, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.prometheus.api import label_values, metric_names, prometheus_data
from linkflow_console.probes.prometheus.promql import (
    QUANTILE,
    as_is,
    as_ratio,
    as_seconds,
    first_comparison,
    jobs,
    missing_series,
    name_patterns,
    percent,
    seconds,
    series_names,
)


@dataclass(frozen=True)
class AlertRule:
    name: str
    expression: str
    group: str
    health: str
    state: str
    last_error: str


async def rule_groups(ctx: ProbeContext) -> list[dict[str, Any]]:
    """Every rule group, alerting and recording rules together: one read that all the rule
    probes of a sweep share."""
    return (await prometheus_data(ctx, "/api/v1/rules")).get("groups", [])


async def alerting_rules(ctx: ProbeContext) -> list[AlertRule]:
    groups = await rule_groups(ctx)
    return [
        AlertRule(
            rule.get("name", "?"), rule.get("query", ""), group.get("name", "?"),
            rule.get("health", "unknown"), rule.get("state", "?"), rule.get("lastError", ""),
        )
        for group in groups
        for rule in group.get("rules", [])
        if rule.get("type") == "alerting"
    ]


@dataclass(frozen=True)
class AlertCheck:
    what: str  # the checklist's words
    names: re.Pattern[str]  # a rule whose name matches is a candidate
    expression: tuple[re.Pattern[str], ...]  # ... and so is one whose expression matches all of these
    limit: float | None = None  # the checklist threshold in canonical units; None: existing is enough
    show: Callable[[float], str] = "{:g}".format
    normalise: Callable[[float, str], float] = as_is
    min_quantile: float | None = None  # a latency rule on a lower quantile is looser


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


ALERT_CHECKS: dict[str, AlertCheck] = {
    "prometheus.alert-error-rate": AlertCheck(
        "error rate > 1 %",
        _pattern(r"error.?(rate|ratio|percent)|5xx|server.?errors"),
        (_pattern(r'(status|code)\w*\s*=~?\s*"5'), _pattern(r"/")),
        0.01, percent, as_ratio,
    ),
    "prometheus.alert-latency": AlertCheck(
        "p95 latency > 2 s",
        _pattern(r"latency|slow.?(request|response)|response.?time"),
        (_pattern(r"histogram_quantile\s*\("), _pattern(r"(http|request)\w*(duration|latency)")),
        2.0, seconds, as_seconds, min_quantile=0.95,
    ),
    "prometheus.alert-queue-backlog": AlertCheck(
        "queue backlog > 1000 jobs",
        _pattern(r"queue.?(backlog|depth|size|length)|backlog"),
        (_pattern(r"queue_(depth|size|length|backlog)"),),
        1000.0, jobs,
    ),
    "prometheus.alert-service-down": AlertCheck(
        "service down",
        _pattern(r"^(api|service|app|instance|target|linkflow)\w*(down|unavailable|unreachable)$"),
        (_pattern(r"(?<![\w:])up\s*(\{[^}]*\})?\s*(==\s*0|<\s*1)|absent\s*\(\s*up\b"),),
    ),
    "prometheus.alert-database": AlertCheck(
        "database connection issues",
        _pattern(r"(postgres|database|db|pg)\w*(down|conn|unavailable|unreachable|exhausted)"
                 r"|high\w*connection|connection\w*(count|pool|exhausted|saturat)"),
        (_pattern(r"\bpg_up\b|pg_stat_activity_count|pg_stat_database_numbackends"
                  r"|linkflow_db_connections_open|go_sql_\w*connections"),),
    ),
    "prometheus.alert-disk": AlertCheck(
        "disk space low",
        _pattern(r"(disk|filesystem|volume)\w*(space|full|low|fill|usage)"),
        (_pattern(r"node_filesystem_(avail|free|size)_bytes|kubelet_volume_stats_(available|used)_bytes"),),
    ),
    "prometheus.alert-memory": AlertCheck(
        "memory usage high",
        _pattern(r"mem(ory)?\w*(high|usage|pressure)|high\w*mem|oom"),
        (_pattern(r"process_resident_memory_bytes|container_memory_(working_set|rss|usage)_bytes"
                  r"|node_memory_mem(available|free)_bytes|go_memstats_\w*bytes"),),
    ),
}


def matches(check: AlertCheck, rule: AlertRule) -> bool:
    by_expression = all(p.search(rule.expression) for p in check.expression)
    return bool(check.names.search(rule.name)) or by_expression


def judge(check: AlertCheck, rule: AlertRule, missing: list[str]) -> tuple[Status, str, list[Evidence]]:
    """How well one matching rule covers the checklist alert: verdict, summary, evidence.
    `missing`: the series the rule selects that do not exist (a rule on them can never fire)."""
    evidence = [
        Evidence("rule", "an alerting rule for " + check.what, f"{rule.name} (group {rule.group})", True),
        Evidence("expression", "", " ".join(rule.expression.split())),
        Evidence("series", "every series exists", f"missing: {', '.join(missing)}" if missing else "all exist",
                 not missing),
        Evidence("health / state", "ok", f"{rule.health} / {rule.state}", rule.health != "err"),
    ]
    if missing:
        return Status.FAIL, f"{rule.name} can never fire: no series {', '.join(missing)}", evidence
    if rule.health == "err":
        return Status.WARN, f"{rule.name} exists but fails to evaluate: {rule.last_error}", evidence
    comparison = first_comparison(rule.expression)
    if check.limit is None:
        if comparison:
            evidence.append(Evidence("threshold", "", f"{comparison[0]} {comparison[1]:g}"))
        return Status.PASS, f"{rule.name} alerts on {check.what}", evidence
    expected = f"> {check.show(check.limit)} or stricter"
    if comparison is None or comparison[0] not in (">", ">="):
        evidence.append(Evidence("threshold", expected, "no '> number' comparison found", False))
        return Status.WARN, f"{rule.name} found but its threshold could not be read", evidence
    threshold = check.normalise(comparison[1], rule.expression)
    ok = threshold <= check.limit
    evidence.append(Evidence("threshold", expected, f"> {check.show(threshold)} (read {comparison[1]:g})", ok))
    found = f"> {check.show(threshold)}"
    if check.min_quantile is not None:
        quantile = QUANTILE.search(rule.expression)
        q = float(quantile.group(1)) if quantile else None
        quantile_ok = q is not None and q >= check.min_quantile
        read = "none" if q is None else f"{q:g}"
        evidence.append(Evidence("quantile", f">= {check.min_quantile:g}", read, quantile_ok))
        ok = ok and quantile_ok
        found += f" at quantile {read}"
    if ok:
        return Status.PASS, f"{rule.name} alerts at {found} (checklist: {check.what})", evidence
    return Status.WARN, f"{rule.name} is looser than the checklist: {found}, wanted {check.what}", evidence


_RANK = {Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2}


@dataclass(frozen=True)
class SeriesIndex:
    """What exists in Prometheus, to tell whether a rule's expression can ever select anything."""

    names: set[str]
    recorded: dict[str, str]  # recording rule output -> its expression
    jobs: set[str]

    def missing(self, expression: str) -> list[str]:
        return missing_series(expression, self.names, self.recorded, jobs=self.jobs)


async def series_index(ctx: ProbeContext) -> SeriesIndex:
    """Three reads that every rule probe of a sweep shares (ctx.shared)."""
    names, recorded, job_values = await asyncio.gather(metric_names(ctx), recording_rules(ctx), label_values(ctx, "job"))
    return SeriesIndex(names, recorded, job_values)


async def check_alert(ctx: ProbeContext, probe_id: str) -> Outcome:
    check = ALERT_CHECKS[probe_id]
    rules = await alerting_rules(ctx)
    candidates = [rule for rule in rules if matches(check, rule)]
    if not candidates:
        return outcome(
            Status.FAIL,
            f"no alerting rule for {check.what} among {len(rules)} rules",
            [Evidence("rule", "an alerting rule for " + check.what, "none found by name or expression", False)],
            raw={"alerting rules": ", ".join(r.name for r in rules) or "none"},
        )
    index = await series_index(ctx)
    judged = [judge(check, rule, index.missing(rule.expression)) for rule in candidates]
    status, summary, evidence = min(judged, key=lambda j: _RANK[j[0]])
    return outcome(status, summary, evidence, raw={"matching rules": ", ".join(r.name for r in candidates)})


def _register_alert_probes() -> None:
    """One probe per checklist alert, all served by `check_alert` (no per-alert copies)."""
    for probe_id in ALERT_CHECKS:
        async def run(ctx: ProbeContext, probe_id: str = probe_id) -> Outcome:
            return await check_alert(ctx, probe_id)

        probe(probe_id)(run)


_register_alert_probes()


async def recording_rules(ctx: ProbeContext) -> dict[str, str]:
    """Series name -> expression of every recording rule."""
    return {
        rule["name"]: rule.get("query", "")
        for group in await rule_groups(ctx)
        for rule in group.get("rules", [])
        if rule.get("type") == "recording" and rule.get("name")
    }


@probe("prometheus.rules-series")
async def rules_series(ctx: ProbeContext) -> Outcome:
    rules = await alerting_rules(ctx)
    if not rules:
        return outcome(Status.FAIL, "no alerting rules are loaded", [Evidence("alerting rules", ">= 1", "0", False)])
    index = await series_index(ctx)
    evidence: list[Evidence] = []
    broken: list[str] = []
    for rule in rules:
        wanted = series_names(rule.expression) | {f'{{__name__=~"{p}"}}' for p in name_patterns(rule.expression)}
        missing = index.missing(rule.expression)
        if missing:
            broken.append(f"{rule.name} ({', '.join(missing)})")
        actual = f"missing: {', '.join(missing)}" if missing else ", ".join(sorted(wanted)) or "no series (constant)"
        evidence.append(Evidence(rule.name, "every series exists", actual, not missing))
    raw = {"series names in Prometheus": len(index.names), "alerting rules": len(rules), "recording rules": len(index.recorded),
           "jobs": ", ".join(sorted(index.jobs))}
    if broken:
        return outcome(Status.FAIL, "rules on missing series can never fire: " + "; ".join(broken), evidence, raw)
    return outcome(Status.PASS, f"all {len(rules)} alerting rules name existing series", evidence, raw)
