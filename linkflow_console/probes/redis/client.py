"""Talking to Redis: the target named by redis.url, clients without retries, and errors turned
into "could not tell".

All talk goes through redis.asyncio clients built by `new_client`: no retries (redis-py 8
retries ConnectionError, and AuthenticationError is one, so a wrong password would cost
seconds) and connect/read timeouts shorter than the probe's. redis-py is imported inside the
functions so that opening the console never pays for it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from linkflow_console.probes.base import ProbeError
from linkflow_console.probes.context import ProbeContext

if TYPE_CHECKING:
    from redis.asyncio import Redis

@dataclass(frozen=True, slots=True)
class RedisTarget:
    host: str
    port: int
    db: int
    tls: bool
    username: str | None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def redis_target(ctx: ProbeContext) -> RedisTarget:
    url = str(ctx.setting("redis.url"))
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ProbeError(f"redis.url must start with redis:// or rediss://, not {url!r}")
    if not parts.hostname:
        raise ProbeError(f"redis.url names no host: {url!r}")
    path = parts.path.strip("/")
    if path and not path.isdigit():
        raise ProbeError(f"redis.url path must be a database number, not {path!r}")
    try:
        port = parts.port or 6379
    except ValueError:
        raise ProbeError(f"redis.url has an invalid port: {url!r}") from None
    return RedisTarget(
        host=parts.hostname,
        port=port,
        db=int(path or 0),
        tls=parts.scheme == "rediss",
        username=ctx.setting("redis.username") or parts.username,
    )


def new_client(
    ctx: ProbeContext, host: str, port: int, *, tls: bool, db: int = 0,
    username: str | None = None, password: str | None = None,
) -> Redis:
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    limit = ctx.timeout * 0.8
    options: dict[str, Any] = {
        "host": host, "port": port, "db": db, "username": username, "password": password,
        "socket_connect_timeout": limit, "socket_timeout": limit,
        "retry": Retry(NoBackoff(), 0),
        "protocol": 2,  # RESP2: no HELLO, so Redis 5/6 and managed services answer the same way
        "single_connection_client": True,
    }
    if tls:
        options.update(ssl=True, ssl_ca_certs=ctx.setting("redis.ca_file"))
    return Redis(**options)


@contextmanager
def redis_errors(address: str, *, with_password: bool) -> Iterator[None]:
    """Turn redis-py's exceptions into ProbeError: the probe could not tell, and why."""
    from redis import exceptions

    try:
        yield
    except exceptions.AuthenticationError as exc:
        if with_password:
            raise ProbeError(f"probe credentials rejected by {address}: {exc}") from None
        raise ProbeError(f"{address} requires a password: set redis.password in the profile") from None
    except exceptions.TimeoutError:
        raise ProbeError(f"{address} did not answer in time") from None
    except exceptions.ConnectionError as exc:
        raise ProbeError(f"cannot talk to Redis at {address}: {exc}") from None
    except exceptions.ResponseError as exc:
        raise ProbeError(f"{address} refused a command: {exc}") from None


# AUTH refusals that mean "this server has no password at all" (Redis 6+ and 5), not "wrong password".
NO_PASSWORD_CONFIGURED = ("called without any password configured", "no password is set")


@asynccontextmanager
async def session(ctx: ProbeContext) -> AsyncIterator[Redis]:
    """A connected client for redis.url; errors inside the block become ProbeError."""
    target = redis_target(ctx)
    await ctx.ensure_reachable(target.host, target.port)
    password = await ctx.secret("redis.password")
    client = await _connected(ctx, target, password)
    try:
        with redis_errors(target.address, with_password=password is not None):
            yield client
    finally:
        await client.aclose()


async def _connected(ctx: ProbeContext, target: RedisTarget, password: str | None) -> Redis:
    """Connect (and AUTH) now. A server with no password at all refuses the AUTH: it is open,
    so it is read without one and judged (the password only ever went to redis.url's server)."""
    from redis import exceptions

    client = new_client(ctx, target.host, target.port, tls=target.tls, db=target.db,
                        username=target.username, password=password)
    try:
        with redis_errors(target.address, with_password=password is not None):
            try:
                return await client.initialize()
            except exceptions.AuthenticationError as exc:
                if password is None or not any(marker in str(exc) for marker in NO_PASSWORD_CONFIGURED):
                    raise
    except BaseException:
        await client.aclose()
        raise
    await client.aclose()
    return await _connected(ctx, target, None)


async def config_value(client: Redis, name: str) -> str | None:
    """CONFIG GET name, or None where CONFIG is disabled or not permitted (managed Redis)."""
    from redis import exceptions

    try:
        reply = await client.config_get(name)
    except exceptions.ResponseError:
        return None
    value = reply.get(name)
    return as_text(value) if value is not None else None


async def server_info(ctx: ProbeContext, *sections: str) -> dict[str, Any]:
    async with session(ctx) as client:
        merged: dict[str, Any] = {}
        for section in sections:
            merged.update(await client.info(section))
        return merged


def as_text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def int_field(info: dict[str, Any], key: str, default: int = 0) -> int:
    try:
        return int(info.get(key, default))
    except (TypeError, ValueError):
        return default


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
