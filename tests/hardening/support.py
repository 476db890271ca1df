"""Shared pieces of the hardening tests: a small valid checklist, profile and state, the CLI run
in-process, and a snapshot of every file so a test can prove nothing was changed."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.test_loader_errors import GOOD  # the small valid checklist, two items

CHECKLIST = GOOD.replace('id = "mini"', 'id = "hard"', 1)  # "hard" names the state files below

STATE = """schema = 1
checklist = "hard"
environment = "test"

[items."sec.sub.one"]
done = true
by = "alice"
at = 2026-11-26T09:00:00Z
note = "checked"
"""

PROFILE = 'name = "test"\ntimeout = 2.0\n'
DIRECTORY = object()  # a files-table value: make a directory there


@dataclass(frozen=True)
class Link:
    """A files-table value: a symlink to `target` (relative to the case directory, or itself)."""

    target: str


@dataclass
class Case:
    id: str
    files: dict[str, object]
    argv: list[str]
    fragment: str  # in stderr
    names: str | None = None  # the file the message must name (relative to the case directory)
    line: int | None = None
    env: dict[str, str] = field(default_factory=dict)
    code: int = 2


def lay_out(root: Path, files: dict[str, object]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is DIRECTORY:
            path.mkdir(exist_ok=True)
        elif isinstance(content, Link):
            path.symlink_to(content.target)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(str(content), encoding="utf-8")


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Every file under root: content digest and mode (symlinks as their target)."""
    found = {}
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath, name)
            if path.is_symlink() and not path.exists():
                found[str(path.relative_to(root))] = ("dangling", 0)
                continue
            blob = path.read_bytes() if path.is_file() else b""
            found[str(path.relative_to(root))] = (hashlib.sha256(blob).hexdigest(), path.stat().st_mode)
    return found


# files a refused command may create without changing anything: the lock two consoles share, a
# copy kept aside of a state that could not be read, the parse cache
_HARMLESS_NEW = (".lock", ".corrupt-", "cache/")


def unchanged(before: dict[str, tuple[str, int]], after: dict[str, tuple[str, int]]) -> list[str]:
    changed = [name for name, seen in before.items() if after.get(name) != seen]
    created = [name for name in after if name not in before and not any(h in name for h in _HARMLESS_NEW)]
    return changed + created


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """cli.main in-process (fast); argparse's own exits count as the exit code."""
    from linkflow_console.cli import main

    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def expand(argv: list[str], root: Path) -> list[str]:
    return [arg.replace("{d}", str(root)) for arg in argv]
