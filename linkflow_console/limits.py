"""Bounds on what the console reads: file size and nesting depth.

A hostile or broken file (a few thousand `[`, a 10 GB log) must end in a message naming the file
and exit 2, never a RecursionError, a frozen console or an exhausted machine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
MAX_BYTES = {
    "checklist": 64 * MIB,  # the 10,000-item benchmark checklist is about 3 MiB
    "markdown checklist": 16 * MIB,
    "profile": 1 * MIB,
    "launch schedule": 4 * MIB,
    "state": 64 * MIB,
    "env file": 4 * MIB,
    "runbook": 8 * MIB,
    "OpenAPI document": 16 * MIB,  # as much as the HTTP probes read of an answer
}
DEFAULT_MAX_BYTES = 16 * MIB
MAX_AUDIT_LINE = 1 * MIB
# No file the console reads nests deeper than 6 (state: results -> probe -> evidence -> row ->
# value); 32 leaves room for any hand-written layout and stays far below Python's stack.
MAX_DEPTH = 32


def max_bytes(what: str) -> int:
    return MAX_BYTES.get(what, DEFAULT_MAX_BYTES)


def too_large(what: str, size: int) -> str:
    limit = max_bytes(what)
    return f"the {what} file is too large ({size / MIB:.1f} MiB; the limit is {limit // MIB} MiB)"


def read_bounded(path: Path, what: str) -> bytes:
    """At most the limit for `what`, plus one byte to tell it was exceeded (also for a device or
    a pipe, whose size stat cannot tell)."""
    limit = max_bytes(what)
    with open(path, "rb") as handle:
        return handle.read(limit + 1)


def decoded_text(blob: bytes, encoding: str = "utf-8") -> str:
    """A file's bytes as text mode reads them: decoded, line endings as `\n`."""
    return blob.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")


def read_regular_text(path: Path, what: str, encoding: str = "utf-8") -> str:
    """A probe's input file (an env file, an OpenAPI document) as text: a regular file only, since
    opening a pipe blocks until a writer comes, in a thread the sweep's timeout cannot stop; at
    most the limit for `what`. OSError (FileNotFoundError, ...) as open() raises it,
    UnicodeDecodeError for bytes that are not `encoding`; ValueError when the path is not a
    regular file or is too large, its message saying which."""
    import stat

    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path} is not a regular file (a device, a pipe or a directory)")
    blob = read_bounded(path, what)
    if len(blob) > max_bytes(what):
        raise ValueError(f"{path} is too large for an {what} ({info.st_size / MIB:.1f} MiB; the limit is {max_bytes(what) // MIB} MiB)")
    return decoded_text(blob, encoding)


def depth_of(data: Any) -> int:
    """Nesting depth of parsed data (dicts and lists), without recursion; stops counting past
    MAX_DEPTH (the caller only needs to know it is too deep)."""
    if not isinstance(data, dict | list):
        return 0
    deepest, level = 1, [data]
    while level and deepest <= MAX_DEPTH:
        deeper = []
        for value in level:
            children = value.values() if isinstance(value, dict) else value
            deeper.extend(child for child in children if isinstance(child, dict | list))
        if deeper:
            deepest += 1
        level = deeper
    return deepest


def too_deep_message(what: str) -> str:
    return f"the {what} nests tables or arrays too deeply (more than {MAX_DEPTH} levels)"
