"""The state file: TOML written with tomlkit (a person's comments survive), atomically, under a
lock, re-read before every change (two consoles lose nothing), with an append-only audit log."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tomllib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from typing import TYPE_CHECKING

from linkflow_console.errors import StateError, UserError, required_text, toml_error_line
from linkflow_console.fileio import atomic_write, real_path
from linkflow_console.limits import MAX_AUDIT_LINE
from linkflow_console.probes.base import ProbeResult
from linkflow_console.state.model import SCHEMA_VERSION, State, build_state
from linkflow_console.state.validation import loads_state, read_state_text

if TYPE_CHECKING:
    from tomlkit.toml_document import TOMLDocument

Mutation = Callable[["TOMLDocument", datetime], dict[str, Any]]


def _tomlkit():
    import tomlkit  # imported on the first write only: start-up reads with tomllib

    return tomlkit


def utc_now() -> datetime:
    return datetime.now(UTC)


def _seconds(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


class StateStore:
    read_only = False  # a served viewer's console: mutate, the one path every change takes, refuses all

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

    def changed_on_disk(self) -> bool:
        return self._disk_signature() != self._signature

    def refresh_if_changed(self) -> bool:
        """Reload when another console (or a person) changed the file. True when reloaded."""
        if not self.changed_on_disk():
            return False
        self.load()
        return True

    def _disk_signature(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _read_text(self) -> str:
        try:
            return read_state_text(self.path)
        except FileNotFoundError:
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

    def mutate(self, mutation: Mutation) -> State:
        """Lock, re-read from disk, apply, audit, write atomically. Returns the new state.

        The change is durable (fsynced) when this returns."""
        if self.read_only:
            raise UserError("read-only: this console is a viewer; nothing was changed",
                            fix="ask an operator, or open the console with an operator token")
        with self._locked():
            doc, _ = self._read_doc()
            now = _seconds(self.clock())
            entry = mutation(doc, now)
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
                self._append_audit({"at": now.isoformat(), **entry})
                atomic_write(self.path, text)
            except OSError as exc:
                raise self._unwritable(exc) from None
            self._state = state
            self._signature = self._disk_signature()
        return self._state

    def _append_audit(self, entry: dict[str, Any]) -> None:
        line = json.dumps({**entry, "checklist": self.checklist_id, "environment": self.environment}, default=str)
        fd = os.open(self.audit_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def audit_entries(self) -> list[dict[str, Any]]:
        try:
            lines = self.audit_path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        entries = []
        for line in lines:
            try:
                entry = json.loads(line) if len(line) <= MAX_AUDIT_LINE else None
            except (json.JSONDecodeError, RecursionError):
                continue  # a torn last line after a crash: the state file is the truth
            if isinstance(entry, dict):
                entries.append(entry)
        return entries

    # -- item operations -----------------------------------------------------------------
    def _change_item(
        self,
        item_id: str,
        by: str,
        action: str,
        fields: Callable[[datetime], dict[str, Any]],
        text: str = "",
        audit: dict[str, Any] | None = None,
    ) -> State:
        """One recorded change to an item: set the fields (an empty value removes the key),
        append a history entry, and audit it."""

        def apply(doc: TOMLDocument, now: datetime) -> dict[str, Any]:
            table = _item_table(doc, item_id)
            for key, value in fields(now).items():
                if value in ("", None):
                    table.pop(key, None)
                else:
                    table[key] = value
            _history(table, action, by, now, text)
            return {"action": action, "item": item_id, "by": by, **(audit or {})}

        return self.mutate(apply)

    def tick(self, item_id: str, by: str, note: str = "") -> State:
        return self._set_done(item_id, by, note, done=True)

    def untick(self, item_id: str, by: str, note: str = "") -> State:
        return self._set_done(item_id, by, note, done=False)

    def _set_done(self, item_id: str, by: str, note: str, *, done: bool) -> State:
        return self._change_item(
            item_id, by, "tick" if done else "untick",
            # without a note the item's earlier note stays (it is a note, not part of the tick)
            lambda now: {"done": done, "by": by, "at": now, **({"note": note} if note.strip() else {})},
            note, {"note": note},
        )

    def add_note(self, item_id: str, by: str, text: str) -> State:
        text = required_text(text, "note", "say what you want to record")
        return self._change_item(item_id, by, "note", lambda now: {"note": text}, text, {"note": text})

    def set_na(self, item_id: str, by: str, reason: str) -> State:
        reason = required_text(reason, "reason", "N/A needs a reason, e.g. --reason 'single region deployment'")
        return self._change_item(item_id, by, "na", lambda now: {"na_reason": reason}, reason, {"reason": reason})

    def clear_na(self, item_id: str, by: str) -> State:
        return self._change_item(item_id, by, "clear-na", lambda now: {"na_reason": ""})

    def waive(self, item_id: str, by: str, reason: str, owner: str, until: date) -> State:
        reason = required_text(reason, "reason", "a waiver needs a reason")
        owner = required_text(owner, "owner", "a waiver needs an owner who will close it")
        if until < self.clock().date():
            raise UserError(f"waiver date {until} is in the past", fix="give --until a future date (YYYY-MM-DD)")

        def fields(now: datetime) -> dict[str, Any]:
            waiver = _tomlkit().inline_table()
            waiver.update({"reason": reason, "owner": owner, "until": until, "by": by, "at": now})
            return {"waiver": waiver}

        summary = f"{reason} (owner {owner}, until {until.isoformat()})"
        audit = {"reason": reason, "owner": owner, "until": until.isoformat()}
        return self._change_item(item_id, by, "waive", fields, summary, audit)

    def unwaive(self, item_id: str, by: str) -> State:
        return self._change_item(item_id, by, "unwaive", lambda now: {"waiver": ""})

    def record_results(self, results: Iterable[ProbeResult]) -> State:
        """Keep the latest result of each probe, so the console shows them offline."""
        results = list(results)

        def apply(doc: TOMLDocument, now: datetime) -> dict[str, Any]:
            _super_table(doc, "results")
            table = _standard_table(doc, "results", super_table=True)
            for result in results:
                data = result.to_dict()
                del data["probe"]
                entry = _tomlkit().table()
                for key in ("status", "summary", "duration_ms", "started_at"):
                    entry[key] = data[key]
                entry["evidence"] = _inline_array(data["evidence"])
                entry["raw"] = _inline(data["raw"])
                entry["values"] = _inline(data["values"])
                table[result.probe_id] = entry
            counts: dict[str, int] = {}
            for result in results:
                counts[str(result.status)] = counts.get(str(result.status), 0) + 1
            return {"action": "probe-results", "by": "console", "counts": counts}

        return self.mutate(apply)


def _super_table(doc: TOMLDocument, key: str) -> Any:
    if key not in doc:
        doc.add(key, _tomlkit().table(is_super_table=True))
    return doc[key]


def _standard_table(container: Any, key: str, *, super_table: bool = False) -> Any:
    """container[key] as a standard table: a hand-written inline table `{ ... }` cannot take
    new sub-tables (tomlkit would write invalid TOML), so it becomes `[key]` at the end."""
    tomlkit = _tomlkit()
    from tomlkit.items import InlineTable

    value = container[key]
    if not isinstance(value, InlineTable):
        return value
    table = tomlkit.table(is_super_table=super_table)
    for k, v in value.items():
        table[k] = v
    container.remove(key)
    container.append(key, table)
    return container[key]


def _item_table(doc: TOMLDocument, item_id: str) -> Any:
    _super_table(doc, "items")
    items = _standard_table(doc, "items", super_table=True)
    if item_id not in items:
        items[item_id] = _tomlkit().table()
    return _standard_table(items, item_id)


def _history(table: Any, action: str, by: str, now: datetime, text: str) -> None:
    from tomlkit.items import AoT

    if "history" not in table:
        table["history"] = _tomlkit().aot()
    elif not isinstance(table["history"], AoT):  # hand-written `history = [{...}]`
        aot = _tomlkit().aot()
        for old in table["history"]:
            row = _tomlkit().table()
            row.update(old.unwrap() if hasattr(old, "unwrap") else dict(old))
            aot.append(row)
        table["history"] = aot
    entry = _tomlkit().table()
    entry.update({"action": action, "by": by, "at": now})
    if text:
        entry["text"] = text
    table["history"].append(entry)


def _inline(mapping: dict[str, Any]) -> Any:
    table = _tomlkit().inline_table()
    table.update(mapping)
    return table


def _inline_array(rows: list[dict[str, Any]]) -> Any:
    array = _tomlkit().array()
    array.multiline(True)
    for row in rows:
        array.append(_inline(row))
    return array


def _key_line(text: str, key: str) -> int | None:
    """The line that sets a top-level `key =` (a substring search would hit the header comment)."""
    import re

    for number, row in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*{re.escape(key)}\s*=", row):
            return number
    return None
