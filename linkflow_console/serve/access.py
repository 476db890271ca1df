"""Who may open a served console: tokens, the browser sessions they buy, and failed-attempt limits.

A token is exchanged once for an opaque session id held in an HttpOnly cookie, so the token never
stays in the address bar, the page, the history or a log line. Roles: a viewer (read-only) and
operators, each token mapping to the operator name their changes are recorded under.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import stat
import time
import tomllib
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from linkflow_console.errors import UserError

VIEWER_TOKEN_ENV = "LINKFLOW_SERVE_VIEWER_TOKEN"
OPERATOR_TOKENS_ENV = "LINKFLOW_SERVE_OPERATOR_TOKENS"  # "alice=TOKEN,bob=TOKEN"
TOKENS_FILE_ENV = "LINKFLOW_SERVE_TOKENS_FILE"
# what a served console is told (linkflow_console.tui.served reads them)
ROLE_ENV = "LINKFLOW_SERVE_ROLE"  # "operator" or anything else: a viewer
OPERATOR_ENV = "LINKFLOW_SERVE_OPERATOR"
KIOSK_ENV = "LINKFLOW_SERVE_KIOSK"
MIN_TOKEN_LENGTH = 16
SESSION_SECONDS = 7 * 24 * 3600  # a launch week on the war-room screen


@dataclass(frozen=True)
class Grant:
    """What a valid token (or the session cookie bought with it) lets a browser do."""

    role: str  # "viewer" or "operator"
    operator: str = ""

    @property
    def read_only(self) -> bool:
        return self.role != "operator"


VIEWER = Grant("viewer")


@dataclass
class Tokens:
    viewer: str
    operators: dict[str, str] = field(default_factory=dict)  # token -> operator name
    viewer_generated: bool = False

    def grant_for(self, presented: str) -> Grant | None:
        """Constant-time comparison against every token (no early exit that times the match)."""
        found: Grant | None = None
        given = presented.encode()
        if hmac.compare_digest(given, self.viewer.encode()):
            found = VIEWER
        for token, name in self.operators.items():
            if hmac.compare_digest(given, token.encode()):
                found = Grant("operator", name)
        return found

    def secrets(self) -> list[str]:
        return [self.viewer, *self.operators]


def _checked_token(token: str, where: str) -> str:
    token = token.strip()
    if len(token) < MIN_TOKEN_LENGTH or any(c.isspace() or c in ",;=" for c in token):
        raise UserError(f"a token from {where} is too short or has spaces, ',', ';' or '='",
                        fix=f"use at least {MIN_TOKEN_LENGTH} characters, e.g. `python3 -c 'import secrets; print(secrets.token_urlsafe(24))'`")
    return token


def _operator_name(name: str, where: str) -> str:
    name = name.strip()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-@ " for c in name):
        raise UserError(f"operator name {name!r} from {where} is not a plain name",
                        fix="use letters, digits, '.', '_', '-', '@' or spaces (at most 64)")
    return name


def _read_tokens_file(path: Path) -> tuple[str | None, dict[str, str]]:
    """TOML: `viewer = "TOKEN"` and `[operators]` with `alice = "TOKEN"` lines; mode 600 or stricter."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read the tokens file: {exc.strerror or exc}", path=path,
                        fix="pass an existing file with --tokens (see the README's access section)") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UserError("the tokens file is readable by other users", path=path, fix=f"chmod 600 {path}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"the tokens file is not valid TOML ({exc})", path=path,
                        fix='write viewer = "TOKEN" and an [operators] table of name = "TOKEN"') from None
    viewer = data.get("viewer")
    operators = data.get("operators", {})
    if (viewer is not None and not isinstance(viewer, str)) or not isinstance(operators, dict) or \
            not all(isinstance(v, str) for v in operators.values()):
        raise UserError("the tokens file has a value that is not a string", path=path,
                        fix='write viewer = "TOKEN" and an [operators] table of name = "TOKEN"')
    where = str(path)
    return (_checked_token(viewer, where) if viewer else None,
            {_checked_token(token, where): _operator_name(name, where) for name, token in operators.items()})


