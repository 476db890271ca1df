"""Where a team's state lives and how to reach it: `--state postgresql://...` or the profile's

    [state]
    url = "postgresql://console@db.internal:5432/linkflow_ops"
    password = { env = "LINKFLOW_STATE_PASSWORD" }   # or { keyring = "..." }; never a literal
    sslrootcert = "ca.pem"                            # TLS verified (verify-full) when given

A password is never part of the URL (it would land in shell history, `ps` and messages); without a
[state] password libpq's own PGPASSWORD or ~/.pgpass still apply.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from linkflow_console.errors import UserError
from linkflow_console.state.pg import is_store_url

if TYPE_CHECKING:
    from linkflow_console.probes.profile import Profile, SecretRef

CONNECT_TIMEOUT = 5  # seconds; a dead store costs one of these, then the console works offline


class StoreUnreachable(Exception):
    """The database could not be reached (network, server down): the console works offline."""


@dataclass(frozen=True)
class StoreSettings:
    url: str
    password: SecretRef | None = None
    sslrootcert: str | None = None
    connect_timeout: int = CONNECT_TIMEOUT

    @property
    def display(self) -> str:
        """The URL as shown in messages: it never holds a secret (refused at parse)."""
        return self.url

    @property
    def local_name(self) -> str:
        """A file-name-safe name for this store's local files (journal, cache): host, port and
        database, plus a hash of the whole URL so two stores never share a journal."""
        parts = urlsplit(self.url)
        readable = f"{parts.hostname or 'local'}_{parts.port or 5432}_{parts.path.strip('/') or 'db'}"
        readable = re.sub(r"[^A-Za-z0-9._-]+", "-", readable)[:80]
        digest = hashlib.sha256(self.url.encode()).hexdigest()[:10]
        return f"{readable}.{digest}"

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for psycopg.connect besides the URL; resolves the password now."""
        params: dict[str, Any] = {
            "connect_timeout": self.connect_timeout,
            "application_name": "linkflow-console",
            # a dead peer on a live connection is noticed in seconds, not after TCP's two hours
            "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3,
        }
        if self.sslrootcert:
            params["sslrootcert"] = self.sslrootcert
            if "sslmode" not in dict(parse_qsl(urlsplit(self.url).query)):
                params["sslmode"] = "verify-full"  # a trust anchor given means: verify the server
        if self.password is not None:
            from linkflow_console.secrets import SecretUnavailable, resolve

            try:
                params["password"] = resolve(self.password)
            except SecretUnavailable as exc:
                raise UserError(
                    f"the state store's password ({self.password.describe()}) is not available: {exc}",
                    fix="provide it as the profile's [state] password says, then run again",
                ) from None
        return params


def check_url(url: str, where: str = "--state") -> str:
    """The URL, or a UserError when it carries a password or is not a PostgreSQL URL."""
    if not is_store_url(url):
        raise UserError(f"{where} {url!r} is not a postgresql:// URL", fix="write postgresql://ROLE@HOST:PORT/DATABASE")
    parts = urlsplit(url)
    if parts.password is not None or "password" in dict(parse_qsl(parts.query)):
        raise UserError(
            f"{where} holds a password in the URL; secrets are never written there",
            fix='remove it and set the profile\'s [state] password = { env = "VAR" } (or { keyring = "..." }), or PGPASSWORD',
        )
    return url


def store_settings(state: str | None, profile: Profile | None) -> StoreSettings | None:
    """The store chosen by `--state URL` or the profile's [state] url; None for the file backend.

    A `--state FILE` wins over the profile's url (an operator may work on a local copy)."""
    profile_url = profile.get("state.url") if profile is not None else None
    if state is not None and not is_store_url(str(state)):
        return None
    url = str(state) if state is not None else profile_url
    if not url:
        return None
    check_url(url, "--state" if state is not None else "the profile's [state] url")
    password = profile.get("state.password") if profile is not None else None
    root_cert = profile.get("state.sslrootcert") if profile is not None else None
    return StoreSettings(url, password, root_cert)


def describe_error(exc: BaseException) -> str:
    """A libpq/server error on one line, without psycopg's prefix; never holds the password
    (libpq does not echo it, and the URL carries none)."""
    text = " ".join(str(exc).split())
    return text.removeprefix("connection failed: ") or type(exc).__name__


def connect(settings: StoreSettings, **extra: Any) -> Any:
    """A sync autocommit connection, or StoreUnreachable when the server cannot be reached.

    Authentication and TLS-verification failures are the user's to fix (UserError, exit 2): working
    offline would only hide them."""
    import psycopg

    params = settings.connect_kwargs() | extra
    try:
        return psycopg.connect(settings.url, autocommit=True, **params)
    except psycopg.OperationalError as exc:
        raise _classify(settings, exc) from None


async def connect_async(settings: StoreSettings, **extra: Any) -> Any:
    import psycopg

    params = settings.connect_kwargs() | extra
    try:
        return await psycopg.AsyncConnection.connect(settings.url, autocommit=True, **params)
    except psycopg.OperationalError as exc:
        raise _classify(settings, exc) from None


_USER_FAULTS = ("password authentication failed", "no password supplied", "does not exist", "certificate",
                "pg_hba.conf", "permission denied", "sslmode", "SSL is not enabled")


def _classify(settings: StoreSettings, exc: BaseException) -> Exception:
    message = describe_error(exc)
    if any(fault in message for fault in _USER_FAULTS):
        return UserError(f"cannot open the state store {settings.display}: {message}",
                         fix="check the role, its password, the database name and the TLS settings in [state]")
    return StoreUnreachable(f"{settings.display} cannot be reached: {message}")
