"""A sweep against local targets with one slow probe, a sweep against a hung host, and keypress
latency while a sweep runs.

Prints: sweep wall time / slowest single probe (target <= 1.2: probes really run concurrently);
a sweep of every probe against a host that accepts connections and never answers, its wall time
/ the probe timeout (target <= 1.2: a hung host costs one timeout, however many probes wait on
it), next to the same sweep with the pool holding a slot for the whole probe (the old engine);
and keypress-to-repaint latency p95 in the TUI while a sweep runs (target < 50 ms), next to the
same latency with no sweep (the baseline measured in this run).  Usage: python benchmarks/sweep.py
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SLOW_SECONDS = 1.5
OPENAPI = "openapi: 3.0.3\ninfo: {title: LinkFlow, version: '1'}\npaths: {}\n"
METRICS = "# TYPE linkflow_http_requests_total counter\nlinkflow_http_requests_total{method=\"GET\",path=\"/\",status=\"200\"} 1\n"


class Target(BaseHTTPRequestHandler):
    """A LinkFlow-ish API: fast health, live, ready and metrics; one slow document."""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        body, kind = b'{"success":true,"data":{"status":"ok"}}', "application/json"
        if self.path == "/api/v1/health":
            body = b'{"success":true,"data":{"status":"healthy","checks":{"database":"ok","redis":"ok"}}}'
        elif self.path == "/metrics":
            body, kind = METRICS.encode(), "text/plain; version=0.0.4"
        elif self.path == "/slow/openapi.yaml":
            time.sleep(SLOW_SECONDS)
            body, kind = OPENAPI.encode(), "application/yaml"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def start_target() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Target)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


HUNG_TIMEOUT = 3.0


def start_hung_host() -> int:
    """Accept every connection and never send a byte (a wedged process behind a live port)."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=256)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            connection, _ = listener.accept()
            held.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1]


def hung_host_sweep(directory: Path, hold_slots: bool) -> tuple[float, int, int]:
    """(wall seconds, probes run, of them `error`) for every probe pointed at one hung host."""
    from linkflow_console.probes import engine
    from linkflow_console.probes.catalog import PROBE_IDS
    from linkflow_console.probes.context import ProbeContext
    from linkflow_console.probes.profile import parse_profile

    port = start_hung_host()
    url = f"http://127.0.0.1:{port}"
    text = (
        f'timeout = {HUNG_TIMEOUT}\nconcurrency = 8\n[api]\nbase_url = "{url}"\nopenapi = "{url}/openapi.yaml"\n'
        f'internal_ports = [{port}]\n[env]\nfile = "production.env"\n'
        f'[postgres]\ndsn = "postgresql://probe@127.0.0.1:{port}/linkflow"\npooler_dsn = "postgresql://a@127.0.0.1:{port}/pgbouncer"\n'
        f'[redis]\nurl = "redis://127.0.0.1:{port}/0"\n[s3]\nendpoint_url = "{url}"\nbucket = "b"\nbackup_bucket = "b"\n'
        f'[prometheus]\nurl = "{url}"\n[alertmanager]\nurl = "{url}"\n'
    )
    ctx = ProbeContext(parse_profile(text, directory / "hung.toml"))
    engine.preload(PROBE_IDS)  # libraries imported before the clock starts: measure waiting only
    stalled_after = engine.STALLED_AFTER_SECONDS
    engine.STALLED_AFTER_SECONDS = HUNG_TIMEOUT * 10 if hold_slots else stalled_after
    try:
        start = time.perf_counter()
        results = asyncio.run(engine.run_all(PROBE_IDS, ctx))
        wall = time.perf_counter() - start
    finally:
        engine.STALLED_AFTER_SECONDS = stalled_after
    ran = [r for r in results.values() if str(r.status) != "skipped"]
    return wall, len(ran), sum(str(r.status) == "error" for r in ran)


def write_profile(directory: Path, url: str) -> Path:
    (directory / "production.env").write_text("APP_ENVIRONMENT=production\nAPP_DEBUG=false\nLOG_FORMAT=json\n")
    profile = directory / "profile.toml"
    profile.write_text(
        f'name = "bench"\ntimeout = 5.0\n[api]\nbase_url = "{url}"\nopenapi = "{url}/slow/openapi.yaml"\n'
        'internal_ports = [1]\n[env]\nfile = "production.env"\n'
    )
    return profile


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


