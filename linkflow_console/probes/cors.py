"""`http.cors`: foreign origins refused (preflight and simple request), the frontend origin allowed.

Foreign origins are https://evil.example, `null` (what sandboxed iframes and file: pages send, so
`Access-Control-Allow-Origin: null` opens the API to any page) and, when a frontend origin is
configured, two look-alikes: the frontend's host with .evil.example appended (prefix matching) and
with evil prepended (suffix matching, evilapp.example.com). A preflight only
counts as allowing an origin when it also answers 2xx, because browsers reject any other preflight.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from linkflow_console.probes.base import Evidence, Outcome, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.http import fetch_all

if TYPE_CHECKING:
    import httpx

FOREIGN_ORIGIN = "https://evil.example"
# Sandboxed iframes, data: and file: pages send `Origin: null`: an attacker can always send it, so
# `Access-Control-Allow-Origin: null` opens the API to any page.
NULL_ORIGIN = "null"
PREFLIGHT_HEADERS = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type"}


@dataclass(frozen=True)
class CorsAnswer:
    kind: str  # "preflight" or "GET"
    origin: str
    status: int
    allow_origin: str | None
    allow_credentials: bool
    vary: str = ""

    @classmethod
    def read(cls, kind: str, origin: str, response: httpx.Response) -> CorsAnswer:
        credentials = response.headers.get("access-control-allow-credentials", "").strip().lower() == "true"
        return cls(kind, origin, response.status_code, response.headers.get("access-control-allow-origin"),
                   credentials, response.headers.get("vary", ""))

    @property
    def allows(self) -> bool:
        granted = self.allow_origin is not None and self.allow_origin.strip() in ("*", self.origin)
        return granted and (self.kind == "GET" or 200 <= self.status < 300)

    @property
    def reflected(self) -> bool:
        return self.allows and (self.allow_origin or "").strip() == self.origin

    def describe(self) -> str:
        if self.allow_origin is None:
            return f"no Access-Control-Allow-Origin ({self.status})"
        credentials = ", Allow-Credentials: true" if self.allow_credentials else ""
        return f"Access-Control-Allow-Origin: {self.allow_origin}{credentials} ({self.status})"


def lookalike(origin: str) -> str:
    parts = urlsplit(origin)
    return f"{parts.scheme}://{parts.hostname}.evil.example"


def suffix_lookalike(origin: str) -> str:
    """Catches suffix matching (endswith("app.example.com")): evilapp.example.com is not a subdomain."""
    parts = urlsplit(origin)
    return f"{parts.scheme}://evil{parts.hostname}"


def who(origin: str) -> str:
    return "the null origin (any sandboxed iframe or file: page)" if origin == NULL_ORIGIN else origin


def requests_from(origin: str, url: str) -> list[tuple[str, str, dict[str, str]]]:
    return [("OPTIONS", url, {"Origin": origin} | PREFLIGHT_HEADERS), ("GET", url, {"Origin": origin})]


def foreign_verdict(answers: list[CorsAnswer]) -> str | None:
    """The failure summary for foreign origins, loudest first; None when none was allowed."""
    allowed = [a for a in answers if a.allows]
    if not allowed:
        return None
    with_credentials = [a for a in allowed if a.reflected and a.allow_credentials]
    reflected = [a for a in allowed if a.reflected]
    if with_credentials:
        return (f"Foreign origin reflected WITH credentials: {who(with_credentials[0].origin)} can read "
                f"authenticated responses ({with_credentials[0].kind})")
    if reflected:
        return (f"foreign origin {who(reflected[0].origin)} reflected in Access-Control-Allow-Origin "
                f"({reflected[0].kind})")
    return f"Access-Control-Allow-Origin: * allows any origin ({allowed[0].kind})"


@probe("http.cors")
async def cors(ctx: ProbeContext) -> Outcome:
    url = ctx.setting("api.base_url") + ctx.setting("api.health_path")
    frontend: str | None = ctx.setting("api.frontend_origin")
    foreign_origins = [FOREIGN_ORIGIN, NULL_ORIGIN] + ([lookalike(frontend), suffix_lookalike(frontend)] if frontend else [])
    requests = [r for origin in foreign_origins for r in requests_from(origin, url)]
    if frontend:
        requests.append(requests_from(frontend, url)[0])
    responses = await fetch_all(ctx, requests)
    answers = [
        CorsAnswer.read("preflight" if method == "OPTIONS" else "GET", headers["Origin"], response)
        for (method, _, headers), response in zip(requests, responses, strict=True)
    ]
    foreign, frontend_answer = answers[: 2 * len(foreign_origins)], answers[2 * len(foreign_origins):]
    evidence = [Evidence(f"{a.kind} from {a.origin}", "not allowed", a.describe(), not a.allows) for a in foreign]
    raw = {f"{a.kind} {a.origin}": a.describe() for a in answers} | {"request": f"{url}"}

    failure = foreign_verdict(foreign)
    if frontend_answer:
        answer = frontend_answer[0]
        evidence.append(Evidence(f"preflight from {frontend} (frontend)", "allowed", answer.describe(), answer.allows))
        if answer.reflected:
            # An answer that depends on Origin without `Vary: Origin` can be served from a shared
            # cache to another origin (information: browsers still check the origin).
            evidence.append(Evidence("Vary on the frontend's answer", "Origin", answer.vary or "(none)", None))
    if failure:
        return outcome(Status.FAIL, failure, evidence, raw=raw)
    if not frontend_answer:
        return outcome(Status.PASS, "foreign origins refused (api.frontend_origin not set: allowed origin not checked)",
                       evidence, raw=raw)
    if not frontend_answer[0].allows:
        return outcome(Status.WARN, f"foreign origins refused, but the frontend origin {frontend} is not allowed either",
                       evidence, raw=raw)
    return outcome(Status.PASS, f"foreign origins refused; frontend origin {frontend} allowed", evidence, raw=raw)
