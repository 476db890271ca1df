"""A cache of parsed checklist TOML, keyed by the file's content.

tomllib is pure Python: the bundled checklist takes 3 ms to parse at every start, a 10,000-item
one a third of a second. The parsed tables are plain data, so marshal stores and loads them in a
fraction of that. The cache holds the text it was parsed from and is used only when that text is
exactly the file's (a checksum names the cache file; it decides nothing). Validation still runs
on every load; only the parse is skipped. Any cache problem means a parse."""

from __future__ import annotations

import marshal
import os
import tempfile
import zlib
from pathlib import Path
from typing import Any

from linkflow_console.errors import ChecklistError, parse_toml

FORMAT = b"linkflow-console checklist cache 2\n"
MIN_CACHED_BYTES = 8 * 1024  # below this, parsing is as fast as reading the cache


def _cache_file(key: str) -> Path:
    from linkflow_console.paths import data_dir

    return data_dir() / "cache" / f"checklist-{key}.marshal"


def parse_checklist_toml(text: str, path: Path) -> dict[str, Any]:
    if len(text) < MIN_CACHED_BYTES:
        return parse_toml(text, path, ChecklistError)
    cache = _cache_file(f"{zlib.crc32(text.encode()):08x}-{len(text):x}")
    try:
        blob = cache.read_bytes()
        if blob.startswith(FORMAT):
            cached_text, data = marshal.loads(blob[len(FORMAT):])
            if cached_text == text:
                return data
    except (OSError, EOFError, ValueError, TypeError):
        pass
    data = parse_toml(text, path, ChecklistError)
    _store(cache, text, data)
    return data


def _store(cache: Path, text: str, data: dict[str, Any]) -> None:
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(FORMAT + marshal.dumps((text, data)))
        os.replace(tmp, cache)
    except (OSError, ValueError):
        pass  # a cache that cannot be written only costs the next start a parse
