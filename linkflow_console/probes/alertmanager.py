"""Probes that ask Alertmanager (API v2): a paging receiver that a route reaches, and an alert
followed from Prometheus into Alertmanager. Read-only: nothing is ever posted to Alertmanager."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.prometheus.api import (
    alert_title,
    prometheus_alerts,
    prometheus_data,
    request_json,
)

PAGING_INTEGRATIONS = ("pagerduty_configs", "opsgenie_configs")


async def alertmanager_json(ctx: ProbeContext, path: str, params: dict[str, str] | None = None) -> Any:
    return await request_json(ctx, str(ctx.setting("alertmanager.url")), path, params)


def _catches_everything(route: dict[str, Any]) -> bool:
    """A route without matchers (or only `=~".*"` ones) matches every alert that reaches it."""
    matchers = [str(m).replace(" ", "") for m in route.get("matchers") or []]
    match_re = {str(v) for v in (route.get("match_re") or {}).values()}
    return (
        not route.get("match")
        and all(m.endswith(('=~".*"', "=~'.*'", "=~.*")) for m in matchers)
        and match_re <= {".*"}
    )


def _route_tree(
    route: dict[str, Any], inherited: str | None = None, *, root: bool = True
) -> tuple[set[str], dict[str, str]]:
    """(receivers an alert can reach, named-but-unreachable receivers -> why), as Alertmanager
    routes: children are tried in order, the first match wins unless it has `continue: true`,
    and a node's own receiver only gets alerts that no child matched."""
    receiver = route.get("receiver") or inherited
    reached: set[str] = set()
    shadowed: dict[str, str] = {}
    catch_all: str | None = None  # receiver of the first child that takes every alert
    for child in route.get("routes") or []:
        child_reached, child_shadowed = _route_tree(child, receiver, root=False)
        if catch_all is not None:  # an earlier sibling took everything and did not continue
            for name in child_reached | set(child_shadowed):
                shadowed.setdefault(name, f"an earlier catch-all route (to {catch_all}, no continue) takes every alert")
            continue
        reached |= child_reached
        for name, why in child_shadowed.items():
            shadowed.setdefault(name, why)
        if _catches_everything(child) and not child.get("continue"):
            catch_all = child.get("receiver") or receiver or "?"
    first_catch_all = next((c for c in route.get("routes") or [] if _catches_everything(c)), None)
    if receiver:
        if first_catch_all is None:
            reached.add(receiver)
        else:
            where = "the root route" if root else "its route"
            target = first_catch_all.get("receiver") or receiver
            shadowed.setdefault(receiver, f"{where}'s child route without matchers (to {target}) takes every alert first")
    for name in reached:
        shadowed.pop(name, None)
    return reached, shadowed


def _integrations(receiver: dict[str, Any]) -> list[str]:
    return sorted(key.removesuffix("_configs") for key, value in receiver.items() if key.endswith("_configs") and value)


