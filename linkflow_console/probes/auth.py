"""Active probes (opt-in, api.active_probes): bursts of failed logins prove the login rate
limit and the account lockout. Only wrong passwords are ever sent."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.http import api_url, rate_limit_headers, send, snippet

if TYPE_CHECKING:
    import httpx

MAX_BURST = 30  # failed logins at most per probe: enough to cross LinkFlow's limits, not a flood
LOCKOUT_AFTER = 5  # LinkFlow locks an account after 5 failures (15 min)
# How a login API refuses a wrong password (403/423 only with a lockout; 429 is the limiter).
FAILED_LOGIN_CODES = frozenset({400, 401, 403, 422, 423, 429})
LOCKED = re.compile(r"\b(?:locked|lockout)\b", re.IGNORECASE)  # "account is locked", not "blocked"
# An address no real account has: the rate-limit probe must not lock anybody out.
NOBODY_EMAIL = "linkflow-console-rate-limit-probe@example.invalid"


@dataclass
class Burst:
    """The answers to a burst of failed logins, stopped as soon as `stop` says enough."""

    codes: list[int] = field(default_factory=list)
    last: httpx.Response | None = None
    limit_headers: dict[str, str] = field(default_factory=dict)

    @property
    def sent(self) -> int:
        return len(self.codes)

    def raw(self) -> dict[str, str]:
        raw = {"status_codes": " ".join(map(str, self.codes)), "attempts": str(self.sent)}
        if self.last is not None:
            raw["request"] = f"{self.last.request.method} {self.last.request.url}"
            raw["last_body"] = snippet(self.last.text)
        return raw | self.limit_headers


async def failed_login_burst(ctx: ProbeContext, email: str, stop: Callable[[httpx.Response], bool]) -> Burst:
    url = api_url(ctx, "api.login_path")
    await ctx.ensure_reachable(url)
    burst = Burst()
    async with ctx.http_client() as client:
        for _ in range(MAX_BURST):
            # A fresh random password each time: never the real one, never a guessable one.
            wrong_password = "wrong-" + secrets.token_urlsafe(18)
            response = await send(client, "POST", url, json={"email": email, "password": wrong_password})
            burst.codes.append(response.status_code)
            burst.last = response
            # Judged before `stop`: a 404 carrying the API-wide X-RateLimit headers says nothing about
            # the login route (a wrong api.login_path), so it must not pass for a rate limit.
            if response.status_code not in FAILED_LOGIN_CODES or (response.status_code == 403
                                                                   and not is_lockout(response)):
                # 404/405: wrong path; 5xx or a WAF's 403: broken or blocked; 2xx: not a failed login.
                raise ProbeError(f"login endpoint {url} answered {response.status_code} to a wrong password "
                                 f"({snippet(response.text, 80) or 'empty body'}); could not tell")
            burst.limit_headers |= rate_limit_headers(response)
            if stop(response):
                break
    return burst


def is_lockout(response: httpx.Response) -> bool:
    """423 Locked, or a 401/403 whose body says the account is locked (LinkFlow: 403)."""
    return response.status_code == 423 or (response.status_code in (401, 403) and bool(LOCKED.search(response.text)))


@probe("http.auth-rate-limit")
async def auth_rate_limit(ctx: ProbeContext) -> Outcome:
    # Headers on the first answer already prove a limiter: no need to keep hammering.
    burst = await failed_login_burst(
        ctx, NOBODY_EMAIL, lambda r: r.status_code == 429 or bool(rate_limit_headers(r)))
    limited_at = burst.codes.index(429) + 1 if 429 in burst.codes else None
    evidence = [
        Evidence("429 Too Many Requests", f"within {MAX_BURST} failed logins (or limit headers)",
                 f"after {limited_at} attempts" if limited_at else f"not seen in {burst.sent} attempts", None),
        Evidence("X-RateLimit-* headers", "present",
                 ", ".join(f"{k}: {v}" for k, v in burst.limit_headers.items()) or "absent",
                 bool(burst.limit_headers)),
    ]
    if limited_at or burst.limit_headers:
        how = f"429 after {limited_at} failed logins" if limited_at else "rate-limit headers on the login route"
        return outcome(Status.PASS, f"login is rate limited: {how}", evidence, raw=burst.raw())
    return outcome(Status.FAIL, f"{burst.sent} failed logins in a row: no 429, no rate-limit headers",
                   evidence, raw=burst.raw())


@probe("http.account-lockout")
async def account_lockout(ctx: ProbeContext) -> Outcome:
    email = ctx.setting("api.probe_email")
    if not email:
        raise ProbeError("api.probe_email is not set: the account the lockout probe may lock")
    burst = await failed_login_burst(ctx, str(email), lambda r: is_lockout(r) or r.status_code == 429)
    raw = burst.raw() | {"account": str(email)}
    last = burst.last
    assert last is not None  # MAX_BURST > 0
    if is_lockout(last):
        failures = burst.sent - 1
        seen = f"{failures} failures, then {last.status_code}" if failures else "locked at the first attempt"
        evidence = [Evidence("lockout", f"within {MAX_BURST} failed logins (LinkFlow: after {LOCKOUT_AFTER})",
                             seen, True)]
        summary = (f"account locked after {failures} failed logins" if failures
                   else "account already locked (an earlier burst within the lockout period)")
        return outcome(Status.PASS, summary, evidence, raw=raw)
    if last.status_code == 429:
        evidence = [Evidence("lockout", "403 account is locked", f"429 after {burst.sent} attempts", None)]
        return outcome(Status.ERROR, f"rate limit hit first (429 after {burst.sent} attempts); could not tell "
                       "whether the account locks", evidence, raw=raw)
    evidence = [Evidence("lockout", f"403 account is locked within {MAX_BURST} failed logins",
                         f"not seen in {burst.sent} attempts (last {last.status_code})", False)]
    return outcome(Status.FAIL, f"{burst.sent} failed logins, account never locked", evidence, raw=raw)
