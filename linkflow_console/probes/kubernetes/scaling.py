"""Manifest probes for horizontal scaling: the api's CPU HPA, the worker's queue-depth scaling and
the scheduler's replicas for leader election."""

from __future__ import annotations

import re
from typing import Any

from linkflow_console.probes.base import Evidence, Outcome, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.kubernetes.loader import K8sObject, manifests
from linkflow_console.probes.kubernetes.objects import containers, evidence, raw, replicas, require_workload, targets

CPU_TARGET = 70
CPU_TOLERATED = range(50, 81)  # near the checklist's 70 %: warn, not fail
MIN_REPLICAS = 2
QUEUE_WORDS = re.compile(r"queue|pending|asynq|backlog|lag|llen", re.IGNORECASE)
SINGLE_REPLICA_ANNOTATIONS = ("single-replica", "single-replica-reason")
FALSY = {"false", "0", "off", "no", "disabled"}


def _cpu_target(hpa: K8sObject) -> int | None:
    spec = hpa.spec
    if isinstance(spec.get("targetCPUUtilizationPercentage"), int):  # autoscaling/v1
        return spec["targetCPUUtilizationPercentage"]
    for metric in spec.get("metrics") or []:
        body = (metric or {}).get("resource") or (metric or {}).get("containerResource") or {}
        if body.get("name") != "cpu":
            continue
        target = body.get("target") or {}
        value = target.get("averageUtilization", body.get("targetAverageUtilization"))
        if isinstance(value, int):
            return value
    return None


def _metric_names(hpa: K8sObject) -> list[str]:
    names = []
    for metric in hpa.spec.get("metrics") or []:
        kind = str((metric or {}).get("type", "?"))
        body = (metric or {}).get(kind[:1].lower() + kind[1:]) or {}
        name = body.get("name") or (body.get("metric") or {}).get("name") or "?"
        names.append(f"{kind} {name}")
    if "targetCPUUtilizationPercentage" in hpa.spec:
        names.append("Resource cpu")
    return names


def _cpu_requested(obj: K8sObject) -> bool:
    return all(((c.get("resources") or {}).get("requests") or {}).get("cpu") for c in containers(obj)) and bool(containers(obj))


@probe("k8s.api-hpa")
async def api_hpa(ctx: ProbeContext) -> Outcome:
    found = await manifests(ctx)
    api = require_workload(ctx, found, "api")
    hpas = [h for h in found.of_kind("HorizontalPodAutoscaler") if targets(h, api)]
    if not hpas:
        lines = [evidence(api, "HorizontalPodAutoscaler", "an HPA targeting it", "none", False),
                 evidence(api, ".spec.replicas", "", str(replicas(api)))]
        return outcome(Status.FAIL, f"no HorizontalPodAutoscaler scales {api.ref}", lines, raw(found, api))
    hpa = hpas[0]
    cpu = _cpu_target(hpa)
    minimum = hpa.spec.get("minReplicas", 1)
    lines = [
        evidence(hpa, "CPU utilization target", f"{CPU_TARGET} %", f"{cpu} %" if cpu is not None else "no CPU metric",
                 cpu == CPU_TARGET),
        evidence(hpa, ".spec.minReplicas", f">= {MIN_REPLICAS}", str(minimum), isinstance(minimum, int) and minimum >= MIN_REPLICAS),
        evidence(hpa, ".spec.maxReplicas", "> minReplicas", str(hpa.spec.get("maxReplicas")),
                 isinstance(hpa.spec.get("maxReplicas"), int) and hpa.spec["maxReplicas"] > (minimum if isinstance(minimum, int) else 1)),
        evidence(api, "containers' resources.requests.cpu", "set (utilization is a share of it)",
                 "set" if _cpu_requested(api) else "missing", _cpu_requested(api)),
        evidence(hpa, ".spec.metrics", "", ", ".join(_metric_names(hpa)) or "(none)"),
    ]
    checked = [line for line in lines if line.ok is not None]
    if cpu is None or any(line.ok is False for line in checked[1:]):
        failed = ", ".join(line.label.split(" ", 1)[1] for line in checked if line.ok is False)
        return outcome(Status.FAIL, f"{hpa.ref} does not scale {api.ref} as the checklist asks: {failed}", lines, raw(found, api, hpa))
    if cpu != CPU_TARGET:
        status = Status.WARN if cpu in CPU_TOLERATED else Status.FAIL
        return outcome(status, f"{hpa.ref} targets {cpu} % CPU, the checklist says {CPU_TARGET} %", lines, raw(found, api, hpa))
    others = [m for m in _metric_names(hpa) if m != "Resource cpu"]
    if others:
        # The HPA follows its highest metric: a Go heap that does not shrink keeps the api scaled up.
        return outcome(Status.WARN, f"{hpa.ref} scales on CPU {CPU_TARGET} % but also on {', '.join(others)}", lines, raw(found, api, hpa))
    return outcome(Status.PASS, f"{hpa.ref} scales {api.ref} on CPU {CPU_TARGET} % from {minimum} replicas", lines, raw(found, api, hpa))


