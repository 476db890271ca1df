"""Throwaway real servers on 127.0.0.1 for tests: shared helpers.

Each service has its own module here (fixtures that start and stop it). In CI (CI=true) a
missing server binary is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"

# Profile timeouts for tests. A probe bounds its own waits at 0.8 x the timeout; the engine cuts it
# off at the full timeout, measured from an earlier start. When the event loop runs late (a loaded
# 2-core CI machine) a margin of 0.2-0.4 s is eaten and the engine's generic "timed out after"
# replaces the probe's own reason. So:
# - a test that must see the probe's own bound fire uses OWN_BOUND_TIMEOUT: 4 s of waiting, then a
#   1 s margin before the engine's cut-off;
# - a test that must not time out at all uses GENEROUS_TIMEOUT: its verdict never depends on speed.
OWN_BOUND_TIMEOUT = 5.0
GENEROUS_TIMEOUT = 20.0


def need_binary(*names: str) -> str:
    """Path of the first binary found; skip the test locally, fail it in CI."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
        for directory in Path("/usr/lib/postgresql").glob("*/bin"):
            candidate = directory / name
            if candidate.exists():
                return str(candidate)
    message = f"{' or '.join(names)} is not installed (.ci/run installs it)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 15.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {host}:{port} after {timeout} s")


def stop(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def postgres_owned_dir(path: Path) -> Path:
    """A directory the `postgres` user owns (initdb refuses to run as root; tmp_path is 0700 root)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
        parent = path.parent
        while parent != parent.parent and parent.stat().st_mode & 0o005 != 0o005:
            parent.chmod(parent.stat().st_mode | 0o755)
            parent = parent.parent
    return path


@pytest.fixture
def silent_port():
    """A port that accepts TCP connections (the kernel's backlog) and never answers a byte.

    One per test: connections nobody accepts stay in the accept queue even after the client
    closes, so a session-wide port went silent at SYN level (a filtered port) once 65 had been
    made, and which test crossed that line depended on how many requests timing let run."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


@pytest.fixture
def refused_port() -> int:
    """A port nothing listens on: connections are refused."""
    return free_port()
