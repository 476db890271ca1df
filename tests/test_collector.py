"""The garbage collector waits while the console starts, and comes back once it has started:
in a fresh interpreter, as a user's process starts (this test process imported the package long
ago)."""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import gc, json
usual = gc.get_threshold()
import linkflow_console
from linkflow_console.collector import STARTUP_THRESHOLD, startup_finished
while_starting = gc.get_threshold()
startup_finished()
after = gc.get_threshold()
frozen = gc.get_freeze_count()
startup_finished()  # a second call changes nothing
print(json.dumps({"usual": usual, "starting": while_starting, "after": after, "again": gc.get_threshold(),
                  "frozen": frozen, "startup": STARTUP_THRESHOLD}))
"""


def test_collection_waits_during_startup_then_returns_to_the_usual_thresholds():
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True)
    seen = json.loads(done.stdout)
    assert seen["starting"] == [seen["startup"], *seen["usual"][1:]]
    assert seen["after"] == seen["again"] == seen["usual"]
    assert seen["frozen"] > 1000  # what start-up made is never scanned again


def test_a_disabled_collector_stays_disabled():
    code = "import gc; gc.disable(); import linkflow_console.collector as c; c.startup_finished(); print(gc.isenabled(), gc.get_threshold()[0])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    enabled, threshold = done.stdout.split()
    assert enabled == "False" and int(threshold) != 100_000
