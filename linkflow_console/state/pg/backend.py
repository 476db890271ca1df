"""The PostgreSQL state backend: the state is the fold of the store's events (server order, then
this machine's journaled events) through the one apply function every backend uses.

Online, each change is one insert (idempotent by the event's id) and a notification. Offline, it
is journaled here and `shared` says so; the state keeps working on the last events it had. A
console that watches (the TUI) gets other consoles' changes pushed by LISTEN in a worker thread;
then `changed()` and `load()` do no network I/O on the UI's thread.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from linkflow_console.state import events as ev
from linkflow_console.state.apply import EventRefused, apply_event
from linkflow_console.state.backend import StateBackend
from linkflow_console.state.events import Event
from linkflow_console.state.model import State, build_state
from linkflow_console.state.pg.settings import StoreSettings
from linkflow_console.state.pg.snapshot import SNAPSHOT_EVERY, write_snapshot
from linkflow_console.state.pg.stream import EventStream
from linkflow_console.timefmt import stamp, utc_now


# What a CLI command says after it ran, per store: a change recorded only here, or local work
# this store has not got. Kept as text: a backend (and its connection) is not kept alive for it.
_NOTICES: dict[tuple[str, str], str] = {}


def unshared_notices() -> list[str]:
    """For the CLI, after a command (and emptied): each team store this process could not share a
    change with, and each that holds nothing for its environment while the local state file has work."""
    notices = list(_NOTICES.values())
    _NOTICES.clear()
    return notices


class PostgresBackend(StateBackend):
    read_only = False  # a served viewer's console (serve): append, the one path every change takes, refuses all

    def __init__(
        self,
        settings: StoreSettings,
        checklist_id: str,
        environment: str,
        *,
        clock: Callable[[], datetime] = utc_now,
        directory: Path | None = None,
    ) -> None:
        self.settings = settings
        self.checklist_id = checklist_id
        self.environment = environment
        self.adopt_environment = False
        self.clock = clock
        self.stream = EventStream(settings, checklist_id, environment, directory=directory, clock=clock)
        self.shared = True  # whether the last append reached the store (False: journaled here)
        self._lock = threading.RLock()  # the watcher thread and the UI's thread share the stream
        self._opened = False
        self._watched = False
        self._dirty = False
        self._state: State | None = None
        # the fold of the server's events up to `_folded_seq`; journaled events go on a copy
        self._doc: dict[str, Any] = {}
        self._folded_seq = 0
        self._snapshot_seq = 0
        self._parsed: dict[str, Event] = {}
        self._unreadable: set[str] = set()

    @property
    def location(self) -> str:
        return self.settings.display

    # -- reading -------------------------------------------------------------------------------
    @property
    def state(self) -> State:
        return self._state if self._state is not None else self.load()

    def load(self) -> State:
        with self._lock:
            if not self._opened:
                self.stream.open()
                self._opened = True
                self._start_from_snapshot()
                self._state = self._fold()
                hint = self.local_work_hint()
                if hint:
                    _NOTICES[("hint", self.location)] = hint
            elif not self._watched:
                self.stream.refresh()
            self._dirty = False
            self._state = self._fold()
            return self._state

    def _start_from_snapshot(self) -> None:
        from linkflow_console.state.pg.snapshot import read_snapshot

        found = read_snapshot(self.stream.snapshot_path, self.stream.store_id)
        if found is not None and found[0] <= self.stream.seq:
            self._folded_seq, self._doc = found
            self._snapshot_seq = self._folded_seq

    def _event(self, data: dict[str, Any]) -> Event | None:
        """The event, or None for one this console cannot read (a newer console's kind or
        version): skipped by the fold, counted, and said in the status line."""
        event = self._parsed.get(data["id"])
        if event is None:
            try:
                event = self._parsed[data["id"]] = Event.from_dict(data)
            except (ValueError, TypeError, KeyError):
                self._unreadable.add(str(data.get("id")))
                return None
        return event

    def _apply_all(self, doc: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        """The fold's rule: in order; an event refused in this order (the clock started twice)
        or unreadable here is skipped."""
        for data in rows:
            event = self._event(data)
            if event is None:
                continue
            try:
                apply_event(doc, event)
            except EventRefused:
                pass

    def _fold(self) -> State:
        for seq, data in self.stream.shared_after(self._folded_seq):
            self._apply_all(self._doc, [data])
            self._folded_seq = seq
        if self._folded_seq - self._snapshot_seq >= SNAPSHOT_EVERY:
            write_snapshot(self.stream.snapshot_path, self.stream.store_id, self._folded_seq, self._doc)
            self._snapshot_seq = self._folded_seq
        waiting = self.stream.journaled()
        doc = self._doc
        if waiting:  # not shared yet: applied on a copy, after the server's events
            doc = copy.deepcopy(self._doc)
            self._apply_all(doc, waiting)
        return build_state({**doc, "checklist": self.checklist_id, "environment": self.environment}, "", Path(self.location))

    def changed(self) -> bool:
        with self._lock:
            if self._watched:
                return self._dirty
            return self.stream.refresh()

    changed_on_disk = changed  # the name the TUI's poll uses for the file backend

    def events_since(self, cursor: int = 0) -> tuple[list[Event], int]:
        """The server's events after seq `cursor`, then those journaled here (they have no seq
        yet: they come again, under the same id, once shared). The cursor is a seq."""
        with self._lock:
            if not self._opened:
                self.load()
            shared = self.stream.shared_after(cursor)
            rows = [data for _, data in shared] + self.stream.journaled()
            events = [event for event in map(self._event, rows) if event is not None]
            return events, max([cursor] + [seq for seq, _ in shared])

    # -- writing -------------------------------------------------------------------------------
    def append(self, event: Event) -> State:
        """Store the event (or journal it when the store cannot be reached); durable on return.
        An event that does not apply to the current state is refused and nothing is stored."""
        if self.read_only:
            from linkflow_console.errors import UserError

            raise UserError("read-only: this console is a viewer; nothing was changed",
                            fix="ask an operator, or open the console with an operator token")
        with self._lock:
            self.state  # noqa: B018 - opened and folded
            if event.kind in ev.LAUNCH_KINDS:  # only these can be refused; they read the launch table only
                trial = {"launch": copy.deepcopy(self._doc.get("launch", {}))}
                self._apply_all(trial, [d for d in self.stream.journaled() if d.get("kind") in ev.LAUNCH_KINDS])
                apply_event(trial, event)  # EventRefused: nothing is stored
            self.shared = self.stream.append(event.to_dict())
            if not self.shared:
                _NOTICES[("unshared", self.location)] = (
                    f"recorded locally, not yet shared: {self.location} cannot be reached "
                    f"({self.stream.offline_reason or 'offline'}); {self.stream.waiting} change(s) wait in "
                    f"{self.stream.journal.path} and are sent, in order, when a console reconnects")
            else:
                _NOTICES.pop(("hint", self.location), None)
            self._parsed[event.id] = event
            self._state = self._fold()
            return self._state

    def local_work_hint(self) -> str | None:
        """Said when this store has no state for the environment yet while the default local
        state file has recorded work: the command that brings it over."""
        from linkflow_console.errors import UserError
        from linkflow_console.paths import default_state_path
        from linkflow_console.state.store import StateStore

        if self.has_work():
            return None
        path = default_state_path(self.checklist_id, self.environment)
        if not path.is_file():
            return None
        try:
            local = StateStore(path, self.checklist_id, self.environment)
            if not local.has_work():
                return None
        except UserError:
            return None
        return (f"the team store has no state for {self.environment!r} yet, while {path} holds "
                f"{len(local.state.items)} recorded item(s); bring them over with: linkflow-console state copy "
                f"--from {path} --to {self.location} --env {self.environment}")

    # -- status --------------------------------------------------------------------------------
    @property
    def online(self) -> bool:
        return self.stream.offline_since is None

    def status_line(self) -> str:
        """'' when shared; else what an operator must know: since when, how many changes wait."""
        parts = []
        if not self.online:
            since = stamp(self.stream.offline_since)
            parts.append(f"⚠ team store offline since {since} · {self.stream.waiting} change(s) wait, recorded locally")
        elif self.stream.waiting:
            parts.append(f"{self.stream.waiting} change(s) not yet shared")
        if self._unreadable:
            parts.append(f"{len(self._unreadable)} change(s) from a newer console skipped (upgrade this one)")
        return " · ".join(parts)

    # -- watching ------------------------------------------------------------------------------
    def watch(self, timeout: float, interval: float = 0.5) -> bool:
        """Wait up to `timeout` seconds for another console's change (LISTEN, not polling)."""
        from linkflow_console.state.pg.watch import wait_for_change

        with self._lock:
            if not self._opened:
                self.load()
            after = self.stream.seq
        if wait_for_change(self.settings, self.checklist_id, self.environment, after, timeout):
            with self._lock:
                return self.stream.refresh()
        return False

    def run_watcher(self, post: Callable[[Callable[[], None]], None], on_change: Callable[[], None],
                    stopped: Callable[[], bool], **options: Any) -> None:
        """Run in a worker thread until `stopped()`: merge other consoles' events as they are
        notified and call `on_change` through `post` (which runs it on the UI's thread)."""
        from linkflow_console.state.pg.watch import WatchCallbacks, watch

        with self._lock:
            self._watched = True

        def on_events(rows: list[tuple[int, dict[str, Any]]]) -> None:
            with self._lock:
                fresh = self.stream.merge(rows)
                self._dirty = self._dirty or fresh
            if fresh:
                post(on_change)

        def on_status(online: bool, reason: str) -> None:
            with self._lock:
                was = self.online
                if online:
                    self.stream.came_back()
                else:
                    self.stream.went_offline(reason)
                self._dirty = self._dirty or was != online
            if was != online:
                post(on_change)

        def last_seq() -> int:
            with self._lock:
                return self.stream.seq

        callbacks = WatchCallbacks(last_seq, on_events, on_status, stopped)
        try:
            watch(self.settings, self.checklist_id, self.environment, self.stream.journal, callbacks, **options)
        finally:
            with self._lock:
                self._watched = False
