"""Checks of profile values at load: numbers within bounds, URLs and DSNs that parse, and no
secret in any form of connection string. Each returns why a value is refused, or None; the
profile loader turns that into an error naming file:line."""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# Documented in the README's Profile section: (lowest, highest), inclusive.
BOUNDS: dict[str, tuple[float, float]] = {
    "timeout": (0.01, 300),
    "concurrency": (1, 256),
    "refresh_interval": (0, 86400),
    "history_retention_days": (1, 3650),
    "api.latency_samples": (1, 1000),
    "api.database_port": (1, 65535),
    "api.internal_ports": (1, 65535),
    "s3.max_backup_age_hours": (0.01, 8760),
}
MAX_LIST = 256
MAX_TEXT = 4096
URL_SCHEMES = {"http", "https"}
REDIS_SCHEMES = {"redis", "rediss", "unix"}
POSTGRES_SCHEMES = {"postgres", "postgresql"}
_SECRET_PARAM = re.compile(r"pass(word)?|passwd|pwd|secret|token|api[_-]?key|access[_-]?key", re.IGNORECASE)
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _is_secret_name(name: str) -> bool:
    return bool(_SECRET_PARAM.search(name)) and name.lower() != "passfile"  # a file's path, not a secret


def number_problem(key: str, value: float) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{key} must be a finite number, not {value}"
    low, high = BOUNDS.get(key, (0, math.inf))
    if not low <= value <= high:
        upper = "" if high == math.inf else f" and {high:g}"
        return f"{key} must be between {low:g}{upper}, not {value:g}" if upper else f"{key} must be at least {low:g}, not {value:g}"
    return None


def text_problem(key: str, value: str) -> str | None:
    if len(value) > MAX_TEXT:
        return f"{key} is {len(value)} characters long (at most {MAX_TEXT})"
    if _CONTROL.search(value):
        return f"{key} holds a control character"
    return None


def _netloc_problem(key: str, scheme: str, netloc: str, *, host_required: bool) -> str | None:
    userinfo, _, hostport = netloc.rpartition("@")
    if ":" in userinfo:
        return f"{key} embeds a password in the URL"
    for part in hostport.split(",") if scheme in POSTGRES_SCHEMES else [hostport]:
        if part.startswith("["):
            host, bracket, rest = part[1:].partition("]")
            if not bracket:
                return f"{key} has an IPv6 address without its closing ']'"
            if not re.fullmatch(r"[0-9A-Fa-f:.]+(%\w+)?", host):
                return f"{key} has an invalid IPv6 address [{host}]"
            port = rest[1:] if rest.startswith(":") else None
            if rest and port is None:
                return f"{key} has text after the IPv6 address: {rest!r}"
        else:
            if "[" in part or "]" in part:
                return f"{key} has a stray '[' or ']' in its host"
            host, colon, port = part.partition(":")
            port = port if colon else None
            if host and not re.fullmatch(r"[A-Za-z0-9._~%-]+", host):
                return f"{key} has an invalid host {host!r}"
            if not host and host_required:
                return f"{key} names no host"
        if port is not None and not (port.isdigit() and 1 <= int(port) <= 65535):
            return f"{key} has port {port!r}; a port is a number from 1 to 65535"
    return None


def url_problem(key: str, value: str, schemes: set[str], *, host_required: bool = True) -> str | None:
    """A URL: one of `schemes`, a host, a port in range, no spaces, no password anywhere."""
    if _CONTROL_OR_SPACE.search(value):
        return f"{key} holds a space or control character"
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)", value)
    if not match or match.group(1).lower() not in schemes:
        wanted = "an http(s)" if schemes == URL_SCHEMES else "a " + " or ".join(f"{s}://" for s in sorted(schemes))
        return f"{key} is not {wanted} URL"
    scheme, netloc = match.group(1).lower(), match.group(2)
    problem = _netloc_problem(key, scheme, netloc, host_required=host_required and scheme != "unix")
    if problem:
        return problem
    if scheme not in POSTGRES_SCHEMES:  # several hosts are libpq's syntax only
        try:
            urlsplit(value).port
        except ValueError as exc:
            return f"{key} is not a valid URL ({exc})"
    query = value.split("?", 1)[1].split("#", 1)[0] if "?" in value else ""
    for name, _ in parse_qsl(query, keep_blank_values=True):
        if _is_secret_name(name):
            return f"{key} carries a secret in its query parameter {name!r}"
    return None


_KEYWORD = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s']*)")


def dsn_problem(key: str, value: str) -> str | None:
    """A libpq connection string: a postgres(ql):// URL or `key=value` pairs."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value):
        return url_problem(key, value, POSTGRES_SCHEMES, host_required=False)
    position, names = 0, []
    while position < len(value.rstrip()):
        match = _KEYWORD.match(value, position)
        if not match:
            return (f"{key} is neither a postgresql:// URL nor libpq 'key=value' pairs "
                    f"(cannot read it from character {position + 1})")
        names.append(match.group(1).lower())
        position = match.end()
    if not names:
        return f"{key} is empty"
    secret = next((n for n in names if _is_secret_name(n)), None)
    if secret:
        return f"{key} carries a secret in its {secret}= parameter"
    return None


def host_port_problem(key: str, value: str) -> str | None:
    """A `host:port` entry (a sentinel), IPv6 in brackets."""
    if _CONTROL_OR_SPACE.search(value):
        return f"{key} entry {value!r} holds a space or control character"
    problem = _netloc_problem(key, "tcp", value, host_required=True)
    if problem:
        return problem
    if not re.search(r":\d+$", value):
        return f"{key} entry {value!r} has no :port"
    return None


def value_problem(key: str, kind: str, value: Any) -> str | None:
    """The check a key's value gets beyond its type: bounds, URL and DSN shape."""
    if kind in ("int", "float"):
        return number_problem(key, value)
    if kind == "list[int]":
        if len(value) > MAX_LIST:
            return f"{key} has {len(value)} entries (at most {MAX_LIST})"
        return next((p for p in (number_problem(key, v) for v in value) if p), None)
    if kind == "list[str]":
        if len(value) > MAX_LIST:
            return f"{key} has {len(value)} entries (at most {MAX_LIST})"
        checks = (host_port_problem(key, v) if key == "redis.sentinels" else text_problem(key, v) for v in value)
        return next((p for p in checks if p), None)
    if not isinstance(value, str):
        return None
    problem = text_problem(key, value)
    if problem:
        return problem
    if kind == "url":
        return url_problem(key, value, URL_SCHEMES)
    if key == "redis.url":
        return url_problem(key, value, REDIS_SCHEMES)
    if key in ("postgres.dsn", "postgres.pooler_dsn"):
        return dsn_problem(key, value)
    if key == "api.openapi" and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value):
        return url_problem(key, value, URL_SCHEMES)
    return None
