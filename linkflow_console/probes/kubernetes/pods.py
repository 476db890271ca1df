"""Manifest probes on pod templates: liveness/readiness probes, secrets through Secret references,
resource requests and limits, pinned images."""

from __future__ import annotations

import re
from typing import Any

from linkflow_console.probes.base import Evidence, Outcome, Status, all_ok, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.kubernetes.loader import K8sObject, Manifests, manifests
from linkflow_console.probes.kubernetes.objects import (
    WORKLOAD_KINDS,
    containers,
    evidence,
    pod_spec,
    raw,
    require_workload,
    role_name,
    workload,
)

SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE|API_?KEY|ACCESS_KEY|ENCRYPTION_KEY|CREDENTIAL|(^|_)DSN$|(^|_)KEY$", re.IGNORECASE)
# Names that mention a secret but hold a setting about it (JWT_ACCESS_TOKEN_EXPIRY, JWT_SECRET_FILE).
NOT_SECRET_NAME = re.compile(r"_(EXPIRY|TTL|TIMEOUT|DAYS|HOURS|SECONDS|PATH|FILE|DIR|NAME|ENABLED|LENGTH|HEADER|PREFIX|ID|"
                             r"REGION|ALGORITHM|ROTATION\w*|REF|SOURCE)$", re.IGNORECASE)
NOT_SECRET_VALUE = re.compile(r"^(true|false|yes|no|on|off|\d{1,6}[smhd]?)$", re.IGNORECASE)
URL_WITH_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@\s:]*:[^/@\s]+@", re.IGNORECASE)
ONLY_REFERENCES = re.compile(r"^(\$\([A-Za-z0-9_]+\)\s*)+$")  # $(OTHER_VAR) expansion: no literal


def looks_secret(name: str, value: str) -> bool:
    """A literal that is a secret: a URL with a password, or a secret-named variable holding more than a flag."""
    if URL_WITH_PASSWORD.match(value):
        return True
    return bool(SECRET_NAME.search(name)) and not NOT_SECRET_NAME.search(name) and not NOT_SECRET_VALUE.match(value.strip())


def _main_container(obj: K8sObject, role: str) -> dict[str, Any] | None:
    found = containers(obj)
    named = [c for c in found if role in str(c.get("name", ""))]
    return (named or found or [None])[0]


def _handler(probe_spec: Any) -> str | None:
    """A probe's check in one line: what makes two probes identical."""
    if not isinstance(probe_spec, dict):
        return None
    if isinstance(probe_spec.get("httpGet"), dict):
        get = probe_spec["httpGet"]
        return f"httpGet {get.get('path', '/')} port {get.get('port')}"
    if isinstance(probe_spec.get("exec"), dict):
        return "exec " + " ".join(str(p) for p in probe_spec["exec"].get("command") or [])
    if isinstance(probe_spec.get("tcpSocket"), dict):
        return f"tcpSocket port {probe_spec['tcpSocket'].get('port')}"
    if isinstance(probe_spec.get("grpc"), dict):
        return f"grpc port {probe_spec['grpc'].get('port')} {probe_spec['grpc'].get('service', '')}".rstrip()
    return "(no handler)"


async def _probe_lines(ctx: ProbeContext, field: str) -> tuple[Manifests, list[Evidence], list[K8sObject]]:
    found = await manifests(ctx)
    lines: list[Evidence] = []
    objects = []
    for role in ("api", "worker"):
        obj = require_workload(ctx, found, role)
        objects.append(obj)
        container = _main_container(obj, role) or {}
        name = container.get("name", "?")
        live, ready = _handler(container.get("livenessProbe")), _handler(container.get("readinessProbe"))
        if field == "livenessProbe":
            lines.append(evidence(obj, f"container {name} livenessProbe", "configured", live or "missing", live is not None))
        else:
            lines.append(evidence(obj, f"container {name} readinessProbe", "configured", ready or "missing", ready is not None))
            if ready is not None and live is not None:
                lines.append(evidence(obj, f"container {name} readiness vs liveness", "different checks",
                                      "identical: " + ready if ready == live else f"liveness {live}", ready != live))
    return found, lines, objects


@probe("k8s.liveness")
async def liveness(ctx: ProbeContext) -> Outcome:
    found, lines, objects = await _probe_lines(ctx, "livenessProbe")
    status = all_ok(lines)
    missing = [line.label.split(" ")[0] for line in lines if line.ok is False]
    summary = f"livenessProbe missing on {', '.join(missing)}" if missing else "api and worker have liveness probes"
    return outcome(status, summary, lines, raw(found, *objects))


@probe("k8s.readiness")
async def readiness(ctx: ProbeContext) -> Outcome:
    found, lines, objects = await _probe_lines(ctx, "readinessProbe")
    status = all_ok(lines)
    if status is Status.PASS:
        return outcome(status, "api and worker have readiness probes distinct from liveness", lines, raw(found, *objects))
    bad = "; ".join(f"{line.label}: {line.actual}" for line in lines if line.ok is False)
    return outcome(status, bad, lines, raw(found, *objects))


def _workloads(found: Manifests) -> list[K8sObject]:
    return found.of_kind(*WORKLOAD_KINDS)


def _literal_secrets(obj: K8sObject) -> list[str]:
    leaks = []
    for container in containers(obj, init=True):
        for env in container.get("env") or []:
            if not isinstance(env, dict) or "value" not in env:
                continue
            name, value = str(env.get("name", "")), str(env.get("value") or "")
            if not value.strip() or ONLY_REFERENCES.match(value):
                continue
            if looks_secret(name, value):
                leaks.append(f"{container.get('name')}: {name} (literal, {len(value)} characters)")
    return leaks


