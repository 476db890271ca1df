"""Configuration probes: the KEY=VALUE env file the services run with (env.file), plus one look
from outside for stack traces. Secret values are read to judge them and never shown."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, all_ok, outcome, probe, worst
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.http import api_url, fetch, origin_url, snippet

# Other names some LinkFlow deploy files use for the variables the code reads.
ALIASES: dict[str, tuple[str, ...]] = {
    "APP_ENVIRONMENT": ("APP_ENV",),
    "DATABASE_HOST": ("DB_HOST",),
    "DATABASE_PORT": ("DB_PORT",),
    "DATABASE_USER": ("DB_USER", "DB_USERNAME"),
    "DATABASE_PASSWORD": ("DB_PASSWORD", "DB_PASS"),
    "DATABASE_NAME": ("DB_NAME", "DB_DATABASE"),
    "DATABASE_SSLMODE": ("DB_SSLMODE", "DB_SSL_MODE"),
    "DATABASE_URL": ("DB_URL",),
    "JWT_SECRET": ("JWT_SECRET_KEY",),
    "S3_ACCESS_KEY_ID": ("S3_ACCESS_KEY", "AWS_ACCESS_KEY_ID"),
    "S3_SECRET_ACCESS_KEY": ("S3_SECRET_KEY", "AWS_SECRET_ACCESS_KEY"),
    "S3_REGION": ("AWS_REGION",),
    "S3_ENDPOINT": ("S3_ENDPOINT_URL",),
}
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|PASS$|KEY|TOKEN|DSN|CREDENTIAL", re.IGNORECASE)
URL_PASSWORD = re.compile(r"://[^/:@\s]*:([^@\s/]+)@")
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
MIN_SECRET_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 10
# Lower-cased fragments of values copied from examples and tutorials.
PLACEHOLDER_FRAGMENTS = (
    "changeme", "change-me", "change_me", "changethis", "change-this", "replace", "your-", "your_", "yoursecret",
    "secret-key", "secretkey", "mysecret", "my-secret", "supersecret", "super-secret", "placeholder", "example",
    "default", "insecure", "xxxxxx", "todo", "dummy", "password", "123456", "abcdef",
)
PLACEHOLDER_VALUES = frozenset({"secret", "jwt", "jwt-secret", "jwt_secret", "test", "dev", "development", "key"})
STACK_TRACE = re.compile(
    r"goroutine \d+ \[|panic: |\.go:\d+|Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+"
    r"|\bat [\w.$]+\([\w]+\.java:\d+\)"
)
GO_DURATION = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|μs|ms|s|m|h)")
DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
MAX_ACCESS_EXPIRY_SECONDS = 3600.0


# --- the env file ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Setting:
    name: str  # the name written in the file (may be an alias)
    wanted: str  # the name LinkFlow reads
    value: str
    line: int

    @property
    def where(self) -> str:
        alias = f" (alias of {self.wanted})" if self.name != self.wanted else ""
        return f"{self.name}{alias}, line {self.line}"


@dataclass
class EnvFile:
    path: str
    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    malformed_lines: list[int] = field(default_factory=list)

    def lookup(self, name: str) -> Setting | None:
        """The variable or one of its aliases, when set to a non-empty value."""
        for candidate in (name, *ALIASES.get(name, ())):
            value = self.values.get(candidate)
            if value:
                return Setting(candidate, name, value, self.lines[candidate])
        return None

    def secret_values(self) -> list[str]:
        found = [v for k, v in self.values.items() if SECRET_NAME.search(k)]
        found += [m.group(1) for v in self.values.values() for m in URL_PASSWORD.finditer(v)]
        return found


def unquote(rest: str) -> str:
    """A value as dotenv reads it: "double" (escapes), 'single' (literal), or bare up to ` #`."""
    if rest[:1] == '"':
        match = re.match(r'"((?:[^"\\]|\\.)*)"', rest)
        body = match.group(1) if match else rest[1:]
        escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "$": "$"}
        return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), body)
    if rest[:1] == "'":
        end = rest.find("'", 1)
        return rest[1:end] if end > 0 else rest[1:]
    return re.split(r"\s+#", rest, maxsplit=1)[0].strip()


EXPORT = re.compile(r"export\s+(?=[A-Za-z_])")
# A value that is only a reference to another variable (${NAME} or $NAME), resolved at run time.
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def parse_env(text: str, path: str) -> EnvFile:
    env = EnvFile(path)
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        export = EXPORT.match(stripped)
        if export:
            stripped = stripped[export.end():]
        name, separator, rest = stripped.partition("=")
        name = name.strip()
        if not separator or not VARIABLE_NAME.fullmatch(name):
            env.malformed_lines.append(number)
            continue
        env.values[name] = unquote(rest.strip())
        env.lines[name] = number
    return env


# Parsed once per file version: every config probe of a sweep reads the same file.
_PARSED: dict[str, tuple[tuple[int, int], EnvFile]] = {}


def read_env_file(path: str) -> EnvFile:
    try:
        stat = Path(path).stat()
        version = (stat.st_mtime_ns, stat.st_size)
        cached = _PARSED.get(path)
        if cached and cached[0] == version:
            return cached[1]
        text = Path(path).read_text(encoding="utf-8-sig")  # an editor's BOM is not part of the first name
    except FileNotFoundError:
        raise ProbeError(f"env file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProbeError(f"cannot read env file {path}: {exc}") from None
    env = parse_env(text, path)
    _PARSED[path] = (version, env)
    return env


async def load_env(ctx: ProbeContext) -> EnvFile:
    env = await asyncio.to_thread(read_env_file, str(ctx.setting("env.file")))
    for value in env.secret_values():
        ctx.hide(value)
    return env


def env_raw(env: EnvFile, *settings: Setting | None) -> dict[str, str]:
    raw = {"env_file": env.path}
    for setting in settings:
        if setting is not None:
            raw[setting.wanted] = setting.where
    if env.malformed_lines:
        raw["malformed_lines"] = ", ".join(map(str, env.malformed_lines))
    return raw


def unset(env: EnvFile, name: str, why: str, status: Status = Status.FAIL) -> Outcome:
    names = " / ".join((name, *ALIASES.get(name, ())))
    return outcome(status, f"{name} is not set: {why}", [Evidence(name, "set", f"not set ({names})", False)],
                   raw=env_raw(env))


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


# --- APP_DEBUG, in the file and from outside --------------------------------------------------------

def go_bool(value: str) -> bool | None:
    """Go's strconv.ParseBool; None when it would not parse."""
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


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


