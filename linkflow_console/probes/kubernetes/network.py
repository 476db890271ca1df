"""Manifest probes on traffic: a load balancer or ingress in front of the api, WebSocket session
affinity for /ws, and PostgreSQL/Redis Services kept private behind a NetworkPolicy."""

from __future__ import annotations

import re
from typing import Any

from linkflow_console.probes.base import Evidence, Outcome, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.kubernetes.loader import K8sObject, Manifests, manifests
from linkflow_console.probes.kubernetes.objects import evidence, raw, require_workload, same_namespace, selector_matches, services_for

WS_PATH = "/ws"
DATA_PORTS = {5432, 6379, 26379, 6432}
DATA_NAMES = re.compile(r"postgres|pgbouncer|redis", re.IGNORECASE)
# Ingress-controller annotations that pin a client to one pod, with a test of the value.
AFFINITY_ANNOTATIONS: dict[str, Any] = {
    "nginx.ingress.kubernetes.io/affinity": lambda v: v.lower() == "cookie",
    "nginx.ingress.kubernetes.io/upstream-hash-by": bool,
    "traefik.ingress.kubernetes.io/affinity": lambda v: v.lower() == "true",
    "traefik.ingress.kubernetes.io/service.sticky.cookie": lambda v: v.lower() == "true",
    "haproxy.org/cookie-persistence": bool,
    "haproxy-ingress.github.io/affinity": lambda v: v.lower() == "cookie",
    "ingress.kubernetes.io/affinity": lambda v: v.lower() == "cookie",
    "haproxy.router.openshift.io/balance": lambda v: v.lower() == "source",
    "alb.ingress.kubernetes.io/target-group-attributes": lambda v: "stickiness.enabled=true" in v.replace(" ", ""),
}


def _affinity(obj: K8sObject) -> list[str]:
    return [f"{key}: {value}" for key, value in obj.annotations.items()
            if key in AFFINITY_ANNOTATIONS and AFFINITY_ANNOTATIONS[key](value)]


def _covers_ws(path: str) -> bool:
    path = path or "/"
    if any(c in path for c in "*(["):
        return True  # a regex path (nginx use-regex): assume it reaches /ws
    return path == "/" or WS_PATH == path.rstrip("/") or WS_PATH.startswith(path.rstrip("/") + "/")


def _ingress_routes(ingress: K8sObject) -> list[tuple[str, str]]:
    """(service name, path) pairs an Ingress sends traffic to (networking.k8s.io v1 and v1beta1)."""
    routes = []
    default = ingress.spec.get("defaultBackend") or ingress.spec.get("backend") or {}
    if default:
        routes.append(((default.get("service") or {}).get("name") or default.get("serviceName"), "/"))
    for rule in ingress.spec.get("rules") or []:
        for path in ((rule or {}).get("http") or {}).get("paths") or []:
            backend = (path or {}).get("backend") or {}
            routes.append(((backend.get("service") or {}).get("name") or backend.get("serviceName"), str(path.get("path") or "/")))
    return [(str(name), path) for name, path in routes if name]


def _other_routes(found: Manifests) -> list[tuple[K8sObject, str, str]]:
    """Gateway API HTTPRoutes, OpenShift Routes and Contour HTTPProxies as (object, service, path)."""
    routes = []
    for route in found.of_kind("HTTPRoute"):
        for rule in route.spec.get("rules") or []:
            paths = [str(((m or {}).get("path") or {}).get("value") or "/") for m in (rule or {}).get("matches") or []] or ["/"]
            for ref in (rule or {}).get("backendRefs") or []:
                routes += [(route, str((ref or {}).get("name")), p) for p in paths]
    for route in found.of_kind("Route"):
        routes.append((route, str((route.spec.get("to") or {}).get("name")), str(route.spec.get("path") or "/")))
    for proxy in found.of_kind("HTTPProxy"):
        for rule in proxy.spec.get("routes") or []:
            prefix = next((str(c.get("prefix")) for c in (rule or {}).get("conditions") or [] if "prefix" in (c or {})), "/")
            routes += [(proxy, str((s or {}).get("name")), prefix) for s in (rule or {}).get("services") or []]
    return routes


