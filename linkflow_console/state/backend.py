"""Where a state lives. A backend loads the state, stores and applies events, delivers the
events since a point, and tells when someone else changed the state. The TOML file
(`linkflow_console.state.store.StateStore`) is the first backend; others (PostgreSQL) implement
the same interface and store the same events (`Event.to_json`).

Implementing one: `append` checks the event against the current state with
`state.apply.apply_event` (EventRefused: tell the user, store nothing), then stores it; the
state is the fold of the stored events in the store's order (`state.apply.state_from_events`),
where an event that no longer applies is skipped, so two consoles racing resolve by that order
and both events stay in the history. Events carry their own id, author and time: a retried
append of the same id must add nothing."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from linkflow_console.state import events as ev
from linkflow_console.state.events import Event
from linkflow_console.state.model import State
from linkflow_console.timefmt import utc_now


class StateBackend(ABC):
    """One state: one checklist in one environment."""

    checklist_id: str
    environment: str
    clock: Callable[[], datetime] = staticmethod(utc_now)  # type: ignore[assignment]

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the state lives, for messages: a file path or a URL without its password."""

    @property
    @abstractmethod
    def state(self) -> State:
        """The current state (loaded on first use)."""

    @abstractmethod
    def load(self) -> State:
        """Read the state afresh from where it lives."""

    @abstractmethod
    def append(self, event: Event) -> State:
        """Store the event and apply it; returns the new state. Durable when this returns.
        Raises EventRefused (a UserError) when it does not apply, and then stores nothing.
        A backend that can (PostgreSQL: a unique id column) ignores an id it already holds."""

    @abstractmethod
    def events_since(self, cursor: int = 0) -> tuple[list[Event], int]:
        """The events stored after `cursor` (0: all of them), oldest first, and the cursor to
        pass next time."""

    @abstractmethod
    def changed(self) -> bool:
        """True when someone else changed the state since this backend last loaded it."""

    def refresh_if_changed(self) -> bool:
        """Reload when someone else changed the state. True when reloaded."""
        if not self.changed():
            return False
        self.load()
        return True

    def watch(self, timeout: float, interval: float = 0.5) -> bool:
        """Wait up to `timeout` seconds for a change made elsewhere; True when one came. Backends
        that are told of changes (LISTEN/NOTIFY) override this; the default asks `changed()`."""
        deadline = time.monotonic() + timeout
        while True:
            if self.changed():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(min(interval, max(0.0, deadline - time.monotonic())))

    def has_work(self) -> bool:
        """Whether anything a person records (ticks, notes, N/A, waivers, launch data) is here."""
        state = self.state
        return bool(state.items) or bool({k: v for k, v in state.launch.items() if k != "samples"})

    # -- recording -------------------------------------------------------------------------------
    def new_event(self, kind: str, target: str, fields: Mapping[str, Any], by: str) -> Event:
        return Event.new(kind, target, fields, by=by, at=self.clock(), checklist=self.checklist_id,
                         environment=self.environment)

    def record(self, kind: str, target: str, fields: Mapping[str, Any], by: str) -> State:
        """Make an event of this change, now, by `by`, and append it."""
        return self.append(self.new_event(kind, target, fields, by))


def copy_events(source: StateBackend, target: StateBackend, *, kinds: Iterable[str] | None = None) -> int:
    """Every event of `source` (of `kinds`, or all) appended to `target` in order, moved to the
    target's checklist and environment under the same id: copying twice adds nothing. Returns how
    many events were copied. Used by `state copy` between any two backends."""
    wanted = set(kinds) if kinds is not None else None
    events, _ = source.events_since(0)
    held = {e.id for e in target.events_since(0)[0]}
    copied = 0
    for event in events:
        if (wanted is not None and event.kind not in wanted) or event.id in held:
            continue
        target.append(event.moved_to(target.checklist_id, target.environment))
        copied += 1
    return copied


def carry_over(source: StateBackend, target: StateBackend, by: str) -> Event | None:
    """Bring the work recorded in `source` (another environment of the same checklist) into
    `target` as one carry-over event: who carried it, when, from where, and the events carried
    (with their own authors and times). Probe results and samples stay behind: they measured
    the other environment's deployment. None when there is nothing to carry."""
    events, _ = source.events_since(0)
    work = [e.to_dict() for e in events if e.kind in ev.WORK_KINDS] or [e.to_dict() for e in events_from_items(source)]
    if not work:
        return None
    fields = {"from_environment": source.environment, "from": source.location, "count": len(work), "events": work}
    event = target.new_event(ev.CARRY_OVER, source.environment, fields, by)
    target.append(event)
    return event


def events_from_items(source: StateBackend) -> list[Event]:
    """Events that give the source's items as they stand (who and when kept), for a state whose
    audit log holds no work (written by hand, or its log lost)."""
    made = []
    for item_id, item in source.state.items.items():
        def make(kind: str, fields: dict[str, Any], by: str, at: datetime | None) -> None:
            made.append(Event.new(kind, item_id, fields, by=by or "?", at=at or source.clock(),
                                  checklist=source.checklist_id, environment=source.environment))

        if item.done or item.note:
            make(ev.TICK if item.done else ev.NOTE, {"note": item.note}, item.by, item.at)
        if item.na_reason:
            make(ev.NA, {"reason": item.na_reason}, item.by, item.at)
        if item.waiver:
            w = item.waiver
            make(ev.WAIVE, {"reason": w.reason, "owner": w.owner, "until": w.until.isoformat()}, w.by, w.at)
    return made
