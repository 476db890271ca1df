"""CDN in front of static assets: the frontend origin's page, then one asset it links (or
`api.static_path`), judged by its cache headers and the marks CDNs leave on an answer."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.http import fetch, rate_limited

# Headers a CDN adds (Cloudflare, CloudFront, Fastly, Akamai, Azure Front Door, Vercel, Bunny,
# Varnish-style caches); `Age` is any shared cache's.
CDN_HEADERS = ("cf-cache-status", "cf-ray", "x-amz-cf-id", "x-amz-cf-pop", "x-cache", "x-cache-hits", "x-served-by",
               "x-fastly-request-id", "akamai-cache-status", "x-akamai-transformed", "x-azure-ref", "x-vercel-cache",
               "cdn-cache-control", "x-cdn", "cdn-cache", "bunnycdn-cache-status", "x-varnish", "age", "via")
MIN_MAX_AGE = 60  # seconds: less than a minute caches too little to relieve the origin
ASSET = re.compile(r"\.(js|mjs|css|woff2?|png|svg|jpe?g|webp|ico)(\?|$)", re.IGNORECASE)


class _AssetFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        link = values.get("src") if tag in ("script", "img") else values.get("href") if tag == "link" else None
        if link and ASSET.search(link):
            self.assets.append(link)


def cache_lifetime(cache_control: str) -> tuple[int, str | None]:
    """(seconds a shared cache may keep the answer, the directive that forbids it or None)."""
    directives = {d.strip().split("=")[0].lower(): d.strip().partition("=")[2].strip('"') for d in cache_control.split(",") if d.strip()}
    for forbidding in ("no-store", "private", "no-cache"):
        if forbidding in directives:
            return 0, forbidding
    for name in ("s-maxage", "max-age"):
        if directives.get(name, "").isdigit():
            return int(directives[name]), None
    return 0, None


def cdn_marks(headers: dict[str, str]) -> list[str]:
    marks = [f"{name}: {headers[name]}" for name in CDN_HEADERS if name in headers and name not in ("age", "via")]
    if headers.get("age", "").strip().isdigit():
        marks.append(f"age: {headers['age']}")
    if "via" in headers:
        marks.append(f"via: {headers['via']}")
    server = headers.get("server", "").lower()
    if any(name in server for name in ("cloudflare", "cloudfront", "akamai", "fastly", "bunnycdn", "gws")):
        marks.append(f"server: {headers['server']}")
    return marks


@probe("http.cdn")
async def cdn(ctx: ProbeContext) -> Outcome:
    origin = str(ctx.setting("api.frontend_origin"))
    static_path = ctx.setting("api.static_path")
    lines: list[Evidence] = []
    if static_path:
        asset_url = urljoin(origin + "/", str(static_path))
    else:
        page = await fetch(ctx, origin + "/", follow_redirects=True)
        if (limited := rate_limited(page)) is not None:
            return limited
        finder = _AssetFinder()
        finder.feed(page.text[:1_000_000])
        found = [urljoin(str(page.url), a) for a in finder.assets]
        found = [a for a in found if urlsplit(a).scheme in ("http", "https")]
        if not found:
            raise ProbeError(f"{origin}/ links no script, stylesheet or image to judge (HTTP {page.status_code}); "
                             "set api.static_path to a static asset")
        asset_url = found[0]
        lines.append(Evidence("asset", f"linked from {origin}/", asset_url))
    response = await fetch(ctx, asset_url, follow_redirects=True)
    if (limited := rate_limited(response)) is not None:
        return limited
    if response.status_code >= 300:
        raise ProbeError(f"GET {asset_url} answered {response.status_code}: no asset to judge; set api.static_path")
    headers = {k.lower(): v for k, v in response.headers.items()}
    lifetime, forbidden = cache_lifetime(headers.get("cache-control", ""))
    marks = cdn_marks(headers)
    cacheable = lifetime >= MIN_MAX_AGE
    lines += [
        Evidence("Cache-Control", f"public, max-age/s-maxage >= {MIN_MAX_AGE}", headers.get("cache-control", "(none)")
                 + (f" ({forbidden})" if forbidden else ""), cacheable),
        Evidence("CDN headers", "CF-Cache-Status, X-Cache, Via, Age...", "; ".join(marks) or "none", bool(marks)),
    ]
    raw = {"asset": asset_url, "status_code": str(response.status_code),
           **{name: headers[name] for name in ("cache-control", "server", *CDN_HEADERS) if name in headers}}
    host = urlsplit(asset_url).hostname or ""
    if marks and cacheable:
        return outcome(Status.PASS, f"{host} serves static assets through a CDN, cached {lifetime} s", lines, raw)
    if marks:
        return outcome(Status.WARN, f"a CDN fronts {host} but the asset is not cacheable ({forbidden or 'no max-age'})", lines, raw)
    if cacheable:
        return outcome(Status.WARN, f"{host} sends cache headers ({lifetime} s) but no CDN marks the answer", lines, raw)
    return outcome(Status.FAIL, f"{host} serves static assets with no CDN and no cache lifetime", lines, raw)