def _api_services(ctx: ProbeContext, found: Manifests) -> tuple[K8sObject, list[K8sObject]]:
    api = require_workload(ctx, found, "api")
    services = services_for(found, api) or found.named(api.name, "Service")
    return api, services


def _fronts(found: Manifests, names: set[str]) -> list[tuple[K8sObject, str, str]]:
    fronts = [(i, s, p) for i in found.of_kind("Ingress") for s, p in _ingress_routes(i) if s in names]
    return fronts + [(o, s, p) for o, s, p in _other_routes(found) if s in names]


@probe("k8s.load-balancer")
async def load_balancer(ctx: ProbeContext) -> Outcome:
    found = await manifests(ctx)
    api, services = _api_services(ctx, found)
    names = {s.name for s in services}
    lines = [evidence(api, "Services selecting its pods", "at least one", ", ".join(sorted(names)) or "none", bool(names))]
    fronts = _fronts(found, names)
    balancers = [s for s in services if s.spec.get("type") == "LoadBalancer"]
    for obj, service, path in fronts:
        tls = " with TLS" if obj.kind == "Ingress" and obj.spec.get("tls") else ""
        lines.append(evidence(obj, "backend", "routes to the api Service", f"{path} -> {service}{tls}", True))
    for service in balancers:
        lines.append(evidence(service, ".spec.type", "LoadBalancer or behind an ingress", "LoadBalancer", True))
    if not fronts and not balancers:
        lines.append(Evidence("Ingress / HTTPRoute / LoadBalancer", "one in front of the api", "none", False))
        return outcome(Status.FAIL, f"nothing balances traffic to {api.ref} (no Ingress, route or LoadBalancer Service)", lines, raw(found, api))
    first = (fronts[0][0] if fronts else balancers[0])
    return outcome(Status.PASS, f"{first.ref} balances traffic across {api.ref}'s pods", lines, raw(found, api, first))


def _destination_rule_affinity(found: Manifests, names: set[str]) -> list[K8sObject]:
    return [
        rule for rule in found.of_kind("DestinationRule")
        if str(rule.spec.get("host", "")).split(".")[0] in names
        and (((rule.spec.get("trafficPolicy") or {}).get("loadBalancer") or {}).get("consistentHash"))
    ]


def _proxy_affinity(proxy: K8sObject) -> bool:
    return any(str(((r or {}).get("loadBalancerPolicy") or {}).get("strategy")) in ("Cookie", "RequestHash")
               for r in proxy.spec.get("routes") or [])


@probe("k8s.websocket-affinity")
async def websocket_affinity(ctx: ProbeContext) -> Outcome:
    found = await manifests(ctx)
    api, services = _api_services(ctx, found)
    names = {s.name for s in services}
    mesh = _destination_rule_affinity(found, names)  # the sidecars hash every route to the Service
    sticky_backends = {s.name for s in services if _affinity(s)}  # Traefik/ALB stickiness is set on the Service
    direct = [s for s in services if s.spec.get("sessionAffinity") == "ClientIP" and s.spec.get("type") in ("LoadBalancer", "NodePort")]
    lines: list[Evidence] = []
    for service in services:
        value = "; ".join(_affinity(service)) or f"sessionAffinity {service.spec.get('sessionAffinity', 'None')}"
        lines.append(evidence(service, "session affinity", "a sticky annotation, or ClientIP when clients reach it directly", value))
    ws_fronts = [(o, s, p) for o, s, p in _fronts(found, names) if _covers_ws(p)]
    unpinned = []
    for obj, service, path in ws_fronts:
        sticky = _affinity(obj) or (["loadBalancerPolicy Cookie"] if obj.kind == "HTTPProxy" and _proxy_affinity(obj) else [])
        ok = bool(sticky) or service in sticky_backends or bool(mesh)
        actual = "; ".join(sticky) or ("sticky Service annotation" if service in sticky_backends else "no affinity annotation")
        if not ok and any(s.name == service and s.spec.get("sessionAffinity") == "ClientIP" for s in services):
            actual += " (the Service's ClientIP affinity is ignored: the controller sends traffic to pod endpoints)"
        if not ok:
            unpinned.append(obj.ref)
        lines.append(evidence(obj, f"route {path} -> {service}", "sticky for /ws", actual, ok))
    lines += [evidence(rule, ".spec.trafficPolicy.loadBalancer", "consistentHash", "consistentHash", True) for rule in mesh]
    lines += [evidence(s, ".spec.sessionAffinity", "ClientIP on a directly exposed Service", f"ClientIP ({s.spec.get('type')})", True) for s in direct]
    if ws_fronts and not unpinned:
        return outcome(Status.PASS, f"every route to {WS_PATH} is sticky ({ws_fronts[0][0].ref})", lines, raw(found, api))
    if not ws_fronts and (direct or mesh):
        return outcome(Status.PASS, f"{WS_PATH} sessions stay on one {api.ref} pod ({(direct or mesh)[0].ref})", lines, raw(found, api))
    if not ws_fronts:
        lines.append(Evidence(f"route for {WS_PATH}", "a sticky Ingress/route, or a ClientIP LoadBalancer Service", "none found", False))
    where = ", ".join(unpinned) or ", ".join(sorted(names)) or api.ref
    return outcome(Status.FAIL, f"no session affinity for {WS_PATH} on {where}", lines, raw(found, api))


