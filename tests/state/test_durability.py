"""Nothing acknowledged is ever lost: SIGKILL at random moments, and two writers at once."""

import os
import random
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

WRITER = """
import sys
from linkflow_console.state import record as state_record
from linkflow_console.state import StateStore
store = StateStore(sys.argv[1], "production", "crash")
prefix, start, count = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for n in range(start, start + count):
    state_record.tick(store, f"{prefix}.item-{n}", prefix, f"note {n}")
    print(n, flush=True)
"""


def writer(state: Path, prefix: str, start: int, count: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(state), prefix, str(start), str(count)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )


def test_sigkill_at_random_moments_loses_no_acknowledged_tick(tmp_path):
    state = tmp_path / "crash.toml"
    rng = random.Random(20261126)
    acknowledged: set[int] = set()
    next_item = 0
    for _ in range(25):
        proc = writer(state, "crash", next_item, 10_000)
        stop_after = rng.randint(1, 12)
        assert proc.stdout is not None
        for _ in range(stop_after):
            line = proc.stdout.readline()
            if not line:
                break
            acknowledged.add(int(line))
        os.kill(proc.pid, signal.SIGKILL)  # mid-write, most likely
        rest = proc.stdout.read()  # lines printed before the kill were acknowledged too
        acknowledged.update(int(l) for l in rest.split())
        proc.wait()
        data = tomllib.loads(state.read_text())  # always parses
        recorded = {int(k.rsplit("-", 1)[1]) for k, v in data["items"].items() if v["done"]}
        missing = acknowledged - recorded
        assert not missing, f"acknowledged ticks lost: {sorted(missing)[:5]}"
        next_item = max(acknowledged | recorded) + 1
    assert len(acknowledged) >= 25


def test_two_writers_on_one_file_lose_nothing(tmp_path):
    state = tmp_path / "shared.toml"
    procs = [writer(state, "one", 0, 40), writer(state, "two", 0, 40)]
    for proc in procs:
        proc.communicate()
        assert proc.returncode == 0
    items = tomllib.loads(state.read_text())["items"]
    assert {k for k in items if k.startswith("one.")} == {f"one.item-{n}" for n in range(40)}
    assert {k for k in items if k.startswith("two.")} == {f"two.item-{n}" for n in range(40)}
    audit = state.with_name("shared.audit.jsonl").read_text().splitlines()
    assert len(audit) == 80
