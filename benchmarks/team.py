"""Team state: tick-to-repaint latency from one console to another TUI through a real PostgreSQL
(LISTEN/NOTIFY), beside the file backend's reload latency measured in the same run; then opening
a store of 10,000 events (cold: nothing on this machine; warm: local cache and snapshot) beside
the file backend opening the same state.

The watching console is the real TUI (headless), repainting its tree; the other console records
each tick through the backend, exactly as the TUI's record worker does. Goal: p95 under 1 s and
under the file backend's.  Usage: python benchmarks/team.py [--ticks N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

WATCHER = r"""
import asyncio, sys, time
from linkflow_console.session import open_session
from linkflow_console.tui.app import LinkflowConsole
from linkflow_console.tui.widgets.checklist_tree import ChecklistTree

state, items = sys.argv[1], sys.argv[2].split(",")

async def main():
    app = LinkflowConsole(open_session(state=state, operator="watcher", environment="bench"))
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.screen.query_one(ChecklistTree)
        await pilot.pause(0.5)
        print("ready", flush=True)
        for item in items:
            while not str(tree.item_nodes[item].label).startswith("✓"):
                await asyncio.sleep(0.005)
            print(json.dumps({"item": item, "painted": time.time()}), flush=True)

import json
asyncio.run(main())
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def latencies(state: str, backend, items: list[str]) -> list[float]:
    from linkflow_console.state import record

    watcher = subprocess.Popen([sys.executable, "-c", WATCHER, state, ",".join(items)], cwd=REPO, env=os.environ.copy(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert watcher.stdout is not None
    if watcher.stdout.readline().strip() != "ready":
        raise SystemExit(f"watcher failed: {watcher.stderr.read() if watcher.stderr else ''}")
    results = []
    for item in items:
        time.sleep(random.uniform(0.2, 0.6))  # not in step with any poll interval
        started = time.time()
        record.tick(backend, item, "ticker")
        painted = json.loads(watcher.stdout.readline())["painted"]
        results.append(painted - started)
    watcher.wait(30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ticks", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="linkflow-team-bench-"))
    work.chmod(0o755)
    os.environ["LINKFLOW_CONSOLE_DATA"] = str(work / "data")

    from linkflow_console.checklist import load_checklist
    from linkflow_console.paths import bundled_checklist
    from linkflow_console.state import StateStore
    from linkflow_console.state.pg import schema
    from linkflow_console.state.pg.backend import PostgresBackend
    from linkflow_console.state.pg.settings import StoreSettings, connect
    from tests.servers.postgres import PgSpec, create_cluster, stop_postgres

    items = [item.id for item in load_checklist(bundled_checklist()).all_items()]
    server = create_cluster(work / "pg", PgSpec(hba=["host all all 127.0.0.1/32 trust"]))
    try:
        url = f"postgresql://postgres@127.0.0.1:{server.port}/linkflow"
        settings = StoreSettings(url)
        with connect(settings) as conn:
            schema.init_store(conn, url)
        chosen = random.sample(items, args.ticks)

        team = PostgresBackend(settings, "production", "bench")
        team.load()
        pg = latencies(url, team, chosen)
        file_path = work / "bench.state.toml"
        file = StateStore(file_path, "production", "bench")
        disk = latencies(str(file_path), file, chosen)

        def row(name: str, values: list[float]) -> str:
            return f"{name:<34} p50 {statistics.median(values) * 1000:7.0f} ms   p95 {percentile(values, 0.95) * 1000:7.0f} ms"

        print(f"tick-to-repaint, {args.ticks} ticks, TUI watching in another process")
        print(row("PostgreSQL (LISTEN/NOTIFY)", pg))
        print(row("file backend (reload on poll)", disk))
        print(f"ratio p95 PostgreSQL / file: {percentile(pg, 0.95) / percentile(disk, 0.95):.2f}x "
              f"(goal: p95 < 1000 ms and < file)")

        # -- opening 10,000 events ---------------------------------------------------------------
        from linkflow_console.state import events as ev
        from linkflow_console.state.events import Event
        from linkflow_console.state.pg import eventlog
        from linkflow_console.timefmt import utc_now

        now = utc_now()
        batch = [Event.new(ev.TICK if n % 3 else ev.NOTE, items[n % len(items)], {"note": f"note {n}"}, by="bench",
                           at=now, checklist="production", environment="big").to_dict() for n in range(10_000)]
        with connect(settings) as conn:
            for start in range(0, len(batch), 1000):
                eventlog.insert_events(conn, batch[start:start + 1000])
        import tomlkit

        from linkflow_console.state.apply import fold

        # the file a console would have written after these events (appending 10,000 one by one
        # rewrites the file each time: the projection is written once here instead)
        events = [Event.from_dict(data) for data in batch]
        doc = {"schema": 1, "checklist": "production", "environment": "big", **fold(events)}
        (work / "big.state.toml").write_text(tomlkit.dumps(doc), encoding="utf-8")
        (work / "big.state.audit.jsonl").write_text("".join(e.to_json() + "\n" for e in events), encoding="utf-8")

        def timed(make) -> float:
            started = time.perf_counter()
            make().load()
            return time.perf_counter() - started

        cold = timed(lambda: PostgresBackend(settings, "production", "big", directory=work / "cold"))
        warm_dir = work / "warm"
        PostgresBackend(settings, "production", "big", directory=warm_dir).load()
        warm = min(timed(lambda: PostgresBackend(settings, "production", "big", directory=warm_dir)) for _ in range(3))
        on_file = min(timed(lambda: StateStore(work / "big.state.toml", "production", "big")) for _ in range(3))
        print("opening a state of 10,000 events")
        print(f"{'PostgreSQL, first open here':<34} {cold * 1000:7.0f} ms   {cold / on_file:5.2f}x file")
        print(f"{'PostgreSQL, cached + snapshot':<34} {warm * 1000:7.0f} ms   {warm / on_file:5.2f}x file")
        print(f"{'file backend':<34} {on_file * 1000:7.0f} ms   1.00x")
    finally:
        stop_postgres(server)
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
