"""Liveness, readiness and health endpoints of the API."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from linkflow_console.probes.base import Evidence, Outcome, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.http import api_url, fetch, rate_limited, response_raw, snippet

if TYPE_CHECKING:
    import httpx

# Values a dependency check reports when it is fine; LinkFlow says "ok", other stacks "up"/"healthy".
HEALTHY_CHECK_VALUES = frozenset({"ok", "up", "healthy", "pass", "passed"})
REQUIRED_DEPENDENCIES = ("database", "redis")


# --- health JSON ----------------------------------------------------------------------------------

@dataclass
class HealthReply:
    """An endpoint's answer: `data` is the JSON object (unwrapped from LinkFlow's envelope), or
    `verdict` already decides the probe (rate limited, not JSON)."""

    response: httpx.Response
    data: dict[str, Any] = field(default_factory=dict)
    verdict: Outcome | None = None

    @property
    def raw(self) -> dict[str, str]:
        return response_raw(self.response)

    @property
    def status_field(self) -> str | None:
        value = self.data.get("status")
        return str(value) if value is not None else None

    def status_evidence(self, expected: int = 200) -> Evidence:
        code = self.response.status_code
        return Evidence("HTTP status", str(expected), str(code), code == expected)


def unwrap_envelope(body: Any) -> dict[str, Any]:
    """LinkFlow answers {"success", "data": {...}, "error": {...}}; other stacks answer the object."""
    if isinstance(body, dict) and "success" in body and isinstance(body.get("data"), dict):
        merged = dict(body["data"])
        if isinstance(body.get("error"), dict):
            merged.setdefault("error", body["error"])
        return merged
    return body if isinstance(body, dict) else {}


async def get_health_json(ctx: ProbeContext, path_key: str) -> HealthReply:
    """One request per endpoint per sweep: health and health-dependencies read the same answer."""
    return await ctx.shared(("health", path_key), lambda: _read_health(ctx, path_key))


async def _read_health(ctx: ProbeContext, path_key: str) -> HealthReply:
    response = await fetch(ctx, api_url(ctx, path_key), headers={"Accept": "application/json"})
    reply = HealthReply(response)
    reply.verdict = rate_limited(response)
    if reply.verdict is not None:
        return reply
    try:
        body = json.loads(response.text)
    except (ValueError, RecursionError):  # RecursionError: hostile nesting ([[[[...)
        body = None
    if not isinstance(body, dict):
        reply.verdict = outcome(
            Status.FAIL,
            f"{response.request.url.path} answered {response.status_code} without a JSON object",
            [reply.status_evidence(), Evidence("body", "a JSON object", snippet(response.text) or "(empty)", False)],
            raw=reply.raw,
        )
        return reply
    reply.data = unwrap_envelope(body)
    return reply


def failure_reason(data: dict[str, Any]) -> str:
    """Why an endpoint says it is not fine: the failing checks by name (LinkFlow's envelope adds a
    generic error message beside them, which names no dependency), else a reason/message field."""
    failing = failing_checks(data)
    if failing:
        return "; ".join(f"{name}: {value}" for name, value in failing.items())
    for key in ("reason", "message", "error", "details"):
        value = data.get(key)
        if isinstance(value, dict):
            value = value.get("message") or value.get("code")
        if value:
            return str(value)
    return "no reason given"


def check_value(value: Any) -> str:
    """A check is "ok" / "error: ..." in LinkFlow, {"status": "up", ...} elsewhere."""
    if isinstance(value, dict):
        detail = value.get("error") or value.get("message")
        state = str(value.get("status", ""))
        return f"{state}: {detail}" if detail else state
    return str(value)


def check_ok(value: Any) -> bool:
    return check_value(value).strip().lower() in HEALTHY_CHECK_VALUES


def failing_checks(data: dict[str, Any]) -> dict[str, str]:
    checks = data.get("checks")
    if not isinstance(checks, dict):
        return {}
    return {str(name): check_value(value) for name, value in checks.items() if not check_ok(value)}


async def judge_status_endpoint(ctx: ProbeContext, path_key: str, good: str, what: str) -> Outcome:
    """200 with status `good` = pass; 200 with another status = warn; anything else = fail."""
    reply = await get_health_json(ctx, path_key)
    if reply.verdict is not None:
        return reply.verdict
    code, status = reply.response.status_code, reply.status_field
    evidence = [reply.status_evidence(), Evidence("status field", good, status or "(missing)", status == good)]
    path = reply.response.request.url.path
    if code != 200:
        return outcome(
            Status.FAIL, f"{what} {path} answered {code}: {failure_reason(reply.data)}", evidence, raw=reply.raw
        )
    if status != good:
        return outcome(
            Status.WARN, f"{what} {path} answers 200 but status is {status or 'missing'}, not {good!r}",
            evidence, raw=reply.raw,
        )
    return outcome(Status.PASS, f"{what} {path} answers 200 {good!r}", evidence, raw=reply.raw)


@probe("http.liveness")
async def liveness(ctx: ProbeContext) -> Outcome:
    return await judge_status_endpoint(ctx, "api.live_path", "alive", "liveness")


@probe("http.readiness")
async def readiness(ctx: ProbeContext) -> Outcome:
    return await judge_status_endpoint(ctx, "api.ready_path", "ready", "readiness")


@probe("http.health")
async def health(ctx: ProbeContext) -> Outcome:
    reply = await get_health_json(ctx, "api.health_path")
    if reply.verdict is not None:
        return reply.verdict
    code, status = reply.response.status_code, reply.status_field
    failing = failing_checks(reply.data)
    evidence = [
        reply.status_evidence(),
        Evidence("status field", "healthy", status or "(missing)", status == "healthy"),
        Evidence("failing checks", "none", "; ".join(f"{k}: {v}" for k, v in failing.items()) or "none", not failing),
    ]
    path = reply.response.request.url.path
    if code != 200 or status == "unhealthy":
        return outcome(Status.FAIL, f"{path} answered {code} {status or ''}: {failure_reason(reply.data)}",
                       evidence, raw=reply.raw)
    if status != "healthy" or failing:
        return outcome(Status.WARN, f"{path} answers 200 but status is {status or 'missing'}"
                       + (f", failing: {', '.join(failing)}" if failing else ""), evidence, raw=reply.raw)
    return outcome(Status.PASS, f"{path} answers 200 healthy", evidence, raw=reply.raw)


@probe("http.health-dependencies")
async def health_dependencies(ctx: ProbeContext) -> Outcome:
    reply = await get_health_json(ctx, "api.health_path")
    if reply.verdict is not None:
        return reply.verdict
    checks = reply.data.get("checks")
    path = reply.response.request.url.path
    if not isinstance(checks, dict):
        return outcome(
            Status.FAIL, f"{path} reports no dependency checks",
            [reply.status_evidence(), Evidence("checks", "database and redis", "(no checks object)", False)],
            raw=reply.raw,
        )
    evidence: list[Evidence] = []
    problems: list[str] = []
    for name in REQUIRED_DEPENDENCIES:
        if name not in checks:
            evidence.append(Evidence(f"check {name}", "ok", "(not reported)", False))
            problems.append(f"{name} not checked")
            continue
        value = check_value(checks[name])
        evidence.append(Evidence(f"check {name}", "ok", value, check_ok(checks[name])))
        if not check_ok(checks[name]):
            problems.append(f"{name} {value!r}")
    others = [f"{k}={check_value(v)}" for k, v in checks.items() if k not in REQUIRED_DEPENDENCIES]
    if others:
        evidence.append(Evidence("other checks", "", ", ".join(others), None))
    raw = reply.raw | {"checks": json.dumps(checks, sort_keys=True)}
    if problems:
        return outcome(Status.FAIL, "dependency checks: " + "; ".join(problems), evidence, raw=raw)
    return outcome(Status.PASS, "health reports database and redis ok", evidence, raw=raw)
