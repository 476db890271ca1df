"""Configuration probes on plain settings: environment, log format, debug mode (in the file and
from outside, looking for stack traces), required variables, Sentry and token expiry."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, all_ok, outcome, probe, worst
from linkflow_console.probes.config.envfile import EnvFile, go_bool, go_duration_seconds
from linkflow_console.probes.config.shared import env_raw, load_env, unset
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.http import api_url, fetch, origin_url, snippet


STACK_TRACE = re.compile(
    r"goroutine \d+ \[|panic: |\.go:\d+|Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+"
    r"|\bat [\w.$]+\([\w]+\.java:\d+\)"
)
MAX_ACCESS_EXPIRY_SECONDS = 3600.0


async def expect_word(ctx: ProbeContext, name: str, wanted: str, unset_status: Status, unset_why: str) -> Outcome:
    """A variable whose value must be one word (case-insensitive), e.g. APP_ENVIRONMENT=production."""
    env = await load_env(ctx)
    setting = env.lookup(name)
    if setting is None:
        return unset(env, name, unset_why, unset_status)
    ok = setting.value.strip().lower() == wanted
    evidence = [Evidence(setting.name, wanted, setting.value, ok)]
    verb = "is" if ok else "is not"
    return outcome(Status.PASS if ok else Status.FAIL, f"{setting.name}={setting.value} {verb} {wanted}",
                   evidence, raw=env_raw(env, setting))


@probe("config.app-environment")
async def app_environment(ctx: ProbeContext) -> Outcome:
    return await expect_word(ctx, "APP_ENVIRONMENT", "production", Status.FAIL,
                             "LinkFlow then runs with its non-production defaults")


@probe("config.log-format")
async def log_format(ctx: ProbeContext) -> Outcome:
    return await expect_word(ctx, "LOG_FORMAT", "json", Status.WARN,
                             "the default format depends on the LinkFlow version; set LOG_FORMAT=json")


async def stack_trace_evidence(ctx: ProbeContext) -> list[Evidence]:
    """Ask for a 404 and a 400 and look for a stack trace in the bodies."""
    missing = origin_url(ctx, "/linkflow-console-probe-" + secrets.token_hex(4))
    requests = [("GET", missing, {}),
                ("POST", api_url(ctx, "api.login_path"), {"content": b"{", "headers": {"Content-Type": "application/json"}})]
    evidence = []
    for method, url, kwargs in requests:
        response = await fetch(ctx, url, method, **kwargs)
        match = STACK_TRACE.search(response.text)
        found = snippet(response.text[match.start():]) if match else "none"
        evidence.append(Evidence(f"{method} {urlsplit(url).path} ({response.status_code})", "no stack trace",
                                 found, match is None))
    return evidence


@probe("config.app-debug")
async def app_debug(ctx: ProbeContext) -> Outcome:
    env = await load_env(ctx)
    setting = env.lookup("APP_DEBUG")
    parsed = go_bool(setting.value.strip()) if setting else None
    if setting is None:
        file_line = Evidence("APP_DEBUG", "false", "not set (LinkFlow defaults to true)", False)
    elif parsed is None:
        file_line = Evidence("APP_DEBUG", "false", f"{setting.value!r} is not a boolean", False)
    else:
        file_line = Evidence("APP_DEBUG", "false", setting.value, parsed is False)
    evidence = [file_line]
    outside_error = None
    if ctx.setting("api.base_url"):
        try:
            evidence += await stack_trace_evidence(ctx)
        except ProbeError as exc:
            outside_error = str(exc)
            evidence.append(Evidence("error responses", "no stack trace", f"could not check: {exc}", None))
    raw = env_raw(env, setting)
    traces = [e.label for e in evidence[1:] if e.ok is False]
    if all_ok(evidence) is Status.FAIL:
        parts = ([f"APP_DEBUG {file_line.actual}"] if file_line.ok is False else []) + (
            [f"stack trace in {', '.join(traces)}"] if traces else [])
        return outcome(Status.FAIL, "; ".join(parts), evidence, raw=raw)
    if outside_error:
        return outcome(Status.ERROR, f"APP_DEBUG=false in the env file, but the API could not be checked for "
                       f"stack traces: {outside_error}", evidence, raw=raw)
    checked = " and error responses carry no stack trace" if len(evidence) > 1 else ""
    return outcome(Status.PASS, f"APP_DEBUG=false{checked}", evidence, raw=raw)

@dataclass(frozen=True)
class Requirement:
    title: str
    alternatives: tuple[tuple[str, ...], ...]  # any one group, with every name in it set

    def missing(self, env: EnvFile) -> list[str]:
        """The names still missing from the most complete alternative ([] = satisfied)."""
        gaps = [([name for name in group if env.lookup(name) is None], group) for group in self.alternatives]
        if not any(missing for missing, _ in gaps):
            return []
        if all(len(missing) == len(group) for missing, group in gaps):  # nothing of it set: name the choice
            return [self.expected]
        # The alternative the operator started on: fewest missing, then most already set.
        missing, _ = min(gaps, key=lambda gap: (len(gap[0]), len(gap[0]) - len(gap[1])))
        return missing

    @property
    def expected(self) -> str:
        return " or ".join(" + ".join(group) for group in self.alternatives)


def single(name: str) -> Requirement:
    return Requirement(name, ((name,),))


REQUIRED = (
    single("APP_ENVIRONMENT"),
    single("APP_URL"),
    single("APP_FRONTEND_URL"),
    Requirement("database", (("DATABASE_URL",),
                             ("DATABASE_HOST", "DATABASE_USER", "DATABASE_PASSWORD", "DATABASE_NAME"))),
    Requirement("redis", (("REDIS_URL",), ("REDIS_HOST",))),
    single("JWT_SECRET"),
    single("S3_BUCKET"),
)
# Not needed where the platform provides them (an instance role for S3): missing ones are a warning.
RECOMMENDED = (
    Requirement("S3 credentials", (("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"),)),
)


def requirement_evidence(requirement: Requirement, env: EnvFile) -> Evidence:
    missing = requirement.missing(env)
    return Evidence(requirement.title, requirement.expected, "missing " + ", ".join(missing) if missing else "set", not missing)


@probe("config.required-vars")
async def required_vars(ctx: ProbeContext) -> Outcome:
    env = await load_env(ctx)
    missing = [name for r in REQUIRED for name in r.missing(env)]
    weaker = [name for r in RECOMMENDED for name in r.missing(env)]
    evidence = [requirement_evidence(r, env) for r in REQUIRED + RECOMMENDED]
    raw = env_raw(env) | {"variables": " ".join(sorted(env.values))}
    values = {"missing_required": float(len(missing))}
    if missing:
        return outcome(Status.FAIL, f"missing: {', '.join(missing)}", evidence, raw=raw, values=values)
    if weaker:
        return outcome(Status.WARN, f"required variables set; missing {', '.join(weaker)} "
                       "(fine only with an instance role)", evidence, raw=raw, values=values)
    return outcome(Status.PASS, f"all {len(REQUIRED)} required settings present", evidence, raw=raw, values=values)


SENTRY_DSN = re.compile(r"^https?://(?P<key>[^:@/\s]+)(?::[^@/\s]*)?@(?P<host>[^/\s]+)/(?:[^\s]*/)?(?P<project>\d+)/?$")


@probe("config.sentry")
async def sentry(ctx: ProbeContext) -> Outcome:
    env = await load_env(ctx)
    setting = env.lookup("SENTRY_DSN")
    if setting is None:
        return unset(env, "SENTRY_DSN", "errors are not tracked")
    match = SENTRY_DSN.match(setting.value.strip())
    note = Evidence("note", "", "LinkFlow's code may not read SENTRY_DSN (it is only in the example env file): "
                    "confirm a test error reaches Sentry", None)
    if match is None:
        return outcome(Status.FAIL, "SENTRY_DSN is set but is not a DSN (https://KEY@HOST/PROJECT)",
                       [Evidence("SENTRY_DSN", "https://KEY@HOST/PROJECT", "malformed", False), note],
                       raw=env_raw(env, setting))
    actual = f"a DSN for {match['host']}, project {match['project']}"
    return outcome(Status.PASS, f"SENTRY_DSN set ({match['host']}, project {match['project']})",
                   [Evidence("SENTRY_DSN", "https://KEY@HOST/PROJECT", actual, True), note],
                   raw=env_raw(env, setting))


def human_duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


def expiry_evidence(env: EnvFile, name: str, default: str, limit: float | None) -> tuple[Evidence, Status]:
    setting = env.lookup(name)
    expected = f"set, at most {human_duration(limit)}" if limit else "set"
    if setting is None:
        return Evidence(name, expected, f"not set (LinkFlow's default {default} applies)", False), Status.FAIL
    seconds = go_duration_seconds(setting.value)
    if seconds is None or seconds <= 0:
        return Evidence(name, expected, f"{setting.value!r} is not a positive Go duration", False), Status.FAIL
    actual = f"{setting.value} ({human_duration(seconds)})"
    if limit is not None and seconds > limit:
        return Evidence(name, expected, actual, False), Status.WARN
    return Evidence(name, expected, actual, True), Status.PASS


@probe("config.token-expiry")
async def token_expiry(ctx: ProbeContext) -> Outcome:
    env = await load_env(ctx)
    judged = [expiry_evidence(env, "JWT_ACCESS_EXPIRY", "15m", MAX_ACCESS_EXPIRY_SECONDS),
              expiry_evidence(env, "JWT_REFRESH_EXPIRY", "168h", None)]
    evidence = [line for line, _ in judged]
    status = worst([status for _, status in judged]) or Status.PASS
    summary = "; ".join(f"{e.label} {e.actual}" for e in evidence)
    if status is Status.WARN:
        summary = f"access tokens live longer than 1 h: {summary}"
    raw = env_raw(env, env.lookup("JWT_ACCESS_EXPIRY"), env.lookup("JWT_REFRESH_EXPIRY"))
    return outcome(status, summary, evidence, raw=raw)