def load_tokens(tokens_file: str | None, environ: Mapping[str, str],
                generate: Callable[[], str] = lambda: secrets.token_urlsafe(24)) -> Tokens:
    """Tokens from the tokens file (--tokens or LINKFLOW_SERVE_TOKENS_FILE) and the environment;
    a viewer token is generated when none is given (and printed once by `serve`)."""
    viewer, operators = None, {}
    file_name = tokens_file or environ.get(TOKENS_FILE_ENV)
    if file_name:
        viewer, operators = _read_tokens_file(Path(file_name))
    if environ.get(VIEWER_TOKEN_ENV):
        viewer = _checked_token(environ[VIEWER_TOKEN_ENV], VIEWER_TOKEN_ENV)
    for pair in filter(None, (p.strip() for p in environ.get(OPERATOR_TOKENS_ENV, "").split(","))):
        name, sep, token = pair.partition("=")
        if not sep:
            raise UserError(f"{OPERATOR_TOKENS_ENV} holds an entry without '='", fix="write name=TOKEN pairs separated by commas")
        operators[_checked_token(token, OPERATOR_TOKENS_ENV)] = _operator_name(name, OPERATOR_TOKENS_ENV)
    generated = viewer is None
    viewer = viewer or generate()
    if viewer in operators:
        raise UserError("the viewer token is also an operator's token", fix="give operators their own tokens")
    return Tokens(viewer, operators, generated)


def child_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The server's environment without the tokens: a console process never holds one."""
    hidden = {VIEWER_TOKEN_ENV, OPERATOR_TOKENS_ENV, TOKENS_FILE_ENV}
    return {k: v for k, v in environ.items() if k not in hidden}


class FailureLimiter:
    """At most `limit` failed attempts per client address in `window` seconds, and `limit * 10`
    from everyone together (a spread-out guesser is slowed too)."""

    def __init__(self, limit: int = 5, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._by_client: dict[str, deque[float]] = {}
        self._everyone: deque[float] = deque()

    def _trim(self, times: deque[float], now: float) -> deque[float]:
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def blocked_for(self, client: str) -> float:
        """Seconds until `client` may try again (0: now)."""
        now = self.clock()
        mine = self._trim(self._by_client.get(client, deque()), now)
        everyone = self._trim(self._everyone, now)
        waits = [mine[0] + self.window - now] if len(mine) >= self.limit else []
        if len(everyone) >= self.limit * 10:
            waits.append(everyone[0] + self.window - now)
        return max(waits, default=0.0)

    def failed(self, client: str) -> None:
        now = self.clock()
        self._by_client.setdefault(client, deque()).append(now)
        self._everyone.append(now)
        if len(self._by_client) > 10_000:  # forget the quiet ones: memory stays bounded
            for key in [k for k, v in self._by_client.items() if not self._trim(v, now)]:
                del self._by_client[key]


class Sessions:
    """Browser sessions bought with a token: a cookie `ISSUED.SIGNATURE`, the signature an HMAC keyed
    with the token itself. Nothing is kept on the server, so a board survives a restart of `serve`
    (the kiosk reconnects by itself); a cookie dies after SESSION_SECONDS or when its token changes."""

    def __init__(self, tokens: Tokens, clock: Callable[[], float] = time.time) -> None:
        self.tokens = tokens
        self.clock = clock

    @staticmethod
    def _signature(token: str, issued: int) -> str:
        digest = hmac.new(token.encode(), f"linkflow-console session {issued}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def open(self, token: str) -> str:
        issued = int(self.clock())
        return f"{issued}.{self._signature(token, issued)}"

    def grant(self, cookie: str | None) -> Grant | None:
        issued_text, _, signature = (cookie or "").partition(".")
        if not issued_text.isdigit() or not signature:
            return None
        issued = int(issued_text)
        if not 0 <= self.clock() - issued < SESSION_SECONDS:
            return None
        found: Grant | None = None
        for token in self.tokens.secrets():  # every one compared: no early exit to time
            if hmac.compare_digest(self._signature(token, issued).encode(), signature.encode()):
                found = self.tokens.grant_for(token)
        return found


def console_environment(grant: Grant, kiosk: bool, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a served console starts with: the role, never a token."""
    env = child_environment(os.environ if base is None else base)
    env[ROLE_ENV] = grant.role
    env[OPERATOR_ENV] = grant.operator
    env[KIOSK_ENV] = "1" if kiosk else "0"
    return env
