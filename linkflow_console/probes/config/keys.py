"""Configuration probes on secrets: the JWT secret's strength and the credential encryption key
(its size, and that it is not derived from JWT_SECRET). Values are judged, never shown."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, all_ok, outcome, probe
from linkflow_console.probes.config.envfile import REFERENCE, EnvFile, Setting
from linkflow_console.probes.config.shared import env_raw, load_env, unset
from linkflow_console.probes.context import ProbeContext


MIN_SECRET_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 10
# Lower-cased fragments of values copied from examples and tutorials.
PLACEHOLDER_FRAGMENTS = (
    "changeme", "change-me", "change_me", "changethis", "change-this", "replace", "your-", "your_", "yoursecret",
    "secret-key", "secretkey", "mysecret", "my-secret", "supersecret", "super-secret", "placeholder", "example",
    "default", "insecure", "xxxxxx", "todo", "dummy", "password", "123456", "abcdef",
)
PLACEHOLDER_VALUES = frozenset({"secret", "jwt", "jwt-secret", "jwt_secret", "test", "dev", "development", "key"})


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