@probe("alertmanager.paging-receiver")
async def paging_receiver(ctx: ProbeContext) -> Outcome:
    import yaml

    status = await alertmanager_json(ctx, "/api/v2/status")
    original = (status.get("config") or {}).get("original") if isinstance(status, dict) else None
    if not original:
        raise ProbeError("/api/v2/status carries no config.original (is this Alertmanager?)")
    try:
        config = yaml.safe_load(original) or {}
    except yaml.YAMLError as exc:
        raise ProbeError(f"Alertmanager's configuration does not parse as YAML: {exc}") from None
    receivers = {r.get("name", "?"): r for r in config.get("receivers") or []}
    routed, shadowed = _route_tree(config.get("route") or {})
    evidence = []
    paging_routed: list[str] = []
    paging_unrouted: list[str] = []
    for name, receiver in receivers.items():
        kinds = _integrations(receiver)
        pages = any(receiver.get(key) for key in PAGING_INTEGRATIONS)
        reached = name in routed
        if pages:
            (paging_routed if reached else paging_unrouted).append(name)
        where = "reached by a route" if reached else (
            f"never reached: {shadowed[name]}" if name in shadowed else "no route sends to it")
        evidence.append(Evidence(
            f"receiver {name}", "pagerduty or opsgenie, routed",
            f"{', '.join(kinds) or 'no integrations'}; {where}", pages and reached,
        ))
    raw = {"receivers": ", ".join(receivers) or "none", "routed receivers": ", ".join(sorted(routed)) or "none"}
    if paging_routed:
        return outcome(Status.PASS, f"paging receiver {', '.join(paging_routed)} is routed", evidence, raw)
    if paging_unrouted:
        blocked = [f"{name} ({shadowed[name]})" for name in paging_unrouted if name in shadowed]
        if blocked:
            summary = f"paging receiver {', '.join(paging_unrouted)} is never reached: {'; '.join(blocked)}"
        else:
            summary = f"paging receiver {', '.join(paging_unrouted)} exists but no route sends to it"
        return outcome(Status.FAIL, summary, evidence, raw)
    existing = "; ".join(f"{n}: {', '.join(_integrations(r)) or 'nothing'}" for n, r in receivers.items())
    return outcome(Status.FAIL, f"no PagerDuty or Opsgenie receiver (have {existing or 'no receivers'})", evidence, raw)


async def _external_labels(ctx: ProbeContext) -> dict[str, str]:
    """Prometheus adds its external labels to every alert it sends to Alertmanager."""
    import yaml

    data = await prometheus_data(ctx, "/api/v1/status/config")
    config = yaml.safe_load(data.get("yaml", "")) or {}
    return {str(k): str(v) for k, v in ((config.get("global") or {}).get("external_labels") or {}).items()}


def _visible(labels: dict[str, str], shown: list[dict[str, str]]) -> bool:
    return any(all(other.get(k) == v for k, v in labels.items()) for other in shown)


@probe("alertmanager.alert-end-to-end")
async def alert_end_to_end(ctx: ProbeContext) -> Outcome:
    external = await _external_labels(ctx)
    firing = [
        {**external, **alert.get("labels", {})}
        for alert in await prometheus_alerts(ctx)
        if alert.get("state") == "firing"
    ]
    shown = [alert.get("labels", {}) for alert in await alertmanager_json(ctx, "/api/v2/alerts")]
    raw: dict[str, Any] = {"firing in Prometheus": len(firing), "alerts in Alertmanager": len(shown)}
    if not firing:
        return outcome(
            Status.WARN, "no test alert to follow; add a Watchdog rule (vector(1))",
            [Evidence("firing alerts in Prometheus", ">= 1 (e.g. Watchdog)", "0", False)], raw,
        )
    evidence = []
    for labels in firing:
        seen = _visible(labels, shown)
        actual = "visible" if seen else "missing"
        evidence.append(Evidence(alert_title(labels), "visible in Alertmanager", actual, seen))
    missing = [e.label for e in evidence if not e.ok]
    if not missing:
        return outcome(Status.PASS, f"{len(firing)} firing alert(s) reach Alertmanager", evidence, raw)
    if len(missing) < len(firing):
        summary = f"some firing alerts missing from Alertmanager: {', '.join(missing)}"
        return outcome(Status.WARN, summary, evidence, raw)
    senders = await prometheus_data(ctx, "/api/v1/alertmanagers")
    active = [a.get("url", "?") for a in senders.get("activeAlertmanagers", [])]
    raw["Prometheus sends to"] = ", ".join(active) or "nothing"
    ours = urlsplit(str(ctx.setting("alertmanager.url"))).netloc
    sends_here = any(urlsplit(url).netloc == ours for url in active)
    evidence.append(Evidence("Prometheus's Alertmanagers", f"includes {ours}", ", ".join(active) or "none", sends_here))
    why = "Prometheus has no Alertmanager configured" if not active else f"Prometheus sends to {', '.join(active)}"
    summary = f"{len(missing)} firing alert(s) never reached this Alertmanager ({why})"
    return outcome(Status.FAIL, summary, evidence, raw)

