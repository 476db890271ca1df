"""What the console remembers about its own screen between runs (the item it was on), per state
file, in a small file in the data directory: never in the state, which is the team's record."""

from __future__ import annotations

import json
import os
from pathlib import Path

from linkflow_console.paths import data_dir

FILE_NAME = "ui-memory.json"
KEPT = 50  # state files remembered; the oldest are forgotten


def _path() -> Path:
    return data_dir() / FILE_NAME


def _read() -> dict[str, dict[str, str]]:
    try:
        data = json.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # missing or damaged: nothing remembered, nothing to tell
    return data if isinstance(data, dict) else {}


def _key(location: str) -> str:
    """A state file by its real path; a team store by its URL (shown without a password)."""
    return location if "://" in location else str(Path(location).resolve())


def last_item(location: str) -> str | None:
    entry = _read().get(_key(location))
    item = entry.get("item") if isinstance(entry, dict) else None
    return item if isinstance(item, str) else None


def remember_item(location: str, item_id: str) -> None:
    """Best effort (a read-only data directory only costs the memory): write a temporary file, then replace."""
    data = _read()
    key = _key(location)
    data.pop(key, None)
    data[key] = {"item": item_id}
    data = dict(list(data.items())[-KEPT:])
    path = _path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{FILE_NAME}.{os.getpid()}")
        temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass
