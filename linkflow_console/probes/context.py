"""What a probe gets to work with: settings, secrets, HTTP clients, a shared reachability cache."""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from linkflow_console.probes.base import ProbeError
from linkflow_console.probes.profile import Profile, SecretRef
from linkflow_console.timefmt import utc_now

if TYPE_CHECKING:
    import httpx

REDACTED = "••••"
T = TypeVar("T")


class ProbeContext:
    """One per sweep. Shared by concurrent probes, so a dead host costs one connect timeout."""

    def __init__(self, profile: Profile, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.profile = profile
        self.clock = clock
        self._shared: dict[Hashable, asyncio.Future[Any]] = {}
        self._secret_values: set[str] = set()
        self._ssl_context: ssl.SSLContext | None = None

    @property
    def timeout(self) -> float:
        return self.profile.timeout

    def setting(self, key: str) -> Any:
        return self.profile.get(key)

    async def secret(self, key: str) -> str | None:
        """The secret named by a profile key, or None when the profile does not set it.

        Raises ProbeError (status `error`) when the reference cannot be resolved."""
        ref = self.profile.get(key)
        if ref is None:
            return None
        assert isinstance(ref, SecretRef)
        from linkflow_console.secrets import SecretUnavailable, resolve

        try:
            value = await asyncio.to_thread(resolve, ref)
        except SecretUnavailable as exc:
            raise ProbeError(f"{key}: {exc}") from None
        self.hide(value)
        return value

    def hide(self, value: str | None) -> None:
        """Register a value that must never appear in a result (scrubbed by the engine)."""
        if value and len(value) >= 4:
            self._secret_values.add(value)

    def scrub(self, text: str) -> str:
        for value in self._secret_values:
            if value in text:
                text = text.replace(value, REDACTED)
        return text

    def ssl_context(self) -> ssl.SSLContext | bool:
        """One per sweep: loading the trust store costs tens of ms of CPU on the event loop."""
        if not self.setting("api.verify"):
            return False
        if self._ssl_context is None:
            context = ssl.create_default_context()
            ca_file = self.setting("api.ca_file")
            if ca_file:
                try:
                    context.load_verify_locations(ca_file)
                except (OSError, ssl.SSLError) as exc:  # could not tell: our trust anchor, not the target
                    raise ProbeError(f"cannot load api.ca_file {ca_file}: {getattr(exc, 'strerror', None) or exc}") from None
            self._ssl_context = context
        return self._ssl_context

    def http_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An httpx client with the profile's trust anchors and timeout; use `async with`."""
        import httpx

        kwargs.setdefault("timeout", httpx.Timeout(self.timeout * 0.8))
        kwargs.setdefault("verify", self.ssl_context())
        kwargs.setdefault("follow_redirects", False)
        kwargs.setdefault("headers", {"User-Agent": "linkflow-console"})
        return httpx.AsyncClient(**kwargs)

    async def ensure_reachable(self, url_or_host: str, port: int | None = None) -> None:
        """TCP-connect once per host:port per sweep; raise ProbeError when it cannot be reached."""
        if port is None:
            parts = urlsplit(url_or_host)
            host = parts.hostname or ""
            port = parts.port or (443 if parts.scheme in ("https", "rediss") else 80)
        else:
            host = url_or_host
        await self.shared(("reachable", host, port), lambda: self._connect(host, port))

    async def shared(self, key: Hashable, fetch: Callable[[], Awaitable[T]]) -> T:
        """Run `fetch` once per sweep for `key`: probes that read the same endpoint share one
        request (LinkFlow rate-limits its public routes, and a dead host costs one timeout)."""
        future = self._shared.get(key)
        if future is None:
            future = asyncio.ensure_future(fetch())
            self._shared[key] = future
        return await asyncio.shield(future)

    async def _connect(self, host: str, port: int) -> None:
        limit = self.timeout * 0.8
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), limit)
        except TimeoutError:
            raise ProbeError(f"{host}:{port} did not answer within {limit:.1f} s") from None
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else (exc.strerror or type(exc).__name__)
            raise ProbeError(f"cannot connect to {host}:{port}: {reason}") from None
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass
