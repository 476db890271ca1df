"""HTTP helpers the public-surface probes share: URLs from the profile, requests whose transport
failures become ProbeError (`error`: could not tell, never a verdict), and raw evidence."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome
from linkflow_console.probes.context import ProbeContext

if TYPE_CHECKING:
    import httpx

SNIPPET_CHARS = 160
Headers = dict[str, str] | None


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
        seconds = client.timeout.read or client.timeout.connect or 0
        raise ProbeError(f"{method} {url}: no answer within {seconds:.1f} s") from None
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


async def fetch_all(ctx: ProbeContext, requests: Sequence[tuple[str, str, Headers]]) -> list[httpx.Response]:
    """Send (method, url, headers) requests concurrently on one client; could-not-ask is ProbeError."""
    for url in dict.fromkeys(url for _, url, _ in requests):
        await ctx.ensure_reachable(url)

    async with ctx.http_client() as client:
        return list(
            await asyncio.gather(*(send(client, method, url, headers=headers) for method, url, headers in requests))
        )


def raw_headers(response: httpx.Response) -> str:
    return "\n".join(f"{name}: {value}" for name, value in response.headers.multi_items())
