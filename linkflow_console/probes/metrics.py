"""The API's /metrics: Prometheus text format, and which of the checklist's key metrics it exports."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.http import MAX_BODY_BYTES, fetch, rate_limited, response_raw, snippet, truncated

if TYPE_CHECKING:
    import httpx

ACCEPT = "text/plain;version=0.0.4;q=1.0, application/openmetrics-text;q=0.5, */*;q=0.1"
STATUS_LABELS = frozenset({"status", "code", "status_code"})


@dataclass(frozen=True)
class KeyMetric:
    """A checklist metric; `needs` is all-of, each entry any-of. A name ending in * is a prefix."""

    title: str
    needs: tuple[tuple[str, ...], ...]
    needs_status_label: bool = False


KEY_METRICS = (
    KeyMetric("request latency", (("linkflow_http_request_duration_seconds", "http_request_duration_seconds"),)),
    KeyMetric("error rate", (("linkflow_http_requests_total", "http_requests_total"),), needs_status_label=True),
    KeyMetric("queue depth", (("linkflow_queue_depth", "asynq_queue_size"),)),
    KeyMetric("active workers", (("linkflow_workflow_executions_in_progress", "asynq_*worker*"),)),
    KeyMetric("database connections", (("linkflow_db_connections_open", "go_sql_*", "pg_*"),)),
    KeyMetric("memory/CPU", (("process_resident_memory_bytes",), ("process_cpu_seconds_total",))),
)


@dataclass
class Family:
    """One metric family as exposed: its name(s) and samples."""

    name: str
    kind: str
    samples: list[Any] = field(default_factory=list)

    @property
    def names(self) -> set[str]:
        # The parser strips a counter's _total; LinkFlow and the checklist name the series with it.
        found = {self.name} | {s.name for s in self.samples}
        if self.kind == "counter":
            found.add(self.name + "_total")
        return found

    @property
    def exposed_name(self) -> str:
        return self.name + "_total" if self.kind == "counter" else self.name

    @property
    def never_updated(self) -> bool:
        return not self.samples

    @property
    def all_zero(self) -> bool:
        return bool(self.samples) and all(s.value == 0 for s in self.samples)

    @property
    def has_status_label(self) -> bool:
        return any(STATUS_LABELS & set(s.labels) for s in self.samples)


@dataclass
class Scrape:
    families: list[Family]

    def find(self, pattern: str) -> Family | None:
        matcher = re.compile("^" + ".*".join(map(re.escape, pattern.split("*"))) + "$")
        return next((f for f in self.families if any(matcher.match(n) for n in f.names)), None)


class NotPrometheusText(Exception):
    """The endpoint answered 200 with something that is not Prometheus text."""


def parse_exposition(text: str, content_type: str) -> list[Family]:
    if "text/html" in content_type or text.lstrip().startswith("<"):
        raise NotPrometheusText("HTML, not Prometheus text")
    if "openmetrics" in content_type:
        from prometheus_client.openmetrics.parser import text_string_to_metric_families
    else:
        from prometheus_client.parser import text_string_to_metric_families
    try:
        families = [Family(f.name, f.type, list(f.samples)) for f in text_string_to_metric_families(text)]
    except Exception as exc:  # the parsers raise ValueError, and IndexError/KeyError on odd input
        raise NotPrometheusText(f"not Prometheus text: {exc}") from None
    if not families:
        raise NotPrometheusText("no metric families (empty body)")
    return families


async def scrape(ctx: ProbeContext) -> httpx.Response:
    """One scrape per sweep, shared by the metrics probes."""
    url = str(ctx.setting("api.metrics_url"))
    return await ctx.shared(("scrape", url), lambda: fetch(ctx, url, headers={"Accept": ACCEPT}))


def refuse_truncated(response: httpx.Response) -> None:
    """Half a document says nothing about the rest: an endless or huge answer is could-not-tell."""
    if truncated(response):
        raise ProbeError(f"metrics endpoint answered more than {MAX_BODY_BYTES // 2**20} MiB: "
                         "not read to the end, could not tell")


def content_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").lower()


@probe("http.metrics")
async def metrics_exposed(ctx: ProbeContext) -> Outcome:
    response = await scrape(ctx)
    limited = rate_limited(response)
    if limited:
        return limited
    raw = response_raw(response)
    code = response.status_code
    status_line = Evidence("HTTP status", "200", str(code), code == 200)
    if code in (401, 403):
        return outcome(Status.WARN, f"metrics endpoint is protected ({code}): Prometheus needs credentials",
                       [status_line], raw=raw)
    if code != 200:
        return outcome(Status.FAIL, f"metrics endpoint answered {code}", [status_line], raw=raw)
    refuse_truncated(response)
    try:
        families = parse_exposition(response.text, content_type(response))
    except NotPrometheusText as exc:
        return outcome(Status.FAIL, f"metrics endpoint answered {exc}",
                       [status_line, Evidence("format", "Prometheus text", snippet(response.text) or "(empty)", False)],
                       raw=raw)
    samples = sum(len(f.samples) for f in families)
    evidence = [
        status_line,
        Evidence("format", "Prometheus text", content_type(response) or "(no content type)", True),
        Evidence("metric families", "> 0", str(len(families)), True),
        Evidence("samples", "", str(samples), None),
    ]
    return outcome(Status.PASS, f"{len(families)} metric families in Prometheus text format", evidence, raw=raw,
                   values={"metric_families": float(len(families)), "samples": float(samples)})


def judge_key_metric(metric: KeyMetric, exposed: Scrape) -> tuple[Evidence, bool, bool]:
    """(evidence line, present, never updated)."""
    found: list[Family] = []
    missing: list[str] = []
    for alternatives in metric.needs:
        family = next((f for f in map(exposed.find, alternatives) if f is not None), None)
        if family is None:
            missing.append(" or ".join(alternatives))
        else:
            found.append(family)
    expected = " and ".join(" or ".join(alternatives) for alternatives in metric.needs)
    if missing:
        return Evidence(metric.title, expected, "missing: " + "; ".join(missing), False), False, False
    if metric.needs_status_label and not any(f.has_status_label or f.never_updated for f in found):
        return Evidence(metric.title, expected + " with a status label", f"{found[0].exposed_name} has no status label",
                        False), False, False
    notes = []
    for family in found:
        if family.never_updated:
            notes.append(f"{family.exposed_name} (registered, no samples: never updated)")
        elif family.all_zero:
            notes.append(f"{family.exposed_name} (all samples 0: idle or never updated)")
        else:
            notes.append(family.exposed_name)
    stale = any(f.never_updated for f in found)
    return Evidence(metric.title, expected, ", ".join(notes), not stale), True, stale


@probe("http.key-metrics")
async def key_metrics(ctx: ProbeContext) -> Outcome:
    response = await scrape(ctx)
    limited = rate_limited(response)
    if limited:
        return limited
    if response.status_code != 200:
        raise ProbeError(f"metrics endpoint answered {response.status_code}; could not read the metrics")
    refuse_truncated(response)
    try:
        exposed = Scrape(parse_exposition(response.text, content_type(response)))
    except NotPrometheusText as exc:
        raise ProbeError(f"metrics endpoint answered {exc}; could not read the metrics") from None
    judged = [(metric, *judge_key_metric(metric, exposed)) for metric in KEY_METRICS]
    evidence = [line for _, line, _, _ in judged]
    missing = [metric.title for metric, _, present, _ in judged if not present]
    stale = [metric.title for metric, _, present, never in judged if present and never]
    present_count = len(judged) - len(missing)
    values = {"key_metrics_present": float(present_count), "key_metrics_never_updated": float(len(stale))}
    raw = response_raw(response) | {"families": " ".join(sorted(f.exposed_name for f in exposed.families))[:2000]}
    if not present_count:
        return outcome(Status.FAIL, "none of the key metrics is exported", evidence, raw=raw, values=values)
    if missing or stale:
        parts = ([f"missing: {', '.join(missing)}"] if missing else []) + (
            [f"registered but never updated: {', '.join(stale)}"] if stale else [])
        return outcome(Status.WARN, "; ".join(parts), evidence, raw=raw, values=values)
    return outcome(Status.PASS, f"all {len(judged)} key metrics exported", evidence, raw=raw, values=values)
