"""What the manifest probes share: workloads by name, pod specs, label selectors, evidence lines."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from linkflow_console.probes.base import Evidence, ProbeError
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.kubernetes.loader import K8sObject, Manifests, manifests

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod", "Rollout", "DeploymentConfig")
ROLES = ("api", "worker", "scheduler")
EITHER_SOURCE = "not configured: set kubernetes.manifests or repository.path in the profile"


def evidence(obj: K8sObject, field: str, expected: str, actual: str, ok: bool | None = None) -> Evidence:
    """One line naming the object, the field, what the checklist expects and what the manifest says."""
    return Evidence(f"{obj.ref} {field}".strip(), expected, actual, ok)


def raw(found: Manifests, *objects: K8sObject) -> dict[str, str]:
    data = {"manifests": ", ".join(found.sources), "objects": str(len(found.objects))}
    for obj in objects:
        data[obj.ref] = obj.source
    return data


def role_name(ctx: ProbeContext, role: str) -> str:
    return str(ctx.setting(f"kubernetes.{role}"))


def workload(found: Manifests, name: str) -> K8sObject | None:
    """The workload called `name`, else one whose name ends in `-name` (Helm release prefixes)."""
    workloads = found.of_kind(*WORKLOAD_KINDS)
    exact = [o for o in workloads if o.name == name]
    if exact:
        return exact[0]
    suffixed = [o for o in workloads if o.name.endswith(f"-{name}")]
    return suffixed[0] if suffixed else None


def require_workload(ctx: ProbeContext, found: Manifests, role: str) -> K8sObject:
    """The role's workload; absent, the manifests do not describe this deployment: could not tell."""
    name = role_name(ctx, role)
    obj = workload(found, name)
    if obj is None:
        raise ProbeError(
            f"no workload named {name!r} in the manifests ({len(found.objects)} objects read); "
            f"set kubernetes.{role} to the {role}'s Deployment name"
        )
    return obj


def pod_spec(obj: K8sObject) -> dict[str, Any]:
    spec = obj.spec
    if obj.kind == "Pod":
        return spec
    if obj.kind == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    template = spec.get("template") or {}
    pod = template.get("spec") if isinstance(template, dict) else None
    return pod if isinstance(pod, dict) else {}


def pod_labels(obj: K8sObject) -> dict[str, str]:
    if obj.kind == "Pod":
        return obj.labels
    spec = obj.spec if obj.kind != "CronJob" else ((obj.spec.get("jobTemplate") or {}).get("spec") or {})
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def containers(obj: K8sObject, *, init: bool = False) -> list[dict[str, Any]]:
    spec = pod_spec(obj)
    found = [c for c in spec.get("containers") or [] if isinstance(c, dict)]
    if init:
        found += [c for c in spec.get("initContainers") or [] if isinstance(c, dict)]
    return found


def replicas(obj: K8sObject) -> int:
    value = obj.spec.get("replicas", 1)
    return value if isinstance(value, int) else 1


def same_namespace(a: K8sObject, b: K8sObject) -> bool:
    return not a.namespace or not b.namespace or a.namespace == b.namespace


def selector_matches(selector: Any, labels: dict[str, str]) -> bool:
    """A LabelSelector (matchLabels / matchExpressions) or a plain map (Service) against labels."""
    if not isinstance(selector, dict):
        return False
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        return all(labels.get(str(k)) == str(v) for k, v in selector.items())
    match = selector.get("matchLabels") or {}
    if not all(labels.get(str(k)) == str(v) for k, v in match.items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = str(expression.get("key")), expression.get("operator")
        values = [str(v) for v in expression.get("values") or []]
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def services_for(found: Manifests, obj: K8sObject) -> list[K8sObject]:
    """Services whose selector picks the workload's pods."""
    labels = pod_labels(obj)
    return [
        s for s in found.of_kind("Service")
        if same_namespace(s, obj) and s.spec.get("selector") and selector_matches(s.spec.get("selector"), labels)
    ]


def targets(obj: K8sObject, workload_obj: K8sObject) -> bool:
    """An HPA / ScaledObject's scaleTargetRef names the workload."""
    ref = obj.spec.get("scaleTargetRef") or {}
    return isinstance(ref, dict) and ref.get("name") == workload_obj.name and same_namespace(obj, workload_obj)


async def either_source(ctx: ProbeContext) -> tuple[Manifests | None, Path | None] | None:
    """For probes that read the manifests, the repository or both: what the profile names (None: neither)."""
    use_manifests, repo = bool(ctx.setting("kubernetes.manifests")), ctx.setting("repository.path")
    if not use_manifests and not repo:
        return None
    found = await manifests(ctx) if use_manifests else None
    return found, Path(repo) if repo and Path(repo).is_dir() else None


async def repository_texts(ctx: ProbeContext, suffixes: tuple[str, ...], wanted: Callable[[str], bool]) -> list[tuple[str, str]]:
    """(path, text) of the repository's committed files with these suffixes that `wanted` accepts
    (git's list, so build output and ignored directories never count; read in a thread)."""
    from linkflow_console.probes.repository.git import read_text, tracked_files

    paths = [p for p in await tracked_files(ctx) if p.endswith(suffixes) and wanted(p)]

    def read() -> list[tuple[str, str]]:
        return [(p, text) for p in paths if (text := read_text(ctx, p)) is not None]

    return await asyncio.to_thread(read)
