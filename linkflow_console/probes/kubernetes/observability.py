"""Manifest probes for observability as code: Grafana dashboards covering the key metrics, and a log
shipper feeding log aggregation."""

from __future__ import annotations

import json
import re
from typing import Any

from linkflow_console.probes.base import Evidence, Outcome, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.kubernetes.loader import Manifests, manifests
from linkflow_console.probes.kubernetes.objects import (
    EITHER_SOURCE,
    WORKLOAD_KINDS,
    containers,
    either_source,
    evidence,
    raw,
    repository_texts,
)

# The checklist's key metrics, as series a dashboard query names (LinkFlow's, the shipped rules',
# exporters' and cAdvisor's names).
DASHBOARD_METRICS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((title, re.compile(pattern)) for title, pattern in (
    ("request latency", r"http_request_duration_seconds"),
    ("error rate", r"http_requests_total"),
    ("queue depth", r"queue_depth|asynq_queue_size|asynq_tasks|webhook_queue_depth"),
    ("active workers", r"executions_in_progress|asynq_\w*worker|worker\w*_active|active_workers"),
    ("database connections", r"db_connections|pg_stat_activity|numbackends|go_sql_\w*open|pgbouncer_pools"),
    ("memory/CPU", r"(process_resident_memory_bytes|container_memory|go_memstats)[\s\S]*(process_cpu_seconds|container_cpu)|"
                   r"(process_cpu_seconds|container_cpu)[\s\S]*(process_resident_memory_bytes|container_memory|go_memstats)"),
))
SHIPPERS = re.compile(r"fluent-?bit|fluentd|vector|promtail|filebeat|grafana/agent|alloy|opentelemetry-collector|otel-?collector|"
                      r"datadog/agent|cloudwatch-agent|splunk|elastic-agent|logstash", re.IGNORECASE)


def _is_dashboard(value: Any) -> bool:
    if isinstance(value, dict) and isinstance(value.get("dashboard"), dict):
        value = value["dashboard"]
    return isinstance(value, dict) and isinstance(value.get("panels"), list)


def _title(value: dict[str, Any]) -> str:
    return str((value.get("dashboard") or value).get("title") or "(untitled)")


def _manifest_dashboards(found: Manifests) -> list[tuple[str, str]]:
    """(where, text) per dashboard shipped in the manifests."""
    dashboards = []
    for config in found.of_kind("ConfigMap"):
        if any("grafana_dashboard" in key for key in config.labels):
            data = config.data.get("data") or {}
            dashboards.append((f"{config.ref} ({config.source})", "\n".join(str(v) for v in data.values()) if isinstance(data, dict) else ""))
    for crd in found.of_kind("GrafanaDashboard"):
        dashboards.append((f"{crd.ref} ({crd.source})", json.dumps(crd.spec)))
    for where, value in found.documents:
        if _is_dashboard(value):
            dashboards.append((f"{_title(value)} ({where})", json.dumps(value)))
    return dashboards


def _dashboard_text(where: str, text: str) -> tuple[str, str] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None  # not a dashboard we can read; other files are not our business
    return (f"{_title(value)} ({where})", json.dumps(value)) if _is_dashboard(value) else None


@probe("k8s.grafana-dashboards")
async def grafana_dashboards(ctx: ProbeContext) -> Outcome:
    sources = await either_source(ctx)
    if sources is None:
        return outcome(Status.SKIPPED, EITHER_SOURCE)
    found, repo = sources
    dashboards = _manifest_dashboards(found) if found else []
    raw_data = raw(found) if found else {}
    if repo is not None:
        texts = await repository_texts(ctx, (".json",), lambda p: re.search(r"grafana|dashboard", p, re.IGNORECASE) is not None)
        dashboards += [d for where, text in texts if (d := _dashboard_text(where, text))]
        raw_data["repository"] = str(repo)
    lines = [Evidence("dashboards as code", ">= 1 (grafana_dashboard ConfigMap, GrafanaDashboard, provisioning JSON)",
                      "; ".join(w for w, _ in dashboards[:5]) or "none", bool(dashboards))]
    if not dashboards:
        return outcome(Status.FAIL, "no Grafana dashboard shipped as code", lines, raw_data)
    text = "\n".join(t for _, t in dashboards)
    missing = []
    for title, pattern in DASHBOARD_METRICS:
        match = pattern.search(text)
        lines.append(Evidence(f"key metric: {title}", "on a dashboard", match.group(0)[:60] if match else "not queried", bool(match)))
        if not match:
            missing.append(title)
    if len(missing) == len(DASHBOARD_METRICS):
        return outcome(Status.FAIL, f"{len(dashboards)} dashboard(s) but none shows a key metric", lines, raw_data)
    if missing:
        return outcome(Status.WARN, f"dashboards miss {', '.join(missing)}", lines, raw_data)
    return outcome(Status.PASS, f"{len(dashboards)} dashboard(s) cover all {len(DASHBOARD_METRICS)} key metrics", lines, raw_data)


@probe("k8s.log-shipper")
async def log_shipper(ctx: ProbeContext) -> Outcome:
    found = await manifests(ctx)
    agents, aggregators = [], []
    for obj in found.of_kind(*WORKLOAD_KINDS):
        images = [str(c.get("image", "")) for c in containers(obj)]
        match = SHIPPERS.search(obj.name) or next((m for m in (SHIPPERS.search(i) for i in images) if m), None)
        if match:
            (agents if obj.kind == "DaemonSet" else aggregators).append((obj, ", ".join(images) or match.group(0)))
    lines = [evidence(obj, "images", "a log shipper on every node", images, True) for obj, images in agents]
    lines += [evidence(obj, "images", "a node agent (DaemonSet)", f"{images} ({obj.kind})", None) for obj, images in aggregators]
    if agents:
        return outcome(Status.PASS, f"{agents[0][0].ref} ships logs from every node", lines, raw(found))
    if aggregators:
        return outcome(Status.WARN, f"{aggregators[0][0].ref} aggregates logs but no DaemonSet collects them from the nodes", lines, raw(found))
    lines.append(Evidence("log shipper", "fluent-bit, fluentd, vector, promtail, filebeat... DaemonSet", "none", False))
    return outcome(Status.FAIL, "no log shipper in the manifests: logs stay on the nodes and rotate away", lines, raw(found))
