"""Throwaway redis-server (and redis-sentinel) processes on 127.0.0.1 for the Redis probe tests.

`redis_factory(*config_args, tls=...)` starts one server per distinct configuration and stops
all of them at the end of the session. Servers never persist anything outside their own
temporary directory (`--save ""` unless the test asks for a save schedule).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import free_port, need_binary, stop, wait_for_port


@dataclass(frozen=True)
class TlsFiles:
    ca_file: Path
    cert_file: Path
    key_file: Path


@dataclass(frozen=True)
class RedisServer:
    port: int
    directory: Path
    tls: bool = False

    def url(self, db: int = 0) -> str:
        scheme = "rediss" if self.tls else "redis"
        return f"{scheme}://127.0.0.1:{self.port}/{db}"


RedisFactory = Callable[..., RedisServer]


@pytest.fixture(scope="session")
def redis_tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A trustme CA and a server certificate for localhost / 127.0.0.1."""
    import trustme

    directory = tmp_path_factory.mktemp("redis-tls")
    authority = trustme.CA()
    server_cert = authority.issue_cert("localhost", "127.0.0.1")
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    authority.cert_pem.write_to_path(str(files.ca_file))
    server_cert.cert_chain_pems[0].write_to_path(str(files.cert_file))
    server_cert.private_key_pem.write_to_path(str(files.key_file))
    return files


@pytest.fixture(scope="session")
def redis_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisFactory]:
    """Start a redis-server with extra config args (e.g. "--requirepass", "s3cret"); cached per config."""
    binary = need_binary("redis-server")
    processes: list[subprocess.Popen] = []
    started: dict[tuple, RedisServer] = {}

    def start(*config: str, tls: TlsFiles | None = None) -> RedisServer:
        cache_key = (config, tls)
        if cache_key in started:
            return started[cache_key]
        port = free_port()
        directory = tmp_path_factory.mktemp("redis")
        listen = ["--port", "0", "--tls-port", str(port), *_tls_args(tls)] if tls else ["--port", str(port)]
        args = [binary, *listen, "--bind", "127.0.0.1", "--dir", str(directory), "--save", "",
                "--daemonize", "no", "--logfile", str(directory / "redis.log"), *config]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(proc)
        wait_for_port(port, proc=proc)
        server = RedisServer(port, directory, tls=tls is not None)
        started[cache_key] = server
        return server

    yield start
    for proc in processes:
        stop(proc)


def _tls_args(tls: TlsFiles) -> list[str]:
    # tls-auth-clients defaults to "yes" (client certificates required); the probes have no client cert.
    return ["--tls-cert-file", str(tls.cert_file), "--tls-key-file", str(tls.key_file),
            "--tls-ca-cert-file", str(tls.ca_file), "--tls-auth-clients", "no"]


def start_sentinel(directory: Path, master_port: int, master_name: str = "mymaster") -> subprocess.Popen:
    """A redis-sentinel monitoring 127.0.0.1:master_port; the caller stops it. Returns after it listens."""
    binary = need_binary("redis-sentinel", "redis-server")
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / "sentinel.conf"  # sentinel rewrites its config file, so it must be writable
    conf.write_text(
        f"port {port}\nbind 127.0.0.1\ndir {directory}\nlogfile {directory / 'sentinel.log'}\n"
        f"sentinel monitor {master_name} 127.0.0.1 {master_port} 1\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen([binary, str(conf), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, proc=proc)
    proc.port = port  # type: ignore[attr-defined]
    return proc


def wait_for_replica(master: RedisServer, timeout: float = 15.0) -> None:
    """Block until the master reports a connected replica (fixture set-up, not a test assertion)."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=master.port, socket_timeout=2)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if int(client.info("replication").get("connected_slaves", 0)) >= 1:
                return
            time.sleep(0.1)
    finally:
        client.close()
    raise RuntimeError(f"no replica connected to 127.0.0.1:{master.port} after {timeout} s")