def _queue_trigger(trigger: dict[str, Any]) -> str | None:
    """What a KEDA trigger scales on, when it is a queue depth."""
    kind = str(trigger.get("type", ""))
    metadata = trigger.get("metadata") or {}
    if kind.startswith("redis"):
        return f"{kind} {metadata.get('listName') or metadata.get('stream') or ''}".strip()
    # Only what names the metric: trigger metadata can carry addresses and credentials.
    text = " ".join(str(v) for k, v in metadata.items() if re.search(r"query|metric|list|stream|queue", str(k), re.IGNORECASE)
                    and not re.search(r"password|token|secret|key|auth", str(k), re.IGNORECASE))
    if kind in ("prometheus", "metrics-api", "external", "datadog") and QUEUE_WORDS.search(text):
        return f"{kind} {text[:80]}"
    return None


@probe("k8s.worker-autoscaling")
async def worker_autoscaling(ctx: ProbeContext) -> Outcome:
    found = await manifests(ctx)
    worker = require_workload(ctx, found, "worker")
    scaled = [s for s in found.of_kind("ScaledObject") if targets(s, worker)]
    hpas = [h for h in found.of_kind("HorizontalPodAutoscaler") if targets(h, worker)]
    lines: list[Evidence] = []
    queue: list[str] = []
    for obj in scaled:
        triggers = [t for t in obj.spec.get("triggers") or [] if isinstance(t, dict)]
        on_queue = [q for q in (_queue_trigger(t) for t in triggers) if q]
        queue += on_queue
        kinds = ", ".join(str(t.get("type")) for t in triggers) or "(none)"
        lines.append(evidence(obj, ".spec.triggers", "a queue-depth trigger (redis list, queue metric)",
                              "; ".join(on_queue) or kinds, bool(on_queue)))
    for hpa in hpas:
        metrics = _metric_names(hpa)
        external = [m for m in metrics if not m.startswith(("Resource", "ContainerResource"))]
        queue += external
        lines.append(evidence(hpa, ".spec.metrics", "an External/Object metric on queue depth", ", ".join(metrics) or "(none)", bool(external)))
    objects = raw(found, worker, *scaled, *hpas)
    if not lines:
        lines.append(evidence(worker, "autoscaler", "a KEDA ScaledObject or HPA on queue depth", "none", False))
        return outcome(Status.FAIL, f"nothing scales {worker.ref}", lines, objects)
    if not queue:
        return outcome(Status.FAIL, f"{worker.ref} scales on CPU/memory only, not on queue depth", lines, objects)
    if scaled and any(not any(m for m in _metric_names(h) if not m.startswith("Resource")) for h in hpas):
        lines.append(Evidence("CPU HPA beside KEDA", "none (KEDA makes its own HPA)", ", ".join(h.ref for h in hpas), False))
        return outcome(Status.WARN, f"{worker.ref} scales on queue depth but a CPU HPA also targets it (they fight)", lines, objects)
    return outcome(Status.PASS, f"{worker.ref} scales on queue depth ({queue[0]})", lines, objects)


def _single_replica_reason(obj: K8sObject) -> str | None:
    for key, value in obj.annotations.items():
        if key.rsplit("/", 1)[-1] in SINGLE_REPLICA_ANNOTATIONS and value.strip():
            return f"{key}: {value.strip()}"
    return None


@probe("k8s.scheduler-replicas")
async def scheduler_replicas(ctx: ProbeContext) -> Outcome:
    found = await manifests(ctx)
    scheduler = require_workload(ctx, found, "scheduler")
    count = replicas(scheduler)
    lines = [evidence(scheduler, ".spec.replicas", "> 1 (leader election), or a documented single replica", str(count), count > 1)]
    disabled = [
        f"{c.get('name')}: {e.get('name')}={e.get('value')}"
        for c in containers(scheduler) for e in c.get("env") or []
        if isinstance(e, dict) and "LEADER" in str(e.get("name", "")).upper() and str(e.get("value", "")).lower() in FALSY
    ]
    if disabled:
        lines.append(evidence(scheduler, "env", "leader election on", "; ".join(disabled), False))
        return outcome(Status.FAIL, f"{scheduler.ref} turns leader election off", lines, raw(found, scheduler))
    if count > 1:
        lines.append(Evidence("leader key", "scheduler:leader held by one replica", "checked live by redis.scheduler-leader"))
        return outcome(Status.PASS, f"{scheduler.ref} runs {count} replicas that elect a leader", lines, raw(found, scheduler))
    reason = _single_replica_reason(scheduler)
    if count == 1 and reason:
        lines[0] = evidence(scheduler, ".spec.replicas", "> 1, or a documented single replica", f"1, documented ({reason})", True)
        return outcome(Status.PASS, f"{scheduler.ref} runs one documented replica", lines, raw(found, scheduler))
    lines.append(evidence(scheduler, "annotation", "linkflow-console/single-replica: <reason>", "absent", False))
    return outcome(Status.FAIL, f"{scheduler.ref} runs {count} replica(s) with no failover and no documented reason", lines, raw(found, scheduler))
