"""Each probe's recent verdicts, read from the state's `probe-results` events (the same on the
file and on a team store), bounded by the profile's `history_retention_days`: a verdict older
than the retention is neither listed nor folded. The events themselves are never deleted here
(the audit log is append-only; a team store's consoles may only insert)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from linkflow_console.state import events as ev
from linkflow_console.state.events import Event

DEFAULT_RETENTION_DAYS = 30


@dataclass(frozen=True)
class Verdict:
    probe: str
    status: str
    at: datetime
    changed: bool  # its status differs from the probe's verdict before it (the first kept counts as unchanged)


def retention_cutoff(now: datetime, retention_days: float) -> datetime:
    return now - timedelta(days=retention_days)


def within_retention(events: Iterable[Event], now: datetime, retention_days: float) -> list[Event]:
    """The events recorded inside the retention window."""
    cutoff = retention_cutoff(now, retention_days)
    return [event for event in events if event.at >= cutoff]


def _verdicts_of(event: Event) -> list[tuple[str, str]]:
    if event.kind != ev.PROBE_RESULTS:
        return []
    results = event.field_dict().get("results", [])
    return [(str(r["probe"]), str(r["status"])) for r in results if isinstance(r, dict) and "probe" in r and "status" in r]


def probe_history(events: Iterable[Event], probes: Iterable[str], now: datetime,
                  retention_days: float = DEFAULT_RETENTION_DAYS, limit: int = 5) -> list[Verdict]:
    """The last `limit` verdicts of each of `probes` inside the retention, newest first, each
    marked when it changed from the same probe's verdict before it."""
    wanted = set(probes)
    cutoff = retention_cutoff(now, retention_days)
    seen: dict[str, str] = {}
    found: list[Verdict] = []
    for event in sorted(events, key=lambda e: e.at):
        if event.at < cutoff:
            continue
        for probe, status in _verdicts_of(event):
            if probe in wanted:
                found.append(Verdict(probe, status, event.at, probe in seen and seen[probe] != status))
                seen[probe] = status
    shown: dict[str, int] = {}
    newest_first = []
    for verdict in reversed(found):
        shown[verdict.probe] = shown.get(verdict.probe, 0) + 1
        if shown[verdict.probe] <= limit:
            newest_first.append(verdict)
    return newest_first


class HistoryCache:
    """A backend's probe-result events read incrementally (a cursor, duplicates by id dropped)
    and pruned to the retention as they come, so showing a selection reads only what is new.
    Reading does I/O: call `verdicts` from a worker thread, never the event loop."""

    def __init__(self, backend, retention_days: float = DEFAULT_RETENTION_DAYS) -> None:
        self.backend = backend
        self.retention_days = retention_days
        self._cursor = 0
        self._events: dict[str, Event] = {}
        self._lock = threading.Lock()

    def verdicts(self, probes: Iterable[str], now: datetime, limit: int = 5) -> list[Verdict]:
        with self._lock:
            new, self._cursor = self.backend.events_since(self._cursor)
            cutoff = retention_cutoff(now, self.retention_days)
            for event in new:
                if event.kind == ev.PROBE_RESULTS:
                    self._events[event.id] = event
            self._events = {k: e for k, e in self._events.items() if e.at >= cutoff}
            kept = list(self._events.values())
        return probe_history(kept, probes, now, self.retention_days, limit)
