"""The offline journal: changes made while the store cannot be reached, kept on this machine.

One JSON event per line, appended and fsynced before the change is acknowledged, in the data
directory, one file per store (named without any secret). On reconnect the whole journal is
inserted in order in one transaction and only then emptied: a console killed during a replay
replays again, and the events' ids make the second insert a no-op, so nothing is doubled and
nothing acknowledged is lost. A lock serialises appends and replays of consoles on one machine.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_path = path.with_name(path.name + ".lock")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def append(self, event: dict[str, Any]) -> None:
        """Durable when this returns (written and fsynced)."""
        line = (json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        with self._locked():
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = b"\n" + line  # a line torn by a crash stays apart (and is skipped)
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)

    def _read(self) -> list[dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        events = []
        for line in text.splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue  # torn by a crash before its fsync returned: never acknowledged
            if isinstance(event, dict) and "id" in event:
                events.append(event)
        return events

    def pending(self, checklist: str | None = None, environment: str | None = None) -> list[dict[str, Any]]:
        """Journaled events not yet shared, in order; of one stream when named."""
        return [
            event for event in self._read()
            if (checklist is None or event.get("checklist") == checklist)
            and (environment is None or event.get("environment") == environment)
        ]

    def replay(self, push: Callable[[list[dict[str, Any]]], object]) -> int:
        """Push every journaled event (in order, all at once), then empty the journal.

        `push` raising leaves the journal as it was. Returns how many events were pushed."""
        with self._locked():
            events = self._read()
            if not events:
                return 0
            push(events)
            fd = os.open(self.path, os.O_WRONLY)
            try:
                os.ftruncate(fd, 0)
                os.fsync(fd)
            finally:
                os.close(fd)
        return len(events)
