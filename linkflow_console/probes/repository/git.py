"""The repository probe source: the git CLI in a subprocess (async, with the probe's timeout, never a
network command) and the committed files, read once per sweep."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkflow_console.probes.base import ProbeError
from linkflow_console.probes.context import ProbeContext

SEMVER = re.compile(r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
MAX_TEXT_BYTES = 2 * 1024 * 1024
GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", "GIT_PAGER": "cat"}


def root(ctx: ProbeContext) -> Path:
    path = Path(str(ctx.setting("repository.path")))
    if not path.is_dir():
        raise ProbeError(f"repository.path {path} is not a directory")
    return path


async def git(ctx: ProbeContext, *args: str, check: bool = True) -> tuple[int, str]:
    """(exit code, stdout) of `git -C <repository.path> args`; a hang costs one timeout at most."""
    limit = ctx.timeout * 0.8
    try:
        process = await asyncio.create_subprocess_exec(
            "git", "-C", str(root(ctx)), *args,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={**os.environ, **GIT_ENV},
            start_new_session=True,  # its own process group: a timeout kills git and any hook it runs
        )
    except FileNotFoundError:
        raise ProbeError("git is not installed: the repository probes need the git CLI") from None
    try:
        out, err = await asyncio.wait_for(process.communicate(), limit)
    except TimeoutError:
        await _kill(process)
        raise ProbeError(f"git {' '.join(args)} did not finish within {limit:.1f} s") from None
    except asyncio.CancelledError:  # the sweep gave up: leave no git process behind
        await _kill(process)
        raise
    if check and process.returncode != 0:
        message = err.decode(errors="replace").strip().splitlines()
        raise ProbeError(f"git {' '.join(args)} failed in {root(ctx)}: {message[-1] if message else process.returncode}")
    return process.returncode or 0, out.decode(errors="replace")


async def _kill(process: asyncio.subprocess.Process) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    await process.communicate()  # drains and closes the pipes, so no transport outlives the loop


async def tracked_files(ctx: ProbeContext) -> list[str]:
    """Committed paths (relative, /-separated), once per sweep; not a git work tree = error."""

    async def read() -> list[str]:
        _, out = await git(ctx, "ls-files", "-z")
        return [p for p in out.split("\0") if p]

    return await ctx.shared(("repository.files", str(ctx.setting("repository.path"))), read)


def read_text(ctx: ProbeContext, relative: str) -> str | None:
    """A committed file's text from the work tree, or None when unreadable, binary or huge."""
    path = root(ctx) / relative
    try:
        if path.stat().st_size > MAX_TEXT_BYTES:
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def yaml_documents(text: str) -> list[Any]:
    """Every document that parses; a Helm template or broken file yields nothing (not ours to judge)."""
    import yaml

    try:
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError:
        return []


@dataclass(frozen=True, order=True)
class Version:
    key: tuple[int, int, int, int, str]
    tag: str

    @property
    def number(self) -> str:
        return self.tag[1:] if self.tag.startswith("v") else self.tag


def semver(tag: str) -> Version | None:
    match = SEMVER.match(tag.strip())
    if not match:
        return None
    major, minor, patch, pre = match.groups()
    return Version((int(major), int(minor), int(patch), 0 if pre else 1, pre or ""), tag.strip())


async def semver_tags(ctx: ProbeContext) -> list[Version]:
    """The repository's semver tags, newest version first."""

    async def read() -> list[Version]:
        _, out = await git(ctx, "tag", "--list")
        return sorted((v for v in (semver(t) for t in out.splitlines()) if v), reverse=True)

    return await ctx.shared(("repository.tags", str(ctx.setting("repository.path"))), read)
