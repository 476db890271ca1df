"""A cache of parsed checklist TOML, keyed by the file's content.

tomllib is pure Python: a 10,000-item checklist takes a third of a second to parse at every
start. The parsed tables are plain data, so marshal stores and loads them in milliseconds.
Validation still runs on every load; only the parse is skipped. Any cache problem means a parse."""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from pathlib import Path
from typing import Any

from linkflow_console.errors import ChecklistError, parse_toml

FORMAT = b"linkflow-console checklist cache 1\n"
MIN_CACHED_BYTES = 64 * 1024  # below this, parsing is as fast as reading the cache


def _cache_file(digest: str) -> Path:
    from linkflow_console.paths import data_dir

    return data_dir() / "cache" / f"checklist-{digest}.marshal"


def parse_checklist_toml(text: str, path: Path) -> dict[str, Any]:
    if len(text) < MIN_CACHED_BYTES:
        return parse_toml(text, path, ChecklistError)
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    cache = _cache_file(digest)
    try:
        blob = cache.read_bytes()
        if blob.startswith(FORMAT):
            return marshal.loads(blob[len(FORMAT):])
    except (OSError, EOFError, ValueError, TypeError):
        pass
    data = parse_toml(text, path, ChecklistError)
    _store(cache, data)
    return data


def _store(cache: Path, data: dict[str, Any]) -> None:
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(FORMAT + marshal.dumps(data))
        os.replace(tmp, cache)
    except (OSError, ValueError):
        pass  # a cache that cannot be written only costs the next start a parse
