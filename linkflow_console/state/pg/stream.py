"""One checklist and environment of a team store, as a console sees it: the server's events (cached
on this machine, so a console opens offline on the last state it had and online fetches only what
is new) plus this machine's journaled events not yet shared.

The events are the truth; the fold into a state is the caller's (one apply function for every
backend). The server's order (seq) decides between two operators changing one item; journaled
events come after the server's, in the order they were made.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from linkflow_console.state.pg import eventlog, schema
from linkflow_console.state.pg.journal import Journal
from linkflow_console.state.pg.settings import StoreSettings, StoreUnreachable, connect, describe_error


def _utc_now() -> datetime:
    return datetime.now(UTC)


def local_dir() -> Path:
    from linkflow_console.paths import data_dir

    return data_dir() / "team"


class EventStream:
    def __init__(
        self,
        settings: StoreSettings,
        checklist: str,
        environment: str,
        *,
        directory: Path | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.settings = settings
        self.checklist = checklist
        self.environment = environment
        self.clock = clock
        base = directory or local_dir()
        self.journal = Journal(base / f"{settings.local_name}.journal.jsonl")
        self._cache_path = base / f"{settings.local_name}.{checklist}.{environment}.events.jsonl"
        self.snapshot_path = self._cache_path.with_name(self._cache_path.name.replace(".events.jsonl", ".snapshot.json"))
        self._conn: Any = None
        self.store_id: str | None = None
        self.seq = 0
        self._events: dict[int, dict[str, Any]] = {}
        self.offline_since: datetime | None = None
        self.offline_reason = ""

    # -- connection ----------------------------------------------------------------------
    @property
    def online(self) -> bool:
        return self._conn is not None and not self._conn.closed

    def open(self) -> EventStream:
        """Read the local cache, then try the server (journal replayed, new events fetched).
        An unreachable server leaves the stream offline on the cached events; a database that
        is not a console store (or a newer one) is refused (UserError)."""
        self._read_cache()
        self.connect()
        return self

    def connect(self) -> bool:
        """(Re)connect: check the store, replay the journal, fetch what is new. True when online."""
        import psycopg

        self.close()
        try:
            conn = connect(self.settings)
        except StoreUnreachable as exc:
            self._went_offline(str(exc))
            return False
        try:
            store_id = schema.require_current(conn, self.settings.display)
            if self.store_id not in (None, store_id):  # the database was re-created: the cache is not of it
                self._reset_cache()
            self.store_id = store_id
            self._conn = conn
            self.journal.replay(lambda events: eventlog.insert_events(conn, events))
            self.merge(eventlog.events_since(conn, self.checklist, self.environment, self.seq))
        except psycopg.OperationalError as exc:
            self._went_offline(describe_error(exc))
            return False
        except BaseException:
            conn.close()
            self._conn = None
            raise
        self.offline_since = None
        self.offline_reason = ""
        return True

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _went_offline(self, reason: str) -> None:
        self.close()
        if self.offline_since is None:
            self.offline_since = self.clock()
        self.offline_reason = reason

    # -- events --------------------------------------------------------------------------
    def events(self) -> list[dict[str, Any]]:
        """Every event of the stream: the server's in seq order, then those journaled here."""
        return [event for _, event in self.shared_after(0)] + self.journaled()

    def shared_after(self, seq: int) -> list[tuple[int, dict[str, Any]]]:
        """(seq, event) of the server's events after `seq`, in order."""
        return [(n, self._events[n]) for n in sorted(n for n in self._events if n > seq)]

    def journaled(self) -> list[dict[str, Any]]:
        """Events made here and not yet seen in the store, in the order they were made."""
        pending = self.journal.pending(self.checklist, self.environment)
        if not pending:
            return []
        seen = {event["id"] for event in self._events.values()}
        return [event for event in pending if event["id"] not in seen]

    def came_back(self) -> None:
        """A watcher reached the store (and replayed the journal): the next append reconnects."""
        self.offline_since = None
        self.offline_reason = ""

    def went_offline(self, reason: str) -> None:
        self._went_offline(reason)

    @property
    def waiting(self) -> int:
        """Changes made here that the team does not see yet."""
        return len(self.journal.pending(self.checklist, self.environment))

    def append(self, event: dict[str, Any]) -> bool:
        """Record one event: True when the store has it, False when it is journaled (offline).
        Either way it is durable when this returns. Offline, no connection is attempted here (a
        keypress never waits for a dead network); `refresh` or a watcher reconnects."""
        import psycopg

        event = eventlog.check_event(event)
        if not self.online and self.offline_since is None:
            self.connect()
        if self.online:
            try:
                eventlog.insert_events(self._conn, [event])
                self.merge(eventlog.events_since(self._conn, self.checklist, self.environment, self.seq))
                return True
            except psycopg.OperationalError as exc:
                # the commit may or may not have landed: journaled, the id makes the replay exact
                self._went_offline(describe_error(exc))
        self.journal.append(event)
        return False

    def refresh(self, retry_after: float = 2.0) -> bool:
        """Fetch new events (reconnecting when offline, at most every `retry_after` seconds).
        True when the stream changed."""
        import psycopg

        before = (self.seq, self.waiting)
        if not self.online:
            if time.monotonic() - getattr(self, "_last_try", 0.0) < retry_after:
                return False
            self._last_try = time.monotonic()
            self.connect()
        elif self.online:
            try:
                self.merge(eventlog.events_since(self._conn, self.checklist, self.environment, self.seq))
            except psycopg.OperationalError as exc:
                self._went_offline(describe_error(exc))
        return (self.seq, self.waiting) != before

    def merge(self, rows: list[tuple[int, dict[str, Any]]]) -> bool:
        """Take in events fetched from the server (by this stream or a watcher); True if new."""
        fresh = [(seq, event) for seq, event in rows if seq not in self._events]
        if not fresh:
            return False
        for seq, event in fresh:
            self._events[seq] = event
            self.seq = max(self.seq, seq)
        self._append_cache(fresh)
        return True

    # -- local cache ---------------------------------------------------------------------
    def _read_cache(self) -> None:
        try:
            lines = self._cache_path.read_text(encoding="utf-8").splitlines()
        except (FileNotFoundError, UnicodeDecodeError):
            return
        for line in lines:
            try:
                row = json.loads(line)
            except ValueError:
                continue  # a torn line: the cache is only a copy of the server's events
            if isinstance(row, dict) and "store_id" in row:
                if self.store_id not in (None, row["store_id"]):
                    self._events.clear()
                self.store_id = str(row["store_id"])
            elif isinstance(row, dict) and isinstance(row.get("seq"), int) and isinstance(row.get("event"), dict):
                self._events[row["seq"]] = row["event"]
        self.seq = max(self._events, default=0)

    def _reset_cache(self) -> None:
        self._events.clear()
        self.seq = 0
        self._cache_path.unlink(missing_ok=True)
        self.snapshot_path.unlink(missing_ok=True)

    def _append_cache(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """Best effort: the cache only saves a refetch and lets a console open offline."""
        lines = [json.dumps({"seq": seq, "event": event}, ensure_ascii=False) for seq, event in rows]
        try:
            self._cache_path.parent.mkdir(parents=True, exist_ok=True)
            fresh = not self._cache_path.exists()
            with open(self._cache_path, "a", encoding="utf-8") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                if fresh and self.store_id:
                    handle.write(json.dumps({"store_id": self.store_id}) + "\n")
                handle.write("\n".join(lines) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError:
            pass
