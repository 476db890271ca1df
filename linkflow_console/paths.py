"""Where bundled resources and user files live."""

from __future__ import annotations

import os
import re
from pathlib import Path

from linkflow_console.errors import UserError

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def bundled_dir(name: str) -> Path:
    """`checklists` or `runbooks`: from the installed wheel, else from the source checkout."""
    installed = _PACKAGE / "_bundled" / name
    if installed.is_dir():
        return installed
    return _CHECKOUT / name


def bundled_checklist() -> Path:
    return bundled_dir("checklists") / "production.toml"


def data_dir() -> Path:
    override = os.environ.get("LINKFLOW_CONSOLE_DATA")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("linkflow-console", appauthor=False))


# An environment name becomes part of a file name in the data directory: letters, digits, '-',
# '_' and single dots between them; never a '/', '..' or an empty name.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9][A-Za-z0-9_-]*)*$")
MAX_NAME = 64
NAME_RULE = "letters, digits, '-', '_' and single '.' between them, at most 64 characters, e.g. production"


def name_problem(name: object, what: str = "environment name") -> str | None:
    """Why `name` cannot name a file in the data directory, or None when it can."""
    if not isinstance(name, str):
        return f"the {what} must be text, not {type(name).__name__}"
    if not name:
        return f"the {what} is empty"
    if len(name) > MAX_NAME:
        return f"the {what} is {len(name)} characters long (at most {MAX_NAME})"
    if not NAME_PATTERN.fullmatch(name):
        return f"the {what} {name!r} cannot name a file (use {NAME_RULE})"
    return None


def check_environment(name: object, *, path: Path | str | None = None, line: int | None = None, fix: str = "") -> str:
    problem = name_problem(name)
    if problem:
        raise UserError(problem, path=path, line=line, fix=fix or f"use {NAME_RULE}")
    return str(name)


def environment_flag(text: str) -> str:
    """argparse type of --env: a bad name is a usage error (exit 2) before anything is opened."""
    import argparse

    problem = name_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(f"{problem}; use {NAME_RULE}")
    return text


def default_state_path(checklist_id: str, environment: str) -> Path:
    check_environment(environment, fix=f"pass --env NAME or set the profile's name; use {NAME_RULE}")
    problem = name_problem(checklist_id, "checklist id")
    if problem:
        raise UserError(problem, fix="give the checklist a plain id, e.g. id = \"production\"")
    base = data_dir()
    path = base / f"{checklist_id}.{environment}.state.toml"
    if path.parent != base:  # the patterns make this impossible; a last line of defence
        raise UserError("the state would be written outside the data directory", path=path, fix=f"use {NAME_RULE}")
    return path
