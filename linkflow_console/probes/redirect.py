"""`http.https-redirect`: plain HTTP answered by a permanent redirect to https, same host, path kept.

The request uses a non-root path (api.health_path), so a redirect that drops the path is visible.
Only the first hop is judged: a first hop to another plain-HTTP URL already exposes the request.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from linkflow_console.probes.base import Evidence, Outcome, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.http import fetch, raw_headers

PERMANENT = (301, 308)
TEMPORARY = (302, 303, 307)


@probe("http.https-redirect")
async def https_redirect(ctx: ProbeContext) -> Outcome:
    path = ctx.setting("api.health_path")
    url = ctx.setting("api.http_url") + path
    response = await fetch(ctx, url)
    code = response.status_code
    location = response.headers.get("location")
    raw = {"request": f"GET {url}", "status": str(code), "headers": raw_headers(response)}
    status_line = Evidence("status", "301 or 308", str(code), code in PERMANENT)
    if code not in PERMANENT + TEMPORARY or not location:
        summary = f"no redirect: GET {url} answered {code}" + (" without Location" if code in PERMANENT + TEMPORARY else "")
        return outcome(Status.FAIL, summary, [status_line, Evidence("Location", f"https://…{path}", location or "none", False)], raw=raw)

    try:
        target = urlsplit(urljoin(url, location))
        target.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        summary = f"{code} redirect to an invalid URL ({exc}): {location}"
        return outcome(Status.FAIL, summary, [status_line, Evidence("Location", f"https://…{path}", location, False)],
                       raw=raw)
    host = urlsplit(url).hostname
    path = urlsplit(url).path or "/"  # what was asked: api.http_url may carry a path prefix
    evidence = [
        status_line,
        Evidence("Location", f"https://{host}…{path}", location),
        Evidence("scheme", "https", target.scheme, target.scheme == "https"),
        Evidence("host", host or "", target.hostname or "", target.hostname == host),
        Evidence("path kept", path, target.path or "/", target.path == path),
    ]
    if target.scheme != "https":
        return outcome(Status.FAIL, f"{code} redirect stays on plain {target.scheme}: {location}", evidence, raw=raw)
    if target.hostname != host:
        return outcome(Status.FAIL, f"{code} redirect leaves the host for {target.hostname}", evidence, raw=raw)
    weaknesses = []
    if code in TEMPORARY:
        weaknesses.append(f"temporary {code} (browsers will not remember it; use 301/308)")
    if target.path != path:
        weaknesses.append(f"path not kept ({path} -> {target.path or '/'})")
    if weaknesses:
        return outcome(Status.WARN, f"redirects to https but {'; '.join(weaknesses)}", evidence, raw=raw)
    return outcome(Status.PASS, f"{code} to https on the same host, path kept", evidence, raw=raw)
