"""Probes that ask Prometheus itself (HTTP API): key series, alert rules and their thresholds,
rules on missing series, scrape targets, firing alerts and the live error rate and p95 latency.

LinkFlow's code registers `linkflow_*` metrics while its shipped rules use other names
(`http_requests_total`, `http_request_duration_seconds_bucket`, `asynq_queue_size`): every lookup
accepts both, and `prometheus.rules-series` catches rules that can never fire.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext

# ---------------------------------------------------------------------------------------------
# HTTP API access (also used by the Alertmanager probes)


async def request_json(
    ctx: ProbeContext, base_url: str, path: str, params: dict[str, str] | None = None, token_key: str | None = None
) -> Any:
    """GET base_url + path (bearer token from the profile key `token_key` if set) and parse JSON;
    ProbeError for anything that keeps us from telling. One request per sweep for the same query."""
    key = ("json", base_url, path, tuple(sorted((params or {}).items())), token_key)
    return await ctx.shared(key, lambda: _get_json(ctx, base_url, path, params, token_key))


async def _get_json(ctx: ProbeContext, base_url: str, path: str, params: dict[str, str] | None, token_key: str | None) -> Any:
    import httpx

    await ctx.ensure_reachable(base_url)
    token = await ctx.secret(token_key) if token_key else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = base_url + path
    try:
        async with ctx.http_client() as client:
            response = await client.get(url, params=params, headers=headers)
    except httpx.TimeoutException:
        raise ProbeError(f"{url} did not answer within {ctx.timeout * 0.8:.1f} s") from None
    except httpx.HTTPError as exc:
        raise ProbeError(f"{url}: {type(exc).__name__}: {exc}") from None
    if response.status_code in (401, 403):
        if token:
            hint = f"check {token_key}"
        elif token_key:
            hint = f"the server wants credentials: set {token_key}"
        else:
            hint = "the server wants credentials the profile cannot give it"
        raise ProbeError(f"{url} refused the probe (HTTP {response.status_code}); {hint}")
    try:
        body = response.json()
    except ValueError:
        raise ProbeError(f"{url} answered HTTP {response.status_code} with something that is not JSON") from None
    if response.status_code != 200:
        detail = body.get("error", "") if isinstance(body, dict) else ""
        raise ProbeError(f"{url} answered HTTP {response.status_code} {detail}".rstrip())
    return body


async def prometheus_data(ctx: ProbeContext, path: str, params: dict[str, str] | None = None) -> Any:
    """The `data` of a Prometheus API answer (`{"status": "success", "data": ...}`)."""
    base_url = str(ctx.setting("prometheus.url"))
    body = await request_json(ctx, base_url, path, params, "prometheus.token")
    if not isinstance(body, dict) or body.get("status") != "success" or "data" not in body:
        raise ProbeError(f"{base_url}{path} did not answer like the Prometheus API: {str(body)[:200]}")
    return body["data"]


async def metric_names(ctx: ProbeContext) -> set[str]:
    """Names of the series Prometheus has stored in the last hour (older ones no longer count)."""
    start = int(time.time()) // 60 * 60 - 3600  # whole minutes: the probes of one sweep share the query
    names = await prometheus_data(ctx, "/api/v1/label/__name__/values", {"start": str(start)})
    return set(names)


def label_text(labels: dict[str, str], skip: Iterable[str] = ("alertname",)) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k not in skip)


def alert_title(labels: dict[str, str]) -> str:
    rest = label_text(labels)
    return f"{labels.get('alertname', '?')}{{{rest}}}" if rest else labels.get("alertname", "?")


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


# ---------------------------------------------------------------------------------------------
# Alert rules: one engine, a table of what each checklist alert looks like


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


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_COMPARISON = re.compile(rf"(>=|<=|==|!=|>|<)\s*(?:bool\s+)?({_NUMBER})(?![\w.])")
_QUANTILE = re.compile(rf"histogram_quantile\s*\(\s*({_NUMBER})")


def strip_literals(expression: str) -> str:
    """The expression without strings, label matchers and range selectors (they hide operators)."""
    text = _STRING.sub('""', expression)
    text = re.sub(r"\{[^{}]*\}", "{}", text)
    return re.sub(r"\[[^\[\]]*\]", "[]", text)


def first_comparison(expression: str) -> tuple[str, float] | None:
    """The first comparison against a number: its operator and the number (the rule's threshold)."""
    match = _COMPARISON.search(strip_literals(expression))
    return (match.group(1), float(match.group(2))) if match else None


def as_ratio(value: float, expression: str) -> float:
    """Error-rate thresholds come as 0.01 or as 1 (percent, usually with `* 100`)."""
    percent = re.search(r"\*\s*100\b|\b100\s*\*", expression) or value >= 1
    return value / 100 if percent else value


def as_seconds(value: float, expression: str) -> float:
    """Latency thresholds come as 2 (seconds) or 2000 (milliseconds)."""
    millis = re.search(r"_ms\b|_ms_|millisecond", expression, re.IGNORECASE) or value > 60
    return value / 1000 if millis else value


def as_is(value: float, expression: str) -> float:
    return value


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


def percent(ratio: float) -> str:
    return f"{ratio * 100:.4g} %"


def seconds(value: float) -> str:
    return f"{value:.4g} s"


def jobs(count: float) -> str:
    return f"{count:g} jobs"


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


def judge(check: AlertCheck, rule: AlertRule) -> tuple[Status, str, list[Evidence]]:
    """How well one matching rule covers the checklist alert: verdict, summary, evidence."""
    evidence = [
        Evidence("rule", "an alerting rule for " + check.what, f"{rule.name} (group {rule.group})", True),
        Evidence("expression", "", " ".join(rule.expression.split())),
        Evidence("health / state", "ok", f"{rule.health} / {rule.state}", rule.health != "err"),
    ]
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
        quantile = _QUANTILE.search(rule.expression)
        q = float(quantile.group(1)) if quantile else None
        quantile_ok = q is not None and q >= check.min_quantile
        read = "none" if q is None else f"{q:g}"
        evidence.append(Evidence("quantile", f">= {check.min_quantile:g}", read, quantile_ok))
        ok = ok and quantile_ok
        found += f" at quantile {read}"
    if ok:
        return Status.PASS, f"{rule.name} alerts at {found} (checklist: {check.what})", evidence
    return Status.WARN, f"{rule.name} is looser than the checklist: {found}, wanted {check.what}", evidence


_RANK = {Status.PASS: 0, Status.WARN: 1}


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
    judged = [judge(check, rule) for rule in candidates]
    status, summary, evidence = min(judged, key=lambda j: _RANK[j[0]])
    return outcome(status, summary, evidence, raw={"matching rules": ", ".join(r.name for r in candidates)})


def _register_alert_probes() -> None:
    """One probe per checklist alert, all served by `check_alert` (no per-alert copies)."""
    for probe_id in ALERT_CHECKS:
        async def run(ctx: ProbeContext, probe_id: str = probe_id) -> Outcome:
            return await check_alert(ctx, probe_id)

        probe(probe_id)(run)


_register_alert_probes()


# ---------------------------------------------------------------------------------------------
# Rules on missing series

_KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool",
    "offset", "inf", "nan", "start", "end", "atan2",
}
_LABEL_LISTS = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()")
_NAME_MATCHER = re.compile(r"""__name__\s*=\s*(?:"([^"]+)"|'([^']+)')""")
_NAME_REGEX = re.compile(r"""__name__\s*=~\s*(?:"([^"]+)"|'([^']+)')""")
# Series Prometheus writes itself for pending/firing alerts: they exist whenever an alert does.
SYNTHETIC_SERIES = frozenset({"ALERTS", "ALERTS_FOR_STATE"})


