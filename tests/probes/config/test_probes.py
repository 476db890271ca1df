"""config.* probes: env files written to tmp_path; app-debug also against the LinkFlow-like API."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from linkflow_console.probes.base import Status
from linkflow_console.probes.context import REDACTED, ProbeContext
from linkflow_console.probes.engine import run_probe
from linkflow_console.probes.profile import parse_profile
from tests.servers.api import ApiServer, evidence_line, run_with_profile

STRONG_JWT = "q7F2vX9kLm4Rt8Yp1Wz6Hc3Nb5Jd0Gs2Ae7Ku9Qx"
ENCRYPTION_KEY = base64.b64encode(bytes(range(40, 72))).decode()  # 32 bytes, base64
DB_PASSWORD = "pg-pass-9f8e7d6c"
PRODUCTION_ENV = f"""\
# LinkFlow production settings
APP_ENVIRONMENT=production
APP_DEBUG=false
APP_URL=https://api.example.com
APP_FRONTEND_URL=https://app.example.com
DATABASE_HOST=db.internal
DATABASE_USER=linkflow
DATABASE_PASSWORD="{DB_PASSWORD}"
DATABASE_NAME=linkflow
REDIS_URL=redis://:redis-pass-1234@redis.internal:6379/0
JWT_SECRET='{STRONG_JWT}'
JWT_ACCESS_EXPIRY=15m
JWT_REFRESH_EXPIRY=168h
ENCRYPTION_KEY={ENCRYPTION_KEY}
S3_BUCKET=linkflow-production
S3_ACCESS_KEY_ID=AKIAEXAMPLEKEY
S3_SECRET_ACCESS_KEY=s3-secret-value-abc
LOG_FORMAT=json  # shipped to Loki
SENTRY_DSN=https://0123456789abcdef@o12345.ingest.sentry.io/4242
"""


def write_env(tmp_path: Path, text: str = PRODUCTION_ENV, **overrides: str | None) -> None:
    """The production env file with some variables replaced (None removes the line)."""
    lines = [line for line in text.splitlines() if line.split("=", 1)[0] not in overrides]
    lines += [f"{name}={value}" for name, value in overrides.items() if value is not None]
    (tmp_path / "production.env").write_text("\n".join(lines) + "\n")


async def run(probe_id: str, tmp_path: Path, api_url: str | None = None):
    api_table = f'[api]\nbase_url = "{api_url}"\n' if api_url else ""
    return await run_with_profile(probe_id, f'[env]\nfile = "production.env"\n{api_table}', tmp_path)


# (probe, env file overrides, status, evidence label, its expected actual): one configuration each.
VERDICTS = [
    ("config.app-environment", {}, Status.PASS, "APP_ENVIRONMENT", "production"),
    ("config.app-environment", {"APP_ENVIRONMENT": "staging"}, Status.FAIL, "APP_ENVIRONMENT", "staging"),
    ("config.app-debug", {}, Status.PASS, "APP_DEBUG", "false"),
    ("config.app-debug", {"APP_DEBUG": None}, Status.FAIL, "APP_DEBUG", "not set (LinkFlow defaults to true)"),
    ("config.app-debug", {"APP_DEBUG": "true"}, Status.FAIL, "APP_DEBUG", "true"),
    ("config.app-debug", {"APP_DEBUG": "no"}, Status.FAIL, "APP_DEBUG", "'no' is not a boolean"),
    ("config.jwt-secret", {}, Status.PASS, "JWT_SECRET length", str(len(STRONG_JWT))),
    ("config.jwt-secret", {"JWT_SECRET": "k3Y9x!Qw"}, Status.FAIL, "JWT_SECRET length", "8"),
    ("config.jwt-secret", {"JWT_SECRET": "your-super-secret-jwt-key-change-in-production"}, Status.FAIL,
     "JWT_SECRET placeholder", "looks like a placeholder"),
    ("config.jwt-secret", {"JWT_SECRET": "ab01" * 10}, Status.FAIL, "JWT_SECRET distinct characters", "4"),
    ("config.encryption-key", {}, Status.PASS, "ENCRYPTION_KEY size", "32 bytes (base64)"),
    ("config.encryption-key", {"ENCRYPTION_KEY": bytes(range(100, 132)).hex()}, Status.PASS,
     "ENCRYPTION_KEY size", "32 bytes (hex)"),
    ("config.encryption-key", {"ENCRYPTION_KEY": "short-key-9f8e7d6c"}, Status.FAIL,
     "ENCRYPTION_KEY size", "18 characters, no 32-byte reading"),
    ("config.encryption-key", {"ENCRYPTION_KEY": None, "CREDENTIAL_ENCRYPTION_KEY": STRONG_JWT[:32]}, Status.FAIL,
     "CREDENTIAL_ENCRYPTION_KEY separate from JWT_SECRET", "equals the first 32 bytes of JWT_SECRET"),
    ("config.required-vars", {}, Status.PASS, "database", "set"),
    ("config.required-vars", {"DATABASE_HOST": None}, Status.FAIL, "database", "missing DATABASE_HOST"),
    ("config.log-format", {}, Status.PASS, "LOG_FORMAT", "json"),
    ("config.log-format", {"LOG_FORMAT": "text"}, Status.FAIL, "LOG_FORMAT", "text"),
    ("config.log-format", {"LOG_FORMAT": None}, Status.WARN, "LOG_FORMAT", "not set (LOG_FORMAT)"),
    ("config.sentry", {}, Status.PASS, "SENTRY_DSN", "a DSN for o12345.ingest.sentry.io, project 4242"),
    ("config.sentry", {"SENTRY_DSN": "sentry.io/my-project"}, Status.FAIL, "SENTRY_DSN", "malformed"),
    ("config.sentry", {"SENTRY_DSN": None}, Status.FAIL, "SENTRY_DSN", "not set (SENTRY_DSN)"),
    ("config.token-expiry", {}, Status.PASS, "JWT_REFRESH_EXPIRY", "168h (7 d)"),
    ("config.token-expiry", {"JWT_ACCESS_EXPIRY": "1h30m"}, Status.WARN, "JWT_ACCESS_EXPIRY", "1h30m (1.5 h)"),
    ("config.token-expiry", {"JWT_ACCESS_EXPIRY": "15 minutes"}, Status.FAIL, "JWT_ACCESS_EXPIRY",
     "'15 minutes' is not a positive Go duration"),
    ("config.token-expiry", {"JWT_REFRESH_EXPIRY": None}, Status.FAIL, "JWT_REFRESH_EXPIRY",
     "not set (LinkFlow's default 168h applies)"),
]


@pytest.mark.parametrize(("probe_id", "overrides", "status", "label", "actual"), VERDICTS)
async def test_verdict(probe_id: str, overrides: dict[str, str | None], status: Status, label: str, actual: str,
                       tmp_path: Path) -> None:
    write_env(tmp_path, **overrides)
    result = await run(probe_id, tmp_path)
    assert result.status is status, result.summary
    assert evidence_line(result, label).actual == actual


@pytest.mark.parametrize("probe_id", ["config.jwt-secret", "config.encryption-key", "config.sentry"])
async def test_secret_values_never_appear_in_results(probe_id: str, tmp_path: Path) -> None:
    write_env(tmp_path)
    text = json.dumps((await run(probe_id, tmp_path)).to_dict())
    assert STRONG_JWT not in text and ENCRYPTION_KEY not in text and "0123456789abcdef" not in text


async def test_placeholder_secret_is_not_shown_either(tmp_path: Path) -> None:
    write_env(tmp_path, JWT_SECRET="your-super-secret-jwt-key-change-in-production")
    result = await run("config.jwt-secret", tmp_path)
    assert result.status is Status.FAIL
    assert "your-super" not in json.dumps(result.to_dict())


async def test_alias_export_and_quotes(tmp_path: Path) -> None:
    write_env(tmp_path, "# comment\nexport APP_ENV=\"production\"  # inline comment\n")
    result = await run("config.app-environment", tmp_path)
    assert result.status is Status.PASS, result.summary
    assert result.raw["APP_ENVIRONMENT"] == "APP_ENV (alias of APP_ENVIRONMENT), line 2"


async def test_missing_env_file_is_error(tmp_path: Path) -> None:
    result = await run("config.app-environment", tmp_path)
    assert result.status is Status.ERROR
    assert "env file not found" in result.summary


async def test_changed_file_is_read_again(tmp_path: Path) -> None:
    write_env(tmp_path, APP_ENVIRONMENT="development")
    assert (await run("config.app-environment", tmp_path)).status is Status.FAIL
    write_env(tmp_path)
    assert (await run("config.app-environment", tmp_path)).status is Status.PASS


async def test_app_debug_clean_error_responses_pass(api: ApiServer, tmp_path: Path) -> None:
    write_env(tmp_path)
    result = await run("config.app-debug", tmp_path, api.url)
    assert result.status is Status.PASS, result.summary
    assert evidence_line(result, "POST /api/v1/auth/login (400)").actual == "none"


async def test_app_debug_stack_trace_from_outside_fails(api: ApiServer, tmp_path: Path) -> None:
    write_env(tmp_path)
    api.behaviour.stack_traces = True
    result = await run("config.app-debug", tmp_path, api.url)
    assert result.status is Status.FAIL
    assert "panic: runtime error" in evidence_line(result, "POST /api/v1/auth/login (400)").actual


async def test_app_debug_unreachable_api_is_error(refused_port: int, tmp_path: Path) -> None:
    write_env(tmp_path)
    result = await run("config.app-debug", tmp_path, f"http://127.0.0.1:{refused_port}")
    assert result.status is Status.ERROR
    assert "could not be checked" in result.summary


async def test_encryption_key_unset_fails_explaining_fallback(tmp_path: Path) -> None:
    write_env(tmp_path, ENCRYPTION_KEY=None)
    result = await run("config.encryption-key", tmp_path)
    assert result.status is Status.FAIL
    assert "first 32 bytes of JWT_SECRET" in result.summary


async def test_required_vars_missing_are_listed(tmp_path: Path) -> None:
    write_env(tmp_path, APP_FRONTEND_URL=None, DATABASE_PASSWORD=None, REDIS_URL=None)
    result = await run("config.required-vars", tmp_path)
    assert result.status is Status.FAIL
    assert result.summary == "missing: APP_FRONTEND_URL, DATABASE_PASSWORD, REDIS_URL or REDIS_HOST"
    assert result.values["missing_required"] == 3


async def test_required_vars_accept_aliases_and_warn_without_s3_keys(tmp_path: Path) -> None:
    env = PRODUCTION_ENV.replace("DATABASE_", "DB_").replace("S3_ACCESS_KEY_ID", "S3_ACCESS_KEY")
    write_env(tmp_path, env, S3_SECRET_ACCESS_KEY=None)
    result = await run("config.required-vars", tmp_path)
    assert result.status is Status.WARN, result.summary
    assert evidence_line(result, "S3 credentials").actual == "missing S3_SECRET_ACCESS_KEY"


async def test_secret_values_from_env_file_are_hidden(tmp_path: Path) -> None:
    write_env(tmp_path)
    ctx = ProbeContext(parse_profile('[env]\nfile = "production.env"\n', tmp_path / "profile.toml"))
    await run_probe("config.log-format", ctx)
    for secret in (DB_PASSWORD, "redis-pass-1234", "s3-secret-value-abc", STRONG_JWT, ENCRYPTION_KEY):
        assert ctx.scrub(f"x {secret} y") == f"x {REDACTED} y"
    assert ctx.scrub("production") == "production"


async def test_bom_crlf_export_tab_and_spacing(tmp_path: Path) -> None:
    # Written by a Windows editor: a UTF-8 BOM before the first name, CRLF line ends.
    text = "APP_ENVIRONMENT = production\r\nexport\tLOG_FORMAT = \"json\"\r\nAPP_DEBUG=false\r\n"
    (tmp_path / "production.env").write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = await run("config.app-environment", tmp_path)
    assert result.status is Status.PASS, result.summary
    assert result.raw["APP_ENVIRONMENT"] == "APP_ENVIRONMENT, line 1"
    assert "malformed_lines" not in result.raw
    assert (await run("config.log-format", tmp_path)).status is Status.PASS


async def test_secret_given_as_an_undefined_reference_is_error_not_weak(tmp_path: Path) -> None:
    # JWT_SECRET=${LINKFLOW_JWT}: the value comes from the environment at run time; 15 characters of
    # "${LINKFLOW_JWT}" say nothing about its strength.
    write_env(tmp_path, JWT_SECRET="${LINKFLOW_JWT}")
    result = await run("config.jwt-secret", tmp_path)
    assert result.status is Status.ERROR, result.summary
    assert "refers to" in result.summary and "could not judge" in result.summary


async def test_secret_given_as_a_reference_defined_in_the_file_is_judged(tmp_path: Path) -> None:
    write_env(tmp_path, JWT_SECRET="${SIGNING}", SIGNING=STRONG_JWT, ENCRYPTION_KEY="$AES", AES=ENCRYPTION_KEY)
    result = await run("config.jwt-secret", tmp_path)
    assert result.status is Status.PASS, result.summary
    assert evidence_line(result, "JWT_SECRET length").actual == str(len(STRONG_JWT))
    key = await run("config.encryption-key", tmp_path)
    assert key.status is Status.PASS, key.summary
    assert ENCRYPTION_KEY not in json.dumps(key.to_dict()) and STRONG_JWT not in json.dumps(result.to_dict())


async def test_a_pipe_or_an_oversized_env_file_is_error_never_a_hang(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "production.env")  # opening it would block until a writer came
    result = await run("config.app-environment", tmp_path)
    assert result.status is Status.ERROR
    assert "not a regular file" in result.summary
    (tmp_path / "production.env").unlink()
    (tmp_path / "production.env").write_text("APP_ENVIRONMENT=production\n" + "# padding\n" * 500_000)  # ~5 MiB
    result = await run("config.app-environment", tmp_path)
    assert result.status is Status.ERROR
    assert "too large for an env file" in result.summary


async def test_windows_line_endings_and_a_bom_read_as_usual(tmp_path: Path) -> None:
    (tmp_path / "production.env").write_bytes("\ufeffAPP_ENVIRONMENT=production\r\nAPP_DEBUG=false\r\n".encode())
    result = await run("config.app-environment", tmp_path)
    assert result.status is Status.PASS, result.summary
    assert evidence_line(result, "APP_ENVIRONMENT").actual == "production"
