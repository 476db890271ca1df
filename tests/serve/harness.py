"""A real `linkflow-console serve` on a free loopback port, its console processes, and Debian's
Chromium driven by playwright (never `playwright install`: the browser is the system's). Shared by
the tests in this folder and benchmarks/serve.py."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.servers import IN_CI, free_port, stop, wait_for_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWER_TOKEN = "viewer-token-for-tests-0123456789"
OPERATOR_TOKEN = "operator-token-for-alice-0123456789"
SERVED_MODULE = "linkflow_console.tui.served"


@dataclass
class Served:
    url: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def consoles(self) -> list[int]:
        """Console processes started by this server (any depth below it)."""
        return [pid for pid in descendants(self.process.pid) if SERVED_MODULE in cmdline(pid)]


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def serve_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINKFLOW_SERVE_")}
    env.update({"LINKFLOW_SERVE_VIEWER_TOKEN": VIEWER_TOKEN,
                "LINKFLOW_SERVE_OPERATOR_TOKENS": f"alice={OPERATOR_TOKEN}", **extra})
    return env


@contextmanager
def serving(state: Path, *args: str, env: dict[str, str] | None = None, scheme: str = "http") -> Iterator[Served]:
    port = free_port()
    log = state.with_name(f"serve-{port}.log")
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "linkflow_console", "serve", "--state", str(state), "--port", str(port), *args],
            stdout=out, stderr=subprocess.STDOUT, env=env or serve_env(), start_new_session=True,
        )
    served = Served(f"{scheme}://127.0.0.1:{port}/", process, log)
    try:
        wait_for_port(port, proc=process, timeout=30)
        yield served
    finally:
        consoles = served.consoles()
        stop(process, timeout=15)
        _no_orphans(consoles)


def _no_orphans(pids: list[int], timeout: float = 10.0) -> None:
    """A stopped server ends the consoles it started (they must not outlive it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in pids):
        time.sleep(0.1)
    left = [pid for pid in pids if Path(f"/proc/{pid}").exists() and SERVED_MODULE in cmdline(pid)]
    for pid in left:
        os.kill(pid, 9)
    assert not left, f"console processes outlived their server: {left}"


def need_browser():
    """playwright's async API, after checking Chromium is there: skipped locally, failed in CI."""
    import pytest

    missing = [] if Path(CHROMIUM).exists() else [f"{CHROMIUM} (apt-get install chromium)"]
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        missing.append("playwright's python package (pip install -e '.[test]')")
    if missing:
        message = f"{' and '.join(missing)} missing; .ci/run installs them"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return async_playwright


async def launch(playwright):
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)


SCREEN_TEXT = "(() => { const t = document.querySelector('.xterm-accessibility-tree'); return t ? t.innerText : ''; })()"


async def screen_text(page) -> str:
    return await page.evaluate(SCREEN_TEXT)


async def wait_for_text(page, needle: str, timeout: float = 30.0) -> str:
    """The console's text in the page once it contains `needle`."""
    import asyncio

    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = await screen_text(page)
        if needle in text:
            return text
        await asyncio.sleep(0.1)
    raise AssertionError(f"{needle!r} never reached the page; it shows:\n{text}")
