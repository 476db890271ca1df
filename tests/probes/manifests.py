"""Kubernetes manifests for the manifest-probe tests: LinkFlow as shipped (the reference's findings)
and LinkFlow fixed, as lists of objects a test edits and writes to a temporary directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from linkflow_console.probes.base import ProbeResult
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.engine import run_probe
from linkflow_console.probes.profile import parse_profile

NS = {"namespace": "linkflow"}


def deployment(name: str, container: dict[str, Any], replicas: int = 2, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, **NS, **({"annotations": annotations} if annotations else {})},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}}},
    }


def container(name: str, image: str, live: dict | None = None, ready: dict | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name, "image": image,
        "envFrom": [{"configMapRef": {"name": "linkflow-config"}}, {"secretRef": {"name": "linkflow-secrets"}}],
        "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
    }
    if live:
        body["livenessProbe"] = live
    if ready:
        body["readinessProbe"] = ready
    body.update(extra)
    return body


def http_probe(path: str) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": 8090}, "periodSeconds": 10}


def service(name: str, port: int, selector: str, kind: str = "ClusterIP", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, **NS},
            "spec": {"type": kind, "selector": {"app": selector}, "ports": [{"port": port}], **spec}}


def hpa(name: str, target: str, metrics: list[dict[str, Any]], minimum: int = 2) -> dict[str, Any]:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": name, **NS},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
                     "minReplicas": minimum, "maxReplicas": 20, "metrics": metrics}}


def cpu(percent: int) -> dict[str, Any]:
    return {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": percent}}}


def ingress(annotations: dict[str, str] | None = None, path: str = "/", backend: str = "linkflow-api") -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "linkflow-ingress", **NS, "annotations": {"kubernetes.io/ingress.class": "nginx", **(annotations or {})}},
            "spec": {"tls": [{"hosts": ["api.linkflow.io"], "secretName": "linkflow-tls"}],
                     "rules": [{"host": "api.linkflow.io", "http": {"paths": [
                         {"path": path, "pathType": "Prefix", "backend": {"service": {"name": backend, "port": {"number": 80}}}}]}}]}}


def network_policy(app: str) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": f"{app}-ingress", **NS},
            "spec": {"podSelector": {"matchLabels": {"app": app}}, "policyTypes": ["Ingress"],
                     "ingress": [{"from": [{"podSelector": {"matchLabels": {"tier": "linkflow"}}}]}]}}


DASHBOARD = {"title": "LinkFlow", "panels": [{"targets": [{"expr": e}]} for e in (
    "histogram_quantile(0.95, sum(rate(linkflow_http_request_duration_seconds_bucket[5m])) by (le))",
    'sum(rate(linkflow_http_requests_total{status=~"5.."}[5m]))', "sum(linkflow_queue_depth) by (queue_name)",
    "linkflow_workflow_executions_in_progress", "linkflow_db_connections_open",
    "process_resident_memory_bytes", "rate(process_cpu_seconds_total[5m])")]}


def shipped() -> list[dict[str, Any]]:
    """LinkFlow's manifests as the reference describes them."""
    health = http_probe("/api/v1/health")
    return [
        deployment("linkflow-api", container("api", "linkflow/api:latest", health, health)),
        hpa("linkflow-api-hpa", "linkflow-api", [cpu(70), {"type": "Resource", "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 80}}}]),
        deployment("linkflow-worker", container("worker", "linkflow/worker:latest")),
        hpa("linkflow-worker-hpa", "linkflow-worker", [cpu(70)]),
        deployment("linkflow-scheduler", container("scheduler", "linkflow/scheduler:latest"), replicas=1),
        service("linkflow-api", 80, "linkflow-api"),
        service("redis", 6379, "redis", kind="NodePort"),
        ingress(),
    ]


def fixed() -> list[dict[str, Any]]:
    """LinkFlow's manifests with every finding fixed."""
    worker_probe = {"exec": {"command": ["/worker", "healthcheck"]}}
    worker_ready = {"exec": {"command": ["/worker", "healthcheck", "--ready"]}}
    return [
        deployment("linkflow-api", container("api", "ghcr.io/linkflow/api:v1.4.2", http_probe("/api/v1/health/live"), http_probe("/api/v1/health/ready"))),
        hpa("linkflow-api-hpa", "linkflow-api", [cpu(70)]),
        deployment("linkflow-worker", container("worker", "ghcr.io/linkflow/worker@sha256:" + "a" * 64, worker_probe, worker_ready)),
        {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "linkflow-worker", **NS},
         "spec": {"scaleTargetRef": {"name": "linkflow-worker"}, "minReplicaCount": 2, "maxReplicaCount": 30,
                  "triggers": [{"type": "redis", "metadata": {"address": "redis:6379", "listName": "asynq:{default}:pending", "listLength": "100"}}]}},
        deployment("linkflow-scheduler", container("scheduler", "ghcr.io/linkflow/scheduler:v1.4.2"), replicas=2),
        service("linkflow-api", 80, "linkflow-api"),
        service("postgres", 5432, "postgres"),
        service("redis", 6379, "redis"),
        network_policy("postgres"),
        network_policy("redis"),
        ingress({"nginx.ingress.kubernetes.io/affinity": "cookie", "nginx.ingress.kubernetes.io/session-cookie-name": "lf-ws"}),
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "linkflow-dashboard", **NS, "labels": {"grafana_dashboard": "1"}},
         "data": {"linkflow.json": json.dumps(DASHBOARD, indent=1)}},
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "fluent-bit", "namespace": "logging"},
         "spec": {"selector": {"matchLabels": {"app": "fluent-bit"}}, "template": {"metadata": {"labels": {"app": "fluent-bit"}},
                  "spec": {"containers": [{"name": "fluent-bit", "image": "fluent/fluent-bit:3.0.7",
                                           "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}}}]}}}},
    ]


def write(directory: Path, objects: list[dict[str, Any]], name: str = "linkflow.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(yaml.safe_dump_all(objects, sort_keys=False))
    return path


def profile_context(tmp_path: Path, body: str, timeout: float = 5.0) -> ProbeContext:
    return ProbeContext(parse_profile(f"timeout = {timeout}\n{body}\n", tmp_path / "profile.toml"))


async def run_on(probe_id: str, tmp_path: Path, objects: list[dict[str, Any]], extra: str = "") -> ProbeResult:
    write(tmp_path / "deploy", objects)
    return await run_probe(probe_id, profile_context(tmp_path, f'[kubernetes]\nmanifests = ["deploy"]\n{extra}'))


def find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)