# --- secrets: JWT and the credential encryption key ------------------------------------------------

def looks_like_placeholder(value: str) -> bool:
    lowered = value.lower()
    return lowered in PLACEHOLDER_VALUES or any(fragment in lowered for fragment in PLACEHOLDER_FRAGMENTS)


def resolve_reference(env: EnvFile, setting: Setting) -> Setting:
    """A secret written as ${OTHER} (or $OTHER): judge OTHER when the file sets it; when it does not,
    the value comes from the environment at run time and the file cannot tell (error, not weak)."""
    seen = {setting.name}
    while (match := REFERENCE.fullmatch(setting.value.strip())) is not None:
        target = match.group(1) or match.group(2)
        value = env.values.get(target)
        if not value or target in seen:
            raise ProbeError(f"{setting.where} refers to ${{{target}}}, which the env file does not set: "
                             "the value comes from the environment at run time, could not judge it")
        seen.add(target)
        setting = Setting(setting.name, setting.wanted, value, setting.line)
    return setting


def strength_evidence(name: str, value: str) -> list[Evidence]:
    """Length, distinct characters and placeholder test; never the value itself."""
    return [
        Evidence(f"{name} length", f">= {MIN_SECRET_LENGTH} characters", str(len(value)),
                 len(value) >= MIN_SECRET_LENGTH),
        Evidence(f"{name} distinct characters", f">= {MIN_DISTINCT_CHARACTERS}", str(len(set(value))),
                 len(set(value)) >= MIN_DISTINCT_CHARACTERS),
        Evidence(f"{name} placeholder", "not a known placeholder",
                 "looks like a placeholder" if looks_like_placeholder(value) else "no", not looks_like_placeholder(value)),
    ]


def failed_labels(evidence: list[Evidence]) -> str:
    return ", ".join(e.label for e in evidence if e.ok is False)


@probe("config.jwt-secret")
async def jwt_secret(ctx: ProbeContext) -> Outcome:
    env = await load_env(ctx)
    setting = env.lookup("JWT_SECRET")
    if setting is None:
        return unset(env, "JWT_SECRET", "tokens cannot be signed securely")
    setting = resolve_reference(env, setting)
    ctx.hide(setting.value)
    evidence = strength_evidence("JWT_SECRET", setting.value)
    status = all_ok(evidence)
    summary = (f"JWT_SECRET strong: {len(setting.value)} characters, {len(set(setting.value))} distinct"
               if status is Status.PASS else f"JWT_SECRET weak: {failed_labels(evidence)}")
    return outcome(status, summary, evidence, raw=env_raw(env, setting))