def _without_absent(text: str) -> str:
    """Drop absent(...) calls: they are meant to fire when their series is missing."""
    while match := re.search(r"\babsent(_over_time)?\s*\(", text):
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        text = text[: match.start()] + "vector(0)" + text[end + 1:]
    return text


def series_names(expression: str) -> set[str]:
    """Metric names a PromQL expression selects: identifiers that are not functions, keywords
    or label names, plus {__name__="..."} matchers."""
    text = _without_absent(expression)
    names = {a or b for a, b in _NAME_MATCHER.findall(text)}
    text = _LABEL_LISTS.sub(" ", strip_literals(text))
    names.update(n for n in _IDENTIFIER.findall(text) if n.lower() not in _KEYWORDS)
    return names


def name_patterns(expression: str) -> set[str]:
    """The regexes of {__name__=~"..."} matchers (outside absent(...))."""
    return {a or b for a, b in _NAME_REGEX.findall(_without_absent(expression))}


async def recording_rules(ctx: ProbeContext) -> dict[str, str]:
    """Series name -> expression of every recording rule."""
    return {
        rule["name"]: rule.get("query", "")
        for group in await rule_groups(ctx)
        for rule in group.get("rules", [])
        if rule.get("type") == "recording" and rule.get("name")
    }


def missing_series(expression: str, existing: set[str], recorded: dict[str, str], seen: frozenset[str] = frozenset()) -> list[str]:
    """What in `expression` selects series that do not exist (so a rule on it can never fire).

    A recording rule's output counts as existing when it is stored, or when its own inputs exist
    (it may not have been evaluated yet); ALERTS/ALERTS_FOR_STATE are Prometheus's own."""
    missing = []
    for name in sorted(series_names(expression)):
        if name in existing or name in SYNTHETIC_SERIES:
            continue
        if name in recorded and name not in seen:
            inputs = missing_series(recorded[name], existing, recorded, seen | {name})
            if not inputs:
                continue
            missing.append(f"{name} (recorded from missing {', '.join(inputs)})")
            continue
        missing.append(name)
    for pattern in sorted(name_patterns(expression)):
        try:
            regex = re.compile(pattern)
        except re.error:
            missing.append(f'{{__name__=~"{pattern}"}} (invalid regex)')
            continue
        known = existing | SYNTHETIC_SERIES | set(recorded)
        if not any(regex.fullmatch(name) for name in known):
            missing.append(f'{{__name__=~"{pattern}"}}')
    return missing


