"""`http.security-headers`: HSTS, CSP and X-Frame-Options, with an HTTP Observatory-style grade.

The grade follows the MDN HTTP Observatory: start at 100, add the documented modifier of each
header test (CSP, HSTS, X-Frame-Options, X-Content-Type-Options, Referrer-Policy), extra credit
only when the score without it is 90 or more, floor 0, then its grade bands. Tests that need more
than one response (cookies, redirection, SRI, CORS) are not scored here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from linkflow_console.probes.base import Evidence, Outcome, Status, outcome, probe, worst
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.http import fetch, raw_headers

HSTS_MIN_MAX_AGE = 15552000  # 180 days: the checklist's "six months"



@dataclass(frozen=True)
class Finding:
    """One header test: its verdict, the evidence line, its Observatory modifier and a short note."""

    status: Status
    evidence: Evidence
    modifier: int
    note: str


# --- Content-Security-Policy -------------------------------------------------------------------

Policy = dict[str, list[str]]
NONCE_OR_HASH = re.compile(r"^'(nonce-|sha256-|sha384-|sha512-)", re.IGNORECASE)
SCHEME_ONLY = re.compile(r"^[a-z][a-z0-9+.-]*:$")
ANY_HOST = re.compile(r"^([a-z][a-z0-9+.-]*://)?\*(:\*)?/?$")  # *, https://*, *:*
PASSIVE_DIRECTIVES = ("img-src", "media-src")


def parse_policies(values: list[str]) -> list[Policy]:
    """Every policy in every CSP header (a header may carry several, comma-separated)."""
    policies = []
    for value in values:
        for text in value.split(","):
            policy: Policy = {}
            for directive in text.split(";"):
                tokens = directive.split()
                if tokens and tokens[0].lower() not in policy:  # the first occurrence wins (CSP3)
                    # An empty source list means 'none'.
                    policy[tokens[0].lower()] = [t.lower() for t in tokens[1:]] or ["'none'"]
            if policy:
                policies.append(policy)
    return policies


def is_broad(source: str) -> bool:
    return bool(SCHEME_ONLY.match(source) or ANY_HOST.match(source))


def script_sources(policy: Policy) -> tuple[str, list[str] | None]:
    """The directive governing scripts and its sources; None when nothing restricts scripts."""
    for directive in ("script-src", "default-src"):
        if directive in policy:
            return directive, policy[directive]
    return "script-src", None


def script_weaknesses(policy: Policy) -> list[str]:
    """Sources that let injected script run, after CSP3 neutralisation: a nonce or hash disables
    'unsafe-inline'; 'strict-dynamic' (with a nonce or hash) disables host and scheme sources."""
    _, sources = script_sources(policy)
    if sources is None:
        return ["no script-src or default-src"]
    nonce_or_hash = any(NONCE_OR_HASH.match(s) for s in sources)
    strict_dynamic = nonce_or_hash and "'strict-dynamic'" in sources
    weak = []
    for source in sources:
        if source == "'unsafe-inline'" and not nonce_or_hash:
            weak.append(source)
        elif source == "'unsafe-eval'":
            weak.append(source)
        elif is_broad(source) and not strict_dynamic:
            weak.append(source)
    return weak


def fallback(policy: Policy, directive: str) -> list[str]:
    return policy.get(directive, policy.get("default-src", ["*"]))


def observatory_csp_modifier(policy: Policy) -> tuple[int, str]:
    """The HTTP Observatory CSP result for one policy: worst applicable rule first."""
    script = [s for s in script_weaknesses(policy) if s != "'unsafe-eval'"]
    sources = [s for values in policy.values() for s in values]
    passive = [s for d in PASSIVE_DIRECTIVES for s in fallback(policy, d)]
    insecure = ("http:", "ftp:")
    if script or any(is_broad(s) for s in fallback(policy, "object-src")):
        return -20, "unsafe-inline or broad script/object sources"
    if any(s.startswith(insecure) for s in sources if s not in passive):
        return -20, "allows active content over http"
    if "'unsafe-eval'" in fallback(policy, "script-src") + fallback(policy, "style-src"):
        return -10, "allows 'unsafe-eval'"
    if any(s.startswith(insecure) for s in passive):
        return -10, "allows images or media over http"
    if "'unsafe-inline'" in fallback(policy, "style-src"):
        return 0, "'unsafe-inline' in style-src (no CSP bonus)"
    if policy.get("default-src") == ["'none'"]:
        return 10, "default-src 'none', no unsafe sources"
    return 5, "no unsafe sources"


def invalid_reason(policies: list[Policy]) -> str | None:
    """Why the Observatory calls the header invalid: 'strict-dynamic' trusts only scripts a nonce
    or hash allowed, so without either the policy is broken (and browsers without CSP3 fall back
    to its host sources)."""
    for policy in policies:
        directive, sources = script_sources(policy)
        if sources and "'strict-dynamic'" in sources and not any(NONCE_OR_HASH.match(s) for s in sources):
            return f"{directive} 'strict-dynamic' without a nonce or hash"
    return None


def judge_csp(policies: list[Policy], present: bool) -> tuple[list[Finding], str]:
    """The header finding (carrying the Observatory CSP modifier), the script-source finding, and
    the Observatory result in words."""
    expected = "present"
    invalid = invalid_reason(policies)
    if not policies or invalid:
        actual = f"invalid: {invalid}" if invalid else "present but empty or unparsable" if present else "missing"
        missing = Finding(Status.FAIL, Evidence("Content-Security-Policy", expected, actual, False), -25, f"CSP {actual}")
        return [missing], f"CSP {actual}"
    modifier, why = max((observatory_csp_modifier(p) for p in policies), key=lambda result: result[0])
    header = Finding(Status.PASS, Evidence("Content-Security-Policy", expected, "present", True), modifier, "")
    # Browsers enforce every policy: a weakness is real only when every policy that restricts
    # scripts has it (a separate `frame-ancestors 'none'` policy restricts no script).
    restricting = [p for p in policies if script_sources(p)[1] is not None] or policies[:1]
    weak = [s for s in script_weaknesses(restricting[0]) if all(s in script_weaknesses(p) for p in restricting[1:])]
    directive, sources = script_sources(restricting[0])
    label = "CSP script sources"
    expected_sources = "no 'unsafe-inline', 'unsafe-eval', wildcard or scheme sources (unless nonce/hash)"
    if weak:
        actual = f"{directive} allows {' '.join(weak)}"
        script = Finding(Status.WARN, Evidence(label, expected_sources, actual, False), 0, actual)
    else:
        actual = f"{directive} {' '.join(sources or [])}"
        script = Finding(Status.PASS, Evidence(label, expected_sources, actual, True), 0, "")
    return [header, script], why


# --- HSTS, framing, nosniff, referrer ---------------------------------------------------------

def judge_hsts(values: list[str]) -> Finding:
    """RFC 6797 8.1: with several Strict-Transport-Security headers, a browser uses only the first."""
    label, expected = "Strict-Transport-Security", f"max-age >= {HSTS_MIN_MAX_AGE}"
    if not values:
        return Finding(Status.FAIL, Evidence(label, expected, "missing", False), -20, "HSTS missing")
    value = values[0].split(",")[0].strip()  # a proxy may have folded several headers into one
    match = re.search(r"(?:^|;)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:;|$)", value, re.IGNORECASE)
    if match is None:
        return Finding(Status.FAIL, Evidence(label, expected, f"{value} (no max-age)", False), -20, "HSTS invalid")
    max_age = int(match.group(1))
    if max_age == 0:
        return Finding(Status.FAIL, Evidence(label, expected, value, False), -20, "HSTS max-age=0 disables HSTS")
    if max_age < HSTS_MIN_MAX_AGE:
        note = f"HSTS max-age {max_age} s below {HSTS_MIN_MAX_AGE}"
        return Finding(Status.WARN, Evidence(label, expected, value, False), -10, note)
    return Finding(Status.PASS, Evidence(label, expected, value, True), 0, "")


def judge_framing(x_frame_options: str | None, policies: list[Policy]) -> Finding:
    label, expected = "Frame protection", "X-Frame-Options DENY/SAMEORIGIN or CSP frame-ancestors"
    ancestors = [p["frame-ancestors"] for p in policies if "frame-ancestors" in p]
    restrictive = [sources for sources in ancestors if not any(is_broad(s) for s in sources)]
    if restrictive:
        actual = f"CSP frame-ancestors {' '.join(restrictive[0])}"
        return Finding(Status.PASS, Evidence(label, expected, actual, True), 5, "")
    if ancestors:  # browsers ignore X-Frame-Options when frame-ancestors is present
        actual = f"CSP frame-ancestors {' '.join(ancestors[0])} (X-Frame-Options ignored)"
        return Finding(Status.FAIL, Evidence(label, expected, actual, False), -20, "frame-ancestors allows any site")
    # HTML's X-Frame-Options processing: the values of every header, split on commas; one distinct
    # DENY or SAMEORIGIN is that policy, and several distinct values that include one of them block.
    tokens = {t.strip().upper() for t in (x_frame_options or "").split(",") if t.strip()}
    if tokens & {"DENY", "SAMEORIGIN"}:
        value = next(iter(tokens)) if len(tokens) == 1 else "DENY (conflicting values block framing)"
        return Finding(Status.PASS, Evidence(label, expected, f"X-Frame-Options {value}", True), 0, "")
    actual = f"X-Frame-Options {x_frame_options}" if x_frame_options else "no X-Frame-Options, no frame-ancestors"
    note = "no clickjacking protection" if not x_frame_options else f"X-Frame-Options {x_frame_options!r} not DENY/SAMEORIGIN"
    return Finding(Status.FAIL, Evidence(label, expected, actual, False), -20, note)


def judge_nosniff(value: str | None) -> Finding:
    evidence = Evidence("X-Content-Type-Options", "nosniff", value or "missing")
    first = (value or "").split(",")[0].strip().lower()  # Fetch: only the first value counts
    return Finding(Status.PASS, evidence, 0 if first == "nosniff" else -5, "")


PRIVATE_REFERRER = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
UNSAFE_REFERRER = {"origin", "origin-when-cross-origin", "unsafe-url"}


def judge_referrer(value: str | None) -> Finding:
    evidence = Evidence("Referrer-Policy", " or ".join(sorted(PRIVATE_REFERRER)), value or "missing")
    if value is None:
        return Finding(Status.PASS, evidence, 0, "")
    known = [t for t in (t.strip().lower() for t in value.split(",")) if t in PRIVATE_REFERRER | UNSAFE_REFERRER
             | {"no-referrer-when-downgrade"}]
    effective = known[-1] if known else None  # browsers use the last policy they understand
    modifier = 5 if effective in PRIVATE_REFERRER else 0 if effective == "no-referrer-when-downgrade" else -5
    return Finding(Status.PASS, evidence, modifier, "")


GRADE_BANDS = ((100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+"),
               (50, "C"), (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"), (0, "F"))


def observatory_grade(modifiers: list[int]) -> tuple[int, str]:
    score = 100 + sum(m for m in modifiers if m < 0)
    if score >= 90:  # extra credit only for sites already at A
        score += sum(m for m in modifiers if m > 0)
    score = max(score, 0)
    return score, next(grade for floor, grade in GRADE_BANDS if score >= floor)


@probe("http.security-headers")
async def security_headers(ctx: ProbeContext) -> Outcome:
    url = ctx.setting("api.base_url") + ctx.setting("api.health_path")
    response = await fetch(ctx, url)
    headers = response.headers
    csp_values = headers.get_list("content-security-policy")
    policies = parse_policies(csp_values)
    csp_findings, csp_result = judge_csp(policies, bool(csp_values))
    findings = [
        judge_hsts(headers.get_list("strict-transport-security")),
        *csp_findings,
        judge_framing(headers.get("x-frame-options"), policies),
        judge_nosniff(headers.get("x-content-type-options")),
        judge_referrer(headers.get("referrer-policy")),
    ]
    score, grade = observatory_grade([f.modifier for f in findings])
    status = worst([f.status for f in findings]) or Status.PASS
    problems = [f.note for f in findings if f.status is Status.FAIL] + [f.note for f in findings if f.status is Status.WARN]
    headline = ", ".join(problems) if problems else "HSTS, CSP and frame protection in place"
    evidence = [f.evidence for f in findings]
    evidence.append(Evidence("Observatory-style grade", "A or better", f"{grade} ({score})"))
    raw = {
        "request": f"GET {url}",
        "status": str(response.status_code),
        "headers": raw_headers(response),
        "grade": f"{grade} ({score})",
        "modifiers": ", ".join(f"{f.evidence.label} {f.modifier:+d}" for f in findings if f.modifier),
        "csp result": csp_result,
        "not scored": "cookies, redirection, subresource integrity, CORS (other probes or not applicable)",
    }
    return outcome(status, f"{headline}; grade {grade} ({score})", evidence, raw=raw, values={"observatory_score": score})
