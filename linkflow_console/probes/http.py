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
MAX_BODY_BYTES = 16 * 1024 * 1024  # more than any health, metrics or OpenAPI answer needs
TRUNCATED = "linkflow_console.truncated"
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
    """One request; a transport failure is `error` (could not tell), never `fail`.

    A hostile target cannot hang or exhaust us: the whole answer (headers and body) must arrive
    within the client's read timeout (a slow drip is cut), and at most MAX_BODY_BYTES of the body
    are kept (an endless body is cut; `truncated()` tells)."""
    import httpx

    limit = client.timeout.read or client.timeout.connect or 0
    answered = False
    try:
        async with asyncio.timeout(limit or None):
            async with client.stream(method, url, **kwargs) as response:
                answered = True
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_BODY_BYTES:
                        response.extensions = {**response.extensions, TRUNCATED: True}
                        del body[MAX_BODY_BYTES:]
                        break
            response._content = bytes(body)  # what .content/.text read; the stream is closed
            return response
    except (httpx.TimeoutException, TimeoutError):
        if answered:
            raise ProbeError(f"{method} {url}: body not complete within {limit:.1f} s (a slow drip)") from None
        raise ProbeError(f"{method} {url}: no answer within {limit:.1f} s") from None
    except httpx.HTTPError as exc:
        raise ProbeError(f"{method} {url} failed: {type(exc).__name__}: {exc or 'no detail'}") from None
    except httpx.InvalidURL as exc:
        raise ProbeError(f"{method} {url}: invalid URL: {exc}") from None


def truncated(response: httpx.Response) -> bool:
    """True when the body was longer than MAX_BODY_BYTES and only its start was kept."""
    return bool(response.extensions.get(TRUNCATED))


async def fetch(ctx: ProbeContext, url: str, method: str = "GET", **kwargs: Any) -> httpx.Response:
    """Reachability check (shared per sweep), then one request with the profile's client."""
    await ctx.ensure_reachable(url)
    async with ctx.http_client() as client:
        return await send(client, method, url, **kwargs)


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


RATE_LIMIT_HEADER_PREFIXES = ("x-ratelimit-", "ratelimit")  # the common X-RateLimit-* and the IETF draft's RateLimit(-*)


def rate_limit_headers(response: httpx.Response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name.lower().startswith(RATE_LIMIT_HEADER_PREFIXES)}


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