def _secret_refs(obj: K8sObject) -> list[str]:
    refs = []
    for container in containers(obj, init=True):
        for source in container.get("envFrom") or []:
            if isinstance(source, dict) and isinstance(source.get("secretRef"), dict):
                refs.append(f"envFrom secret {source['secretRef'].get('name')}")
        for env in container.get("env") or []:
            ref = ((env or {}).get("valueFrom") or {}).get("secretKeyRef") if isinstance(env, dict) else None
            if isinstance(ref, dict):
                refs.append(f"{env.get('name')} from secret {ref.get('name')}")
    for volume in pod_spec(obj).get("volumes") or []:
        if isinstance(volume, dict) and ("secret" in volume or "csi" in volume or "projected" in volume):
            refs.append(f"volume {volume.get('name')}")
    return refs


def _configmap_secrets(found: Manifests) -> list[tuple[K8sObject, str]]:
    leaks = []
    for config in found.of_kind("ConfigMap"):
        data = config.data.get("data") or {}
        for key, value in data.items() if isinstance(data, dict) else ():
            text = str(value or "")
            if "\n" in text.strip():
                continue  # a file (dashboard JSON, nginx.conf), not a variable
            if text.strip() and looks_secret(str(key), text):
                leaks.append((config, f"{key} (literal, {len(text)} characters)"))
    return leaks


@probe("k8s.secret-refs")
async def secret_refs(ctx: ProbeContext) -> Outcome:
    found = await manifests(ctx)
    lines: list[Evidence] = []
    for obj in _workloads(found):
        leaks, refs = _literal_secrets(obj), _secret_refs(obj)
        if leaks:
            lines.append(evidence(obj, "env", "secrets from Secret references", "; ".join(leaks), False))
        elif refs:
            lines.append(evidence(obj, "secret references", "Secret references", "; ".join(refs[:4]) + (" …" if len(refs) > 4 else ""), True))
    for config, leak in _configmap_secrets(found):
        lines.append(evidence(config, ".data", "no secret values in a ConfigMap", leak, False))
    if any(line.ok is False for line in lines):
        bad = sorted({line.label.split(" ")[0] for line in lines if line.ok is False})
        return outcome(Status.FAIL, f"literal secret values in {', '.join(bad)} (values never shown)", lines, raw(found))
    api = workload(found, role_name(ctx, "api"))
    if api is not None and not _secret_refs(api):
        lines.append(evidence(api, "secret references", "JWT_SECRET, DATABASE_PASSWORD... from a Secret", "none", False))
        return outcome(Status.WARN, f"{api.ref} takes no Secret reference: where do its secrets come from?", lines, raw(found, api))
    return outcome(Status.PASS, "secrets reach pods through Secret references only", lines, raw(found))


@probe("k8s.resources")
async def resources(ctx: ProbeContext) -> Outcome:
    found = await manifests(ctx)
    lines: list[Evidence] = []
    for role in ("api", "worker", "scheduler"):
        obj = workload(found, role_name(ctx, role))
        if obj is None:
            lines.append(Evidence(f"{role} workload {role_name(ctx, role)}", "in the manifests", "not found", None))
            continue
        for container in containers(obj, init=True):
            res = container.get("resources") or {}
            requests, limits = res.get("requests") or {}, res.get("limits") or {}
            missing = [f"requests.{k}" for k in ("cpu", "memory") if not requests.get(k)]
            missing += ["limits.memory"] if not limits.get("memory") else []
            actual = (f"requests {requests.get('cpu', '-')}/{requests.get('memory', '-')}, "
                      f"limits {limits.get('cpu', '-')}/{limits.get('memory', '-')}")
            if missing:
                actual += f" (missing {', '.join(missing)})"
            lines.append(evidence(obj, f"container {container.get('name')} resources", "requests cpu+memory, memory limit", actual, not missing))
    if not any(line.ok is not None for line in lines):
        return outcome(Status.ERROR, "none of the api, worker or scheduler workloads is in the manifests", lines, raw(found))
    status = all_ok(lines)
    bad = [line.label for line in lines if line.ok is False]
    summary = f"resources missing on {', '.join(bad)}" if bad else "api, worker and scheduler set requests and memory limits"
    return outcome(status, summary, lines, raw(found))


def _image_problem(image: str) -> str | None:
    if "@sha256:" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "no tag (means latest)"
    if last.rsplit(":", 1)[1] == "latest":
        return "tag latest"
    return None


@probe("k8s.image-pinning")
async def image_pinning(ctx: ProbeContext) -> Outcome:
    found = await manifests(ctx)
    lines: list[Evidence] = []
    for obj in _workloads(found):
        for container in containers(obj, init=True):
            image = str(container.get("image", ""))
            problem = _image_problem(image) if image else "no image"
            lines.append(evidence(obj, f"container {container.get('name')} image", "a version tag or @sha256 digest",
                                  f"{image} ({problem})" if problem else image, problem is None))
    if not lines:
        return outcome(Status.ERROR, "no workload with containers in the manifests", lines, raw(found))
    bad = [line.actual for line in lines if line.ok is False]
    if bad:
        return outcome(Status.FAIL, f"{len(bad)} image(s) not pinned: {', '.join(bad[:3])}", lines, raw(found))
    return outcome(Status.PASS, f"all {len(lines)} images pinned to a tag or digest", lines, raw(found))