@probe("prometheus.rules-series")
async def rules_series(ctx: ProbeContext) -> Outcome:
    rules = await alerting_rules(ctx)
    if not rules:
        return outcome(Status.FAIL, "no alerting rules are loaded", [Evidence("alerting rules", ">= 1", "0", False)])
    existing = await metric_names(ctx)
    recorded = await recording_rules(ctx)
    evidence: list[Evidence] = []
    broken: list[str] = []
    for rule in rules:
        wanted = series_names(rule.expression) | {f'{{__name__=~"{p}"}}' for p in name_patterns(rule.expression)}
        missing = missing_series(rule.expression, existing, recorded)
        if missing:
            broken.append(f"{rule.name} ({', '.join(missing)})")
        actual = f"missing: {', '.join(missing)}" if missing else ", ".join(sorted(wanted)) or "no series (constant)"
        evidence.append(Evidence(rule.name, "every series exists", actual, not missing))
    raw = {"series names in Prometheus": len(existing), "alerting rules": len(rules), "recording rules": len(recorded)}
    if broken:
        return outcome(Status.FAIL, "rules on missing series can never fire: " + "; ".join(broken), evidence, raw)
    return outcome(Status.PASS, f"all {len(rules)} alerting rules name existing series", evidence, raw)


# ---------------------------------------------------------------------------------------------
# Targets and firing alerts


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


async def prometheus_alerts(ctx: ProbeContext) -> list[dict[str, Any]]:
    data = await prometheus_data(ctx, "/api/v1/alerts")
    return list(data.get("alerts", []))


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


def error_ratio_query(counter: str) -> str:
    # Without a 5xx series the numerator would be empty and hide the ratio: default it to 0.
    errors = " or ".join(f'sum(rate({counter}{{{label}=~"5.."}}[5m]))' for label in ("status", "code"))
    return f"({errors} or vector(0)) / sum(rate({counter}[5m]))"


def p95_query(histogram: str) -> str:
    return f"histogram_quantile(0.95, sum by (le) (rate({histogram}_bucket[5m])))"


async def first_value(ctx: ProbeContext, queries: dict[str, str]) -> tuple[str, float]:
    """The value of the first query (by metric name) that returns a sample; ProbeError 'no series'."""
    for query in queries.values():
        data = await prometheus_data(ctx, "/api/v1/query", {"query": query})
        result = data.get("result", [])
        if data.get("resultType") == "vector" and result:
            return query, float(result[0]["value"][1])
    raise ProbeError(f"no series: no data for {' or '.join(queries)} in the last 5 minutes")


async def live_value(
    ctx: ProbeContext, queries: dict[str, str], key: str, limit: float, show: Callable[[float], str], what: str
) -> Outcome:
    query, value = await first_value(ctx, queries)
    if math.isnan(value):
        raise ProbeError(f"no requests in the last 5 minutes: the {what} is undefined ({query})")
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
