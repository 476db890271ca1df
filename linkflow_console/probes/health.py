"""Liveness, readiness and health endpoints of the API, and the HTTP helpers the other
public-surface probes (metrics, openapi, latency, auth, config) share."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext

if TYPE_CHECKING:
    import httpx

SNIPPET_CHARS = 160
# Values a dependency check reports when it is fine; LinkFlow says "ok", other stacks "up"/"healthy".
HEALTHY_CHECK_VALUES = frozenset({"ok", "up", "healthy", "pass", "passed"})
REQUIRED_DEPENDENCIES = ("database", "redis")


# --- HTTP helpers shared by the public-surface probes -------------------------------------------

def origin_url(ctx: ProbeContext, path: str) -> str:
    """The API origin joined with a path (a path that is already a URL is kept)."""
    if path.startswith(("http://", "https://")):
        return path
    return str(ctx.setting("api.base_url")).rstrip("/") + "/" + path.lstrip("/")


def api_url(ctx: ProbeContext, path_key: str) -> str:
    """The API origin joined with the path a profile key names (api.health_path...)."""
    return origin_url(ctx, str(ctx.setting(path_key)))


async def send(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request; a transport failure is `error` (could not tell), never `fail`."""
    import httpx

    try:
        return await client.request(method, url, **kwargs)
    except httpx.TimeoutException:
        raise ProbeError(f"{method} {url} got no answer in time") from None
    except httpx.HTTPError as exc:
        raise ProbeError(f"{method} {url} failed: {type(exc).__name__}: {exc or 'no detail'}") from None


async def fetch(ctx: ProbeContext, url: str, method: str = "GET", **kwargs: Any) -> httpx.Response:
    """Reachability check (shared per sweep), then one request with the profile's client."""
    await ctx.ensure_reachable(url)
    async with ctx.http_client() as client:
        return await send(client, method, url, **kwargs)


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def rate_limit_headers(response: httpx.Response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name.lower().startswith("x-ratelimit-")}


def response_raw(response: httpx.Response) -> dict[str, str]:
    """What an operator wants to see of an answer: request, status, protocol, type, body start."""
    raw = {
        "request": f"{response.request.method} {response.request.url}",
        "status_code": str(response.status_code),
        "http_version": response.http_version,
        "content_type": response.headers.get("content-type", ""),
        "body": snippet(response.text),
    }
    raw.update(rate_limit_headers(response))
    return raw


def rate_limited(response: httpx.Response) -> Outcome | None:
    """A 429 says nothing about the endpoint's health: `error`, with the limit headers as evidence."""
    if response.status_code != 429:
        return None
    return outcome(
        Status.ERROR,
        f"rate limited (429) by {response.request.url.path}, could not tell",
        [Evidence("HTTP status", "not 429", "429 Too Many Requests", None)],
        raw=response_raw(response),
    )


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
    response = await fetch(ctx, api_url(ctx, path_key), headers={"Accept": "application/json"})
    reply = HealthReply(response)
    reply.verdict = rate_limited(response)
    if reply.verdict is not None:
        return reply
    try:
        body = json.loads(response.text)
    except ValueError:
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
    """Why an endpoint says it is not fine: a reason/message field, else the failing checks."""
    for key in ("reason", "message", "error", "details"):
        value = data.get(key)
        if isinstance(value, dict):
            value = value.get("message") or value.get("code")
        if value:
            return str(value)
    failing = failing_checks(data)
    if failing:
        return "; ".join(f"{name}: {value}" for name, value in failing.items())
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
