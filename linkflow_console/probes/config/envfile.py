"""The env file as LinkFlow's services read it: KEY=VALUE lines (dotenv quoting, `export`,
comments, an editor's BOM), aliases of the variable names, and values as Go parses them
(booleans, durations). Pure: no probe context, unit-tested without a server."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from linkflow_console.limits import read_regular_text
from linkflow_console.probes.base import ProbeError

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

GO_DURATION = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|μs|ms|s|m|h)")
DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


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
        text = read_regular_text(Path(path), "env file", "utf-8-sig")  # a BOM is not part of the first name
    except FileNotFoundError:
        raise ProbeError(f"env file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProbeError(f"cannot read env file {path}: {exc}") from None
    except ValueError as exc:  # a pipe or device, or too large
        raise ProbeError(f"env file not read: {exc}") from None
    env = parse_env(text, path)
    _PARSED[path] = (version, env)
    return env


def go_bool(value: str) -> bool | None:
    """Go's strconv.ParseBool; None when it would not parse."""
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


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