def _data_services(ctx: ProbeContext, found: Manifests) -> list[K8sObject]:
    named = set(ctx.setting("kubernetes.data_services") or [])
    if named:
        return [s for s in found.of_kind("Service") if s.name in named]
    picked = []
    for service in found.of_kind("Service"):
        ports = {p.get("port") for p in service.spec.get("ports") or [] if isinstance(p, dict)}
        if ports & DATA_PORTS or DATA_NAMES.search(service.name):
            picked.append(service)
    return picked


def _policy_covers(policy: K8sObject, service: K8sObject) -> bool:
    selector = service.spec.get("selector") or {}
    pod_selector = policy.spec.get("podSelector")
    if not same_namespace(policy, service) or not isinstance(pod_selector, dict):
        return False
    types = policy.spec.get("policyTypes") or ["Ingress"]
    return "Ingress" in types and (not pod_selector or selector_matches(pod_selector, {str(k): str(v) for k, v in selector.items()}))


def _allows_everyone(policy: K8sObject) -> bool:
    return any(isinstance(rule, dict) and not rule.get("from") for rule in policy.spec.get("ingress") or [])


@probe("k8s.data-services-private")
async def data_services_private(ctx: ProbeContext) -> Outcome:
    found = await manifests(ctx)
    services = _data_services(ctx, found)
    if not services:
        return outcome(Status.SKIPPED, "no PostgreSQL or Redis Service in the manifests (managed outside the cluster?); "
                       "set kubernetes.data_services to name them", [], raw(found))
    policies = found.of_kind("NetworkPolicy")
    lines: list[Evidence] = []
    for service in services:
        kind = str(service.spec.get("type") or "ClusterIP")
        if kind == "ExternalName":
            lines.append(evidence(service, ".spec.type", "ClusterIP", f"ExternalName {service.spec.get('externalName')} (outside the cluster)"))
            continue
        exposed = kind in ("LoadBalancer", "NodePort") or bool(service.spec.get("externalIPs"))
        lines.append(evidence(service, ".spec.type", "ClusterIP (not LoadBalancer/NodePort)",
                              kind + (" with externalIPs" if service.spec.get("externalIPs") else ""), not exposed))
        covering = [p for p in policies if _policy_covers(p, service)]
        open_to_all = [p for p in covering if _allows_everyone(p)]
        actual = ", ".join(p.ref for p in covering) or "none"
        if open_to_all:
            actual += f" ({', '.join(p.ref for p in open_to_all)} allows every source)"
        lines.append(evidence(service, "NetworkPolicy", "an ingress policy selecting its pods", actual,
                              bool(covering) and len(open_to_all) < len(covering)))
    bad = sorted({line.label.split(" ")[0] for line in lines if line.ok is False})
    if bad:
        return outcome(Status.FAIL, f"data services exposed or not isolated: {', '.join(bad)}", lines, raw(found, *services))
    return outcome(Status.PASS, f"{len(services)} data Service(s) internal and covered by a NetworkPolicy", lines, raw(found, *services))
