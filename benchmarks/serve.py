"""First paint and memory of `linkflow-console serve` for 1, 5 and 10 browser viewers, beside the
terminal console's first paint measured in the same run (ratios, never absolute limits).

First paint: from asking for the page (or starting the terminal console) until the console's
progress line is on screen: in the browser, in the page's text (xterm's accessibility tree); in the
terminal, in the bytes written to a pseudo-terminal. Memory: proportional set size (PSS, shared pages
split between the processes sharing them) of each session's console process, and the server's.

    .venv/bin/python benchmarks/serve.py [--rounds 3] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pty
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.serve.harness import VIEWER_TOKEN, launch, serving, wait_for_text  # noqa: E402

MARKER = "Overall"
VIEWERS = (1, 5, 10)


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def terminal_first_paint(state: Path) -> float:
    """Seconds until the terminal console has drawn its progress line, in a 160x48 pseudo-terminal."""
    import fcntl
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:  # the child: the console, as an operator starts it
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "160", "LINES": "48"})
        os.execv(sys.executable, [sys.executable, "-m", "linkflow_console", "--state", str(state)])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    started = time.perf_counter()
    seen = b""
    try:
        while MARKER.encode() not in seen:
            if time.perf_counter() - started > 60:
                raise RuntimeError("the terminal console drew nothing in 60 s")
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                seen = (seen + os.read(fd, 65536))[-200_000:]
        return time.perf_counter() - started
    finally:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
        os.close(fd)


async def browser_round(url: str, served, viewers: int) -> dict[str, float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 800})
            login = await context.new_page()
            await login.goto(f"{url}?token={VIEWER_TOKEN}")  # the cookie every tab of this browser shares
            await wait_for_text(login, MARKER, timeout=120)
            await login.close()
            await wait_for_consoles(served, 0)

            async def one_viewer() -> float:
                page = await context.new_page()
                started = time.perf_counter()
                await page.goto(url)
                await wait_for_text(page, MARKER, timeout=120)
                return time.perf_counter() - started

            paints = await asyncio.gather(*(one_viewer() for _ in range(viewers)))
            consoles = served.consoles()
            per_session = [pss_kib(pid) for pid in consoles]
            result = {
                "first_paint_median_s": statistics.median(paints),
                "first_paint_max_s": max(paints),
                "console_pss_mib": statistics.mean(per_session) / 1024 if per_session else 0.0,
                "server_pss_mib": pss_kib(served.process.pid) / 1024,
                "consoles": len(consoles),
            }
            await context.close()
            await wait_for_consoles(served, 0)
            return result
        finally:
            await browser.close()


async def wait_for_consoles(served, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while len(served.consoles()) != count and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["LINKFLOW_CONSOLE_DATA"] = folder
        state = Path(folder) / "bench.state.toml"
        subprocess.run([sys.executable, "-m", "linkflow_console", "--state", str(state), "note",
                        "security.auth.jwt-secret", "benchmark"], check=True, capture_output=True)
        terminal = statistics.median(terminal_first_paint(state) for _ in range(options.rounds))
        rows = {}
        with serving(state) as served:
            for viewers in VIEWERS:
                rounds = [asyncio.run(browser_round(served.url, served, viewers)) for _ in range(options.rounds)]
                rows[viewers] = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    if options.json:
        print(json.dumps({"terminal_first_paint_s": terminal, "browser": rows, "load_average": os.getloadavg()[0]}, indent=2))
        return 0
    print(f"terminal console first paint (pty 160x48): {terminal * 1000:.0f} ms   (median of {options.rounds};"
          f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"{'viewers':>7}  {'first paint median':>18}  {'slowest':>8}  {'vs terminal':>11}  {'PSS/session':>11}  {'server PSS':>10}")
    for viewers, row in rows.items():
        print(f"{viewers:>7}  {row['first_paint_median_s'] * 1000:>15.0f} ms  {row['first_paint_max_s'] * 1000:>5.0f} ms"
              f"  {row['first_paint_median_s'] / terminal:>10.2f}x  {row['console_pss_mib']:>7.1f} MiB  {row['server_pss_mib']:>6.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
