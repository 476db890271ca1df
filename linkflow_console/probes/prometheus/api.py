"""Prometheus's HTTP API (also used by the Alertmanager probes): one request per sweep for the
same question, every failure to ask turned into "could not tell"."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from linkflow_console.probes.base import ProbeError
from linkflow_console.probes.context import ProbeContext


async def request_json(
    ctx: ProbeContext, base_url: str, path: str, params: dict[str, str] | None = None, token_key: str | None = None
) -> Any:
    """GET base_url + path (bearer token from the profile key `token_key` if set) and parse JSON;
    ProbeError for anything that keeps us from telling. One request per sweep for the same query."""
    key = ("json", base_url, path, tuple(sorted((params or {}).items())), token_key)
    return await ctx.shared(key, lambda: _get_json(ctx, base_url, path, params, token_key))


async def _get_json(ctx: ProbeContext, base_url: str, path: str, params: dict[str, str] | None, token_key: str | None) -> Any:
    import httpx

    await ctx.ensure_reachable(base_url)
    token = await ctx.secret(token_key) if token_key else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = base_url + path
    try:
        async with ctx.http_client() as client:
            response = await client.get(url, params=params, headers=headers)
    except httpx.TimeoutException:
        raise ProbeError(f"{url} did not answer within {ctx.timeout * 0.8:.1f} s") from None
    except httpx.HTTPError as exc:
        raise ProbeError(f"{url}: {type(exc).__name__}: {exc}") from None
    if response.status_code in (401, 403):
        if token:
            hint = f"check {token_key}"
        elif token_key:
            hint = f"the server wants credentials: set {token_key}"
        else:
            hint = "the server wants credentials the profile cannot give it"
        raise ProbeError(f"{url} refused the probe (HTTP {response.status_code}); {hint}")
    try:
        body = response.json()
    except ValueError:
        raise ProbeError(f"{url} answered HTTP {response.status_code} with something that is not JSON") from None
    if response.status_code != 200:
        detail = body.get("error", "") if isinstance(body, dict) else ""
        raise ProbeError(f"{url} answered HTTP {response.status_code} {detail}".rstrip())
    return body


async def prometheus_data(ctx: ProbeContext, path: str, params: dict[str, str] | None = None) -> Any:
    """The `data` of a Prometheus API answer (`{"status": "success", "data": ...}`)."""
    base_url = str(ctx.setting("prometheus.url"))
    body = await request_json(ctx, base_url, path, params, "prometheus.token")
    if not isinstance(body, dict) or body.get("status") != "success" or "data" not in body:
        raise ProbeError(f"{base_url}{path} did not answer like the Prometheus API: {str(body)[:200]}")
    return body["data"]


async def label_values(ctx: ProbeContext, label: str) -> set[str]:
    """Values of `label` on the series Prometheus has stored in the last hour (older ones no longer count)."""
    start = int(time.time()) // 60 * 60 - 3600  # whole minutes: the probes of one sweep share the query
    return set(await prometheus_data(ctx, f"/api/v1/label/{label}/values", {"start": str(start)}))


async def metric_names(ctx: ProbeContext) -> set[str]:
    return await label_values(ctx, "__name__")


def label_text(labels: dict[str, str], skip: Iterable[str] = ("alertname",)) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k not in skip)


def alert_title(labels: dict[str, str]) -> str:
    rest = label_text(labels)
    return f"{labels.get('alertname', '?')}{{{rest}}}" if rest else labels.get("alertname", "?")


async def prometheus_alerts(ctx: ProbeContext) -> list[dict[str, Any]]:
    data = await prometheus_data(ctx, "/api/v1/alerts")
    return list(data.get("alerts", []))