async def press_and_time_repaint(app, key: str) -> float:
    """Milliseconds from the key event entering the app to the first screen repaint that shows
    the moved cursor (what a terminal user sees), measured at the compositor."""
    from textual import events

    from linkflow_console.tui.widgets.checklist_tree import ChecklistTree

    tree = app.screen.query_one(ChecklistTree)
    before = tree.cursor_line
    painted = asyncio.Event()
    display = app._display  # every frame the app writes to the terminal goes through here

    def watch(screen, renderable) -> None:
        display(screen, renderable)
        if tree.cursor_line != before:
            painted.set()

    app._display = watch
    try:
        start = time.perf_counter()
        event = events.Key(key, None)
        event.set_sender(app)
        app._driver.send_message(event)
        await asyncio.wait_for(painted.wait(), 10)
        return (time.perf_counter() - start) * 1000
    finally:
        app._display = display


async def keypress_latencies(app, presses: int, during_sweep: bool) -> list[float]:
    latencies = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        await pilot.press(*["down"] * 12)  # start mid-tree, so "up" always moves the cursor
        if during_sweep:
            await pilot.press("R")
        for index in range(presses):
            latencies.append(await press_and_time_repaint(app, "down" if index % 20 < 10 else "up"))
            await asyncio.sleep(0.03)  # a fast key repeat rate, not a flood
        screen = app.screen
        while during_sweep and getattr(screen, "sweeping", False):
            await pilot.pause(0.05)
    return latencies


def main() -> int:
    from linkflow_console.runner import run_sweep
    from linkflow_console.session import open_session
    from linkflow_console.tui.app import LinkflowConsole

    url = start_target()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        profile = write_profile(directory, url)
        session = open_session(profile=profile, state=directory / "state.toml", operator="bench")
        probe_ids = sorted(session.checklist.probe_ids())
        first_start = time.perf_counter()
        asyncio.run(run_sweep(session, probe_ids))  # the first sweep also imports the probe libraries
        first_wall = time.perf_counter() - first_start
        start = time.perf_counter()
        results = asyncio.run(run_sweep(session, probe_ids))
        wall = time.perf_counter() - start
        slowest = max(results.values(), key=lambda r: r.duration_ms)
        ran = [r for r in results.values() if str(r.status) != "skipped"]

        hung_wall, hung_ran, hung_errors = hung_host_sweep(directory, hold_slots=False)
        held_wall, _, _ = hung_host_sweep(directory, hold_slots=True)

        baseline = asyncio.run(keypress_latencies(LinkflowConsole(open_session(profile=profile, state=directory / "a.toml", operator="bench")), 60, False))
        busy = asyncio.run(keypress_latencies(LinkflowConsole(open_session(profile=profile, state=directory / "b.toml", operator="bench")), 60, True))
    report = {
        "probes_run": len(ran),
        "first_sweep_wall_s (imports libraries)": round(first_wall, 3),
        "sweep_wall_s": round(wall, 3),
        "slowest_probe": slowest.probe_id,
        "slowest_probe_s": round(slowest.duration_ms / 1000, 3),
        "ratio_sweep_vs_slowest": round(wall / (slowest.duration_ms / 1000), 2),
        "hung_host_probes_run": hung_ran,
        "hung_host_probes_error": hung_errors,
        "hung_host_timeout_s": HUNG_TIMEOUT,
        "hung_host_sweep_wall_s": round(hung_wall, 3),
        "ratio_hung_host_sweep_vs_timeout": round(hung_wall / HUNG_TIMEOUT, 2),
        "ratio_hung_host_sweep_vs_timeout_pool_holding_slots": round(held_wall / HUNG_TIMEOUT, 2),
        "keypress_ms_p95_idle": round(p95(baseline), 1),
        "keypress_ms_p95_during_sweep": round(p95(busy), 1),
        "keypress_ms_median_during_sweep": round(statistics.median(busy), 1),
        "ratio_keypress_p95_sweep_vs_idle": round(p95(busy) / p95(baseline), 2),
        "targets": {"ratio_sweep_vs_slowest": "<= 1.2", "ratio_hung_host_sweep_vs_timeout": "<= 1.2",
                    "keypress_ms_p95_during_sweep": "< 50"},
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
