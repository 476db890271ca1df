"""The TOML state backend: the state file is a readable projection written with tomlkit (a
person's comments survive), atomically, under a lock, re-read before every event (two consoles
lose nothing); the append-only audit log beside it holds the events, one JSON line each."""

from __future__ import annotations

import fcntl
import os
import shutil
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkflow_console.errors import StateError, UserError, toml_error_line
from linkflow_console.fileio import atomic_write, real_path
from linkflow_console.state.apply import apply_event
from linkflow_console.state.backend import StateBackend
from linkflow_console.state.events import Event, read_events
from linkflow_console.state.model import SCHEMA_VERSION, State, build_state
from linkflow_console.state.validation import loads_state, read_state_text
from linkflow_console.timefmt import utc_now

if TYPE_CHECKING:
    from tomlkit.toml_document import TOMLDocument


class StateStore(StateBackend):
    read_only = False  # a served viewer's console: append, the one path every change takes, refuses all

    def __init__(
        self,
        path: Path | str,
        checklist_id: str,
        environment: str = "default",
        *,
        clock: Callable[[], datetime] = utc_now,
        adopt_environment: bool = False,
    ) -> None:
        """`adopt_environment`: the environment was not chosen explicitly (no --env, no profile),
        so a state file chosen with --state keeps its own environment instead of being refused."""
        self.path = Path(path)
        self.checklist_id = checklist_id
        self.environment = environment
        self.adopt_environment = adopt_environment
        self.clock = clock
        real = real_path(self.path)  # a symlinked state: its audit log and lock sit beside the real file
        self.audit_path = real.with_name(real.name.removesuffix(".toml") + ".audit.jsonl")
        self._lock_path = real.with_name(real.name + ".lock")
        self._state: State | None = None
        self._signature: tuple[int, int, int] | None = None

    @property
    def location(self) -> str:
        return str(self.path)

    def new_event(self, kind: str, target: str, fields: Any, by: str) -> Event:
        if self.adopt_environment:
            self.state  # noqa: B018 - a --state file's own environment goes into its events
        return super().new_event(kind, target, fields, by)

    # -- reading -------------------------------------------------------------------------
    @property
    def state(self) -> State:
        if self._state is None:
            self.load()
        assert self._state is not None
        return self._state

    def load(self) -> State:
        """Read-only load with the stdlib parser (fast start-up); writes use tomlkit."""
        signature = self._disk_signature()
        text = self._read_text()
        try:
            data = loads_state(text, self.path)
        except tomllib.TOMLDecodeError as exc:
            raise self._corrupt(text, str(exc), toml_error_line(exc, text)) from None
        self._check_owner(data, text)
        self._state = build_state(data, text, self.path)
        self._signature = signature
        return self._state

    def changed(self) -> bool:
        """Another console (or a person) changed the file since it was last read."""
        return self._disk_signature() != self._signature

    changed_on_disk = changed  # the name the TUI used before backends

    def _disk_signature(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _read_text(self) -> str:
        try:
            return read_state_text(self.path)
        except (FileNotFoundError, NotADirectoryError):  # nothing there yet; a write says why it cannot
            return ""
        except IsADirectoryError:
            raise StateError(
                "the state path is a directory, not a file",
                path=self.path,
                fix="pass a file name with --state, e.g. --state DIR/production.state.toml",
            ) from None
        except UnicodeDecodeError as exc:
            raise self._corrupt(None, f"{exc.reason} at byte {exc.start}", None, "is not UTF-8 text") from None
        except OSError as exc:
            raise StateError(
                f"cannot read state file: {exc.strerror or exc}",
                path=self.path,
                fix="check the file's permissions, or pass another file with --state",
            ) from None

    def _read_doc(self) -> tuple[TOMLDocument, str]:
        import tomlkit
        from tomlkit.exceptions import ParseError

        text = self._read_text()
        if not text.strip():
            return self._new_doc(), text
        try:
            data = loads_state(text, self.path)  # the stdlib parser is the reference: tomlkit accepts some invalid TOML
            doc = tomlkit.parse(text)
        except tomllib.TOMLDecodeError as exc:
            raise self._corrupt(text, str(exc), toml_error_line(exc, text)) from None
        except ParseError as exc:
            raise self._corrupt(text, str(exc), exc.line) from None
        self._check_owner(data, text)
        # a hand-edited file is checked before anything is written to it
        build_state(data, text, self.path)
        for key, value in (("schema", SCHEMA_VERSION), ("checklist", self.checklist_id), ("environment", self.environment)):
            if key not in doc:
                doc.add(key, value)  # tomlkit puts plain keys above the first table
        return doc, text

    def _corrupt(self, text: str | None, reason: str, line: int | None, what: str = "is not valid TOML") -> StateError:
        kept = self._keep_aside(text)
        where = f"a copy is kept at {kept}" if kept else "no copy could be kept beside it (read-only directory)"
        return StateError(
            f"state file {what} ({reason}); it was not changed and {where}",
            path=self.path,
            line=line,
            fix="repair that line by hand, or move the file away to start a fresh state",
        )

    def _check_owner(self, data: dict[str, Any], text: str) -> None:
        checklist = data.get("checklist")
        if checklist not in (None, self.checklist_id):
            raise StateError(
                f"this state belongs to checklist {checklist!r}, not {self.checklist_id!r}",
                path=self.path,
                line=_key_line(text, "checklist"),
                fix="pass the matching --checklist, or a different --state",
            )
        environment = data.get("environment")
        if environment is None or environment == self.environment:
            return
        if self.adopt_environment and isinstance(environment, str) and environment:
            self.environment = str(environment)
            return
        raise StateError(
            f"this state belongs to environment {environment!r}, not {self.environment!r}",
            path=self.path,
            line=_key_line(text, "environment"),
            fix=f"pass --env {environment} to use this file, or a different --state for {self.environment!r}",
        )

    def _keep_aside(self, text: str | None) -> Path | None:
        import hashlib

        try:
            blob = self.path.read_bytes() if text is None else text.encode()
            digest = hashlib.sha256(blob).hexdigest()[:10]
            kept = self.path.with_name(f"{self.path.name}.corrupt-{digest}")
            if not kept.exists():
                shutil.copy2(self.path, kept)
        except OSError:
            return None  # a read-only directory: the original is still never touched
        return kept

    def _new_doc(self) -> TOMLDocument:
        import tomlkit

        doc = tomlkit.document()
        doc.add(tomlkit.comment(f"linkflow-console state: checklist {self.checklist_id!r}, environment {self.environment!r}."))
        doc.add(tomlkit.comment("Plain TOML: safe to read and edit by hand; comments you add are kept."))
        doc.add(tomlkit.comment(f"Every change is also appended to {self.audit_path.name}."))
        doc.add("schema", SCHEMA_VERSION)
        doc.add("checklist", self.checklist_id)
        doc.add("environment", self.environment)
        return doc

    # -- writing -------------------------------------------------------------------------
    def _unwritable(self, exc: OSError) -> StateError:
        reason = exc.strerror or str(exc)
        if isinstance(exc, (FileExistsError, NotADirectoryError)):
            reason = "a part of its directory path is a file, not a directory"
        return StateError(
            f"cannot write the state there: {reason}",
            path=self.path,
            fix="pass a writable file with --state, or point LINKFLOW_CONSOLE_DATA at a writable directory; nothing was recorded",
        )

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock_file = open(self._lock_path, "a")
        except OSError as exc:
            raise self._unwritable(exc) from None
        with lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def append(self, event: Event) -> State:
        """Lock, re-read from disk, apply the event, append it to the audit log, write the file
        atomically. Returns the new state; the change is durable (fsynced) when this returns."""
        if self.read_only:
            raise UserError("read-only: this console is a viewer; nothing was changed",
                            fix="ask an operator, or open the console with an operator token")
        with self._locked():
            doc, _ = self._read_doc()
            self._check_event_owner(event)
            apply_event(doc, event)
            text = doc.as_string()
            try:  # never replace a readable file with one that is not
                state = build_state(tomllib.loads(text), text, self.path)
            except (tomllib.TOMLDecodeError, StateError) as exc:
                raise StateError(
                    f"this change would not give a valid state file ({exc}); the file was not changed",
                    path=self.path,
                    fix="the file's layout is unusual: move the hand-edited part into plain [items.\"ID\"] tables",
                ) from None
            try:
                self._append_audit(event)
                atomic_write(self.path, text)
            except OSError as exc:
                raise self._unwritable(exc) from None
            self._state = state
            self._signature = self._disk_signature()
        return self._state

    def _check_event_owner(self, event: Event) -> None:
        for what, theirs, ours in (("checklist", event.checklist, self.checklist_id), ("environment", event.environment, self.environment)):
            if theirs and theirs != ours:
                raise StateError(f"an event of {what} {theirs!r} cannot be recorded in the state of {what} {ours!r}",
                                 path=self.path, fix="copy events between states with `state copy`; nothing was written")

    def _append_audit(self, event: Event) -> None:
        fd = os.open(self.audit_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (event.to_json() + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def events_since(self, cursor: int = 0) -> tuple[list[Event], int]:
        """The audit log's events after byte offset `cursor` (whole lines only)."""
        try:
            with open(self.audit_path, "rb") as handle:
                handle.seek(cursor)
                blob = handle.read()
        except FileNotFoundError:
            return [], 0
        complete = blob[: blob.rfind(b"\n") + 1]  # a line still being written waits for next time
        lines = complete.decode("utf-8", errors="replace").splitlines()
        return read_events(lines, where=str(self.audit_path)), cursor + len(complete)

    def audit_entries(self) -> list[dict[str, Any]]:
        """The audit log as event objects (`Event.to_dict`), old lines read as events."""
        return [event.to_dict() for event in self.events_since(0)[0]]


def _key_line(text: str, key: str) -> int | None:
    """The line that sets a top-level `key =` (a substring search would hit the header comment)."""
    import re

    for number, row in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*{re.escape(key)}\s*=", row):
            return number
    return None
