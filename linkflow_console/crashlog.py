"""Internal errors go to a crash log in the data directory, never as a traceback to the terminal."""

from __future__ import annotations

from pathlib import Path


def crash_log() -> Path:
    """Where internal errors are written."""
    from linkflow_console.paths import data_dir

    path = data_dir() / "crash.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    return path


def log_internal_error() -> Path | None:
    """Append the traceback being handled to the crash log; its path, or None when it cannot be written."""
    import traceback

    try:
        path = crash_log()
        with path.open("a", encoding="utf-8") as handle:
            handle.write(traceback.format_exc() + "\n")
    except Exception:
        return None
    return path
