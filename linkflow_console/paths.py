"""Where bundled resources and user files live."""

from __future__ import annotations

import os
from pathlib import Path

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


def default_state_path(checklist_id: str, environment: str) -> Path:
    return data_dir() / f"{checklist_id}.{environment}.state.toml"
