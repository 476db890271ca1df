"""The profile: which deployment to probe. A TOML file whose keys are a contract.

Secrets are references, never literals: `{ env = "VAR" }` or `{ keyring = "service/name" }`.
Relative paths are resolved against the profile's own directory.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from linkflow_console.errors import ProfileError, line_of, parse_toml, read_text_file
from linkflow_console.paths import NAME_RULE, name_problem
from linkflow_console.probes.profile_checks import BOUNDS, value_problem


@dataclass(frozen=True, slots=True)
class Key:
    kind: str  # str, float, int, bool, list[int], list[str], secret, path, url
    default: Any = None
    doc: str = ""


SCHEMA: dict[str, Key] = {
    "name": Key("str", "default", "name of the environment; states are kept per name"),
    "timeout": Key("float", 5.0, "seconds per probe"),
    "concurrency": Key("int", 8, "probes run at once"),
    "refresh_interval": Key("float", 0.0, "seconds between automatic sweeps in the TUI; 0 = off"),
    "history_retention_days": Key("int", 30, "days of probe-result history shown and compared (check --since, the detail pane)"),
    "runbooks": Key("path", None, "directory of team runbooks that override the bundled ones"),
    "api.base_url": Key("url", None, "public HTTPS origin of the API"),
    "api.http_url": Key("url", None, "plain HTTP origin; default: base_url with http://"),
    "api.health_path": Key("str", "/api/v1/health"),
    "api.live_path": Key("str", "/api/v1/health/live"),
    "api.ready_path": Key("str", "/api/v1/health/ready"),
    "api.metrics_url": Key("url", None, "default: base_url + /metrics"),
    "api.login_path": Key("str", "/api/v1/auth/login"),
    "api.openapi": Key("str", None, "URL or file path of the OpenAPI document"),
    "api.frontend_origin": Key("url", None, "the origin CORS should allow"),
    "api.ca_file": Key("path", None, "extra trust anchor (PEM)"),
    "api.verify": Key("bool", True, "verify certificates"),
    "api.internal_ports": Key("list[int]", [5432, 6379, 9090, 9093, 9100]),
    "api.database_port": Key("int", 5432),
    "api.active_probes": Key("bool", False, "opt-in: login bursts for rate limit / lockout"),
    "api.probe_email": Key("str", None, "account the lockout probe may lock"),
    "api.probe_password": Key("secret", None, "a wrong password is sent; never the real one"),
    "api.latency_path": Key("str", None, "cheap GET for the p95 sample; default: live_path"),
    "api.latency_samples": Key("int", 20),
    "env.file": Key("path", None, "KEY=VALUE file the services run with"),
    "postgres.dsn": Key("str", None),
    "postgres.password": Key("secret", None),
    "postgres.sslrootcert": Key("path", None),
    "postgres.pooler_dsn": Key("str", None, "PgBouncer admin console"),
    "postgres.pooler_password": Key("secret", None),
    "postgres.password_hash_query": Key("str", None),
    "redis.url": Key("str", None, "redis:// or rediss://"),
    "redis.password": Key("secret", None),
    "redis.username": Key("str", None),
    "redis.ca_file": Key("path", None),
    "redis.queues": Key("list[str]", ["critical", "default", "low"]),
    "redis.sentinels": Key("list[str]", []),
    "redis.sentinel_master": Key("str", "mymaster"),
    "s3.endpoint_url": Key("url", None),
    "s3.region": Key("str", "us-east-1"),
    "s3.bucket": Key("str", None),
    "s3.backup_bucket": Key("str", None),
    "s3.backup_prefix": Key("str", "production/db/"),
    "s3.access_key_id": Key("secret", None),
    "s3.secret_access_key": Key("secret", None),
    "s3.max_backup_age_hours": Key("float", 26.0),
    "prometheus.url": Key("url", None),
    "prometheus.token": Key("secret", None),
    "alertmanager.url": Key("url", None),
    "launch.schedule": Key("path", None, "first-24-hours schedule TOML; default: bundled"),
    "state.url": Key("str", None, "postgresql:// URL of the team's state store (default: the local file)"),
    "state.password": Key("secret", None, "the state store role's password"),
    "state.sslrootcert": Key("path", None, "CA that signs the state store's certificate (verify-full)"),
    # probe sources: manifests, the repository, CDN and access-log retention (issue 13)
    "kubernetes.manifests": Key("list[str]", [], "manifest files or directories; '-' reads stdin (check only)"),
    "kubernetes.api": Key("str", "linkflow-api", "the api workload's name"),
    "kubernetes.worker": Key("str", "linkflow-worker", "the worker workload's name"),
    "kubernetes.scheduler": Key("str", "linkflow-scheduler", "the scheduler workload's name"),
    "kubernetes.data_services": Key("list[str]", [], "PostgreSQL/Redis Service names; default: by port or name"),
    "repository.path": Key("path", None, "git checkout holding CI workflows, tags, CHANGELOG, alert rules"),
    "api.static_path": Key("str", None, "a static asset on frontend_origin; default: found in its HTML"),
    "s3.access_log_retention_days": Key("int", 90, "documented retention of S3 access logs"),
}
TABLES = sorted({key.split(".")[0] for key in SCHEMA if "." in key})

_SECRET_IN_URL = re.compile(r"^[a-z0-9+.-]+://[^/@]*:[^/@]+@", re.IGNORECASE)


@dataclass(frozen=True)
class SecretRef:
    env: str | None = None
    keyring: str | None = None

    def describe(self) -> str:
        return f"env {self.env}" if self.env else f"keyring {self.keyring}"


@dataclass(frozen=True)
class Profile:
    values: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def name(self) -> str:
        return str(self.get("name"))

    @property
    def timeout(self) -> float:
        return float(self.get("timeout"))

    def get(self, key: str) -> Any:
        if key in self.values:
            return self.values[key]
        derived = _derived(self, key)
        if derived is not None:
            return derived
        return SCHEMA[key].default

    def is_known_and_set(self, key: str) -> bool:
        return key in SCHEMA and self.is_set(key)

    def is_set(self, key: str) -> bool:
        value = self.get(key)
        return value not in (None, False, "", [])


def _derived(profile: Profile, key: str) -> Any:
    base = profile.values.get("api.base_url")
    if not base:
        return None
    if key == "api.http_url":
        host = urlsplit(base).hostname or ""
        return f"http://[{host}]" if ":" in host else f"http://{host}"  # port 80, never the TLS port
    if key == "api.metrics_url":
        return base.rstrip("/") + "/metrics"
    if key == "api.latency_path":
        return profile.get("api.live_path")
    return None


def empty_profile() -> Profile:
    return Profile()


def load_profile(path: Path | str) -> Profile:
    path = Path(path)
    return parse_profile(read_text_file(path, "profile", ProfileError, "--profile"), path)


def parse_profile(text: str, path: Path) -> Profile:
    data = parse_toml(text, path, ProfileError)
    values: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, dict) and name in TABLES:
            for sub, subvalue in value.items():
                values[f"{name}.{sub}"] = subvalue
        else:
            values[name] = value
    base_dir = path.parent
    checked: dict[str, Any] = {}
    for key, value in values.items():
        checked[key] = _check(key, value, text, path, base_dir)
    return Profile(checked, path)


def _locate(text: str, key: str) -> int | None:
    if "." not in key:
        return line_of(text, f"{key} =") or line_of(text, key)
    table, sub = key.split(".", 1)
    start = line_of(text, f"[{table}]") or 1
    return line_of(text, f"{sub} =", start) or line_of(text, sub, start) or start


def _fix_for(key: str, kind: str) -> str:
    """What to write instead of a refused value (never echoing it: it may hold a secret)."""
    leaf = key.split(".")[-1]
    if key in BOUNDS:
        low, high = BOUNDS[key]
        return f"write {leaf} = a number from {low:g} to {high:g} (default {SCHEMA[key].default})"
    if key in ("postgres.dsn", "postgres.pooler_dsn"):
        return ('write dsn = "postgresql://user@host:5432/db" (or "host=... dbname=..."); '
                "put the password under password = { env = \"VAR\" }")
    if key == "redis.url":
        return 'write url = "redis://host:6379/0" (rediss:// for TLS); the password goes under password = { env = "VAR" }'
    if key == "redis.sentinels":
        return 'write sentinels = ["host:26379", "[::1]:26379"]'
    if kind == "url" or key == "api.openapi":
        return "write a URL like https://api.example.com (IPv6 as https://[::1]:8443); secrets go in *password/token keys as references"
    return f"correct {leaf} (see the profile keys in the README)"


def _check(key: str, value: Any, text: str, path: Path, base_dir: Path) -> Any:
    def fail(message: str, fix: str) -> ProfileError:
        return ProfileError(message, path=path, line=_locate(text, key), fix=fix)

    def within_bounds(checked: Any) -> None:
        problem = value_problem(key, spec.kind, checked)
        if problem:
            raise fail(problem, _fix_for(key, spec.kind))

    spec = SCHEMA.get(key)
    if spec is None:
        near = [k for k in SCHEMA if k.split(".")[-1] == key.split(".")[-1]]
        hint = f"did you mean {near[0]!r}?" if near else "see the profile keys in the README"
        raise fail(f"unknown key {key!r}", f"remove it; {hint}")
    kind = spec.kind
    if kind == "secret":
        if isinstance(value, str):
            raise fail(
                f"{key} holds a literal secret; secrets are never written in a profile",
                f'store it with `linkflow-console secret set {key}` and write {{ keyring = "linkflow/{key}" }},'
                f' or export it and write {{ env = "VAR" }}',
            )
        if not isinstance(value, dict) or set(value) not in ({"env"}, {"keyring"}) or not all(
            isinstance(v, str) and v for v in value.values()
        ):
            raise fail(f"{key} must be a secret reference", 'write { env = "VAR" } or { keyring = "service/name" }')
        return SecretRef(env=value.get("env"), keyring=value.get("keyring"))
    if kind in ("str", "url", "path"):
        if not isinstance(value, str):
            raise fail(f"{key} must be a string, not {type(value).__name__}", f'write {key.split(".")[-1]} = "..."')
        if _SECRET_IN_URL.match(value):
            raise fail(
                f"{key} embeds a password in the URL",
                "remove the password from the URL and reference it with the matching *password key",
            )
        within_bounds(value)
        if key == "name" and name_problem(value):
            raise fail(str(name_problem(value)), f'write name = "production": {NAME_RULE}')
        if kind == "path":
            return os.path.realpath(base_dir / value) if not Path(value).is_absolute() else value  # never raises on a link loop
        if key == "api.openapi" and not re.match(r"^https?://", value):
            return os.path.realpath(base_dir / value)
        return value.rstrip("/") if kind == "url" else value
    if kind == "bool":
        if not isinstance(value, bool):
            raise fail(f"{key} must be true or false", f"write {key.split('.')[-1]} = true")
        return value
    if kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind == "int" and isinstance(value, float)):
            raise fail(f"{key} must be a number", f"write {key.split('.')[-1]} = {spec.default}")
        within_bounds(value)
        return float(value) if kind == "float" else value
    if kind.startswith("list["):
        inner = int if kind == "list[int]" else str
        if not isinstance(value, list) or not all(isinstance(v, inner) and not isinstance(v, bool) for v in value):
            raise fail(f"{key} must be a list of {inner.__name__}", f"write {key.split('.')[-1]} = {spec.default!r}")
        within_bounds(value)
        return value
    raise AssertionError(kind)
