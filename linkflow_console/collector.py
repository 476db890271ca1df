"""The garbage collector waits while the console starts.

Opening the console creates tens of thousands of long-lived objects (modules, classes, the
checklist, the widgets) and almost no garbage cycles, yet CPython's default thresholds scan them
about 150 times before the first frame: 25-40 ms of a 0.25 s start, measured with
`benchmarks/startup.py`. So collection is deferred while the console starts; once it has started
(the first frame is painted, or a headless command is about to run), what survived is frozen, so
later collections never scan it again, and the usual thresholds return. Plain reference counting
frees everything that is not a cycle meanwhile, so memory barely moves."""

from __future__ import annotations

import gc

STARTUP_THRESHOLD = 100_000  # container allocations before a collection while starting
_usual: tuple[int, ...] | None = None


def defer_during_startup() -> None:
    global _usual
    if _usual is None and gc.isenabled():
        _usual = gc.get_threshold()
        gc.set_threshold(STARTUP_THRESHOLD, *_usual[1:])


def startup_finished() -> None:
    """Idempotent: the TUI calls it after its first frame, the CLI before a headless command."""
    global _usual
    if _usual is None:
        return
    gc.freeze()
    gc.set_threshold(*_usual)
    _usual = None