def key_interpretations(value: str) -> dict[str, bytes]:
    """The bytes a key string may stand for: raw, hex, base64 (std or URL-safe)."""
    found = {"raw": value.encode()}
    if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", value):
        found["hex"] = bytes.fromhex(value)
    for label, text in (("base64", value), ("base64url", value.translate(str.maketrans("-_", "+/")))):
        try:
            found.setdefault(label, base64.b64decode(text + "=" * (-len(text) % 4), validate=True))
        except (binascii.Error, ValueError):
            pass
    return found


def derived_from_jwt(key: str, jwt: str | None) -> str | None:
    """How the key is derived from JWT_SECRET, or None."""
    if not jwt:
        return None
    derivations = {
        "equals the first 32 bytes of JWT_SECRET": jwt.encode()[:32],
        "equals JWT_SECRET": jwt.encode(),
        "is the SHA-256 of JWT_SECRET": hashlib.sha256(jwt.encode()).digest(),
    }
    interpretations = key_interpretations(key).values()
    for how, derived in derivations.items():
        if derived in interpretations:
            return how
    if len(key) >= 16 and (key in jwt or jwt in key):
        return "shares its text with JWT_SECRET"
    return None


def encryption_key_evidence(setting: Setting, jwt: str | None) -> list[Evidence]:
    sizes = {label: len(data) for label, data in key_interpretations(setting.value).items()}
    fitting = [label for label, size in sizes.items() if size == 32]
    size_text = f"32 bytes ({fitting[0]})" if fitting else f"{sizes['raw']} characters, no 32-byte reading"
    derived = derived_from_jwt(setting.value, jwt)
    return [
        Evidence(f"{setting.name} size", "32 bytes (AES-256), raw, hex or base64", size_text, bool(fitting)),
        Evidence(f"{setting.name} separate from JWT_SECRET", "not derived from JWT_SECRET", derived or "separate",
                 derived is None),
        Evidence(f"{setting.name} placeholder", "not a known placeholder",
                 "looks like a placeholder" if looks_like_placeholder(setting.value) else "no",
                 not looks_like_placeholder(setting.value)),
    ]


@probe("config.encryption-key")
async def encryption_key(ctx: ProbeContext) -> Outcome:
    env = await load_env(ctx)
    keys = [resolve_reference(env, s) for s in (env.lookup("ENCRYPTION_KEY"), env.lookup("CREDENTIAL_ENCRYPTION_KEY"))
            if s]
    for key in keys:
        ctx.hide(key.value)  # a ${REF} may name a variable whose name does not look secret
    if not keys:
        return outcome(
            Status.FAIL,
            "no ENCRYPTION_KEY or CREDENTIAL_ENCRYPTION_KEY: LinkFlow then encrypts stored credentials with "
            "the first 32 bytes of JWT_SECRET, so one leaked secret opens both",
            [Evidence("ENCRYPTION_KEY / CREDENTIAL_ENCRYPTION_KEY", "set", "not set", False)], raw=env_raw(env))
    jwt = env.lookup("JWT_SECRET")
    try:
        jwt = resolve_reference(env, jwt) if jwt else None
    except ProbeError:
        jwt = None  # JWT_SECRET comes from elsewhere: the key cannot be compared with it
    evidence = [line for key in keys for line in encryption_key_evidence(key, jwt.value if jwt else None)]
    status = all_ok(evidence)
    names = " and ".join(k.name for k in keys)
    summary = f"{names} set, 32 bytes, separate from JWT_SECRET" if status is Status.PASS else (
        f"{names}: {failed_labels(evidence)}")
    return outcome(status, summary, evidence, raw=env_raw(env, *keys))


# --- required variables, Sentry, token expiry ------------------------------------------------------

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


def go_duration_seconds(text: str) -> float | None:
    """Go's time.ParseDuration ("15m", "1h30m", "168h", "0"); None when it would not parse."""
    text = text.strip()
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    if body == "0":
        return 0.0
    if not body or GO_DURATION.sub("", body):
        return None
    return sign * sum(float(number) * DURATION_UNITS[unit] for number, unit in GO_DURATION.findall(body))


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

