"""A local snapshot of a stream's folded state, so a store with 10,000 events opens without
parsing and applying them all: the fold of the server's events up to a seq, kept beside the
event cache. Only a cache: it is used when it was made from the same store, by the same apply
function, and it is rebuilt from the events whenever it is missing, stale or unreadable.

The server's order is final below any seq a console has seen (inserts commit in seq order), so a
fold up to seq N never changes afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

SNAPSHOT_EVERY = 500  # events folded since the last snapshot before a new one is written


def _apply_fingerprint() -> str:
    """Changes when the apply function (or the event format) changes: a snapshot of another
    version's fold is not used."""
    from linkflow_console.state import apply, events

    digest = hashlib.sha256()
    for module in (apply, events):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def _encode(value: Any) -> Any:
    """json.dumps `default`: the only non-JSON values a folded document holds."""
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    raise TypeError(f"{type(value).__name__} in a folded state")


def _decode(mapping: dict[str, Any]) -> Any:
    """json.loads `object_hook`."""
    if len(mapping) == 1:
        if "$dt" in mapping:
            return datetime.fromisoformat(mapping["$dt"])
        if "$d" in mapping:
            return date.fromisoformat(mapping["$d"])
    return mapping


def read_snapshot(path: Path, store_id: str | None) -> tuple[int, dict[str, Any]] | None:
    """(seq, folded document) when the snapshot is of this store and this apply function."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"), object_hook=_decode)
        if data["store_id"] != store_id or data["apply"] != _apply_fingerprint() or store_id is None:
            return None
        return int(data["seq"]), data["doc"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_snapshot(path: Path, store_id: str | None, seq: int, doc: dict[str, Any]) -> None:
    """Atomically (temp file, rename); best effort: a snapshot never blocks a change."""
    if store_id is None:
        return
    text = json.dumps({"store_id": store_id, "apply": _apply_fingerprint(), "seq": seq, "doc": doc},
                      ensure_ascii=False, separators=(",", ":"), default=_encode)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except (OSError, UnboundLocalError):
            pass
