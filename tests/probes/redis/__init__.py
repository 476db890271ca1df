"""Redis and Asynq probes against real redis-server / redis-sentinel processes on 127.0.0.1:
the helpers every module here shares."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis

from linkflow_console.probes.base import ProbeResult
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.engine import run_probe
from linkflow_console.probes.profile import parse_profile
from tests.servers.redis import RedisServer

PASSWORD = "probe-pass-7f3a9c"
PASSWORD_ENV = "LINKFLOW_TEST_REDIS_PASSWORD"

async def check(probe_id: str, tmp_path: Path, url: str, extra: str = "", clock=None) -> ProbeResult:
    text = f'timeout = 3.0\n[redis]\nurl = "{url}"\n{extra}'
    profile = parse_profile(text, tmp_path / "profile.toml")
    ctx = ProbeContext(profile, clock=clock) if clock else ProbeContext(profile)
    return await run_probe(probe_id, ctx)


def evidence(result: ProbeResult, label: str) -> str:
    return next(e.actual for e in result.evidence if e.label == label)


def with_password(monkeypatch: pytest.MonkeyPatch, password: str = PASSWORD) -> str:
    monkeypatch.setenv(PASSWORD_ENV, password)
    return f'password = {{ env = "{PASSWORD_ENV}" }}\n'


def client_for(server: RedisServer, password: str | None = None) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=server.port, password=password, socket_timeout=5)


# --- protobuf as protobuf-go writes it (asynq's ServerInfo) ------------------------------


def pb_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def pb_field(number: int, value: int | str | bytes) -> bytes:
    if isinstance(value, int):
        return pb_varint(number << 3) + pb_varint(value)
    data = value.encode() if isinstance(value, str) else value
    return pb_varint(number << 3 | 2) + pb_varint(len(data)) + data


def server_info(queues: dict[str, int], host: str = "worker-1", pid: int = 4242) -> bytes:
    """asynq.proto ServerInfo, encoded field by field as protobuf-go would."""
    start_time = pb_field(1, int(time.time())) + pb_field(2, 123)
    return (pb_field(1, host) + pb_field(2, pid) + pb_field(3, "0b1c2d3e") + pb_field(4, 10)
            + b"".join(pb_field(5, pb_field(1, q) + pb_field(2, w)) for q, w in queues.items())
            + pb_field(7, "active") + pb_field(8, start_time) + pb_field(9, 2))
