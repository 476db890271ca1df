"""The whole state file checked before it is used or written to: schema version, owner keys,
recorded probe results and launch data. Items are checked where they are built (model.py).
Every refusal names the file and line; nothing is written to a file that fails here."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from linkflow_console.errors import StateError
from linkflow_console.limits import MAX_DEPTH, decoded_text, depth_of, max_bytes, read_bounded, too_large

KNOWN_SCHEMAS = (1,)
_FIX = "correct it by hand (the file is plain TOML), or move the file away to start afresh; nothing was written"


def read_state_text(path: Path) -> str:
    """The state file's text, refused when larger than any real state (a device, a wrong file)."""
    blob = read_bounded(path, "state")
    if len(blob) > max_bytes("state"):
        raise StateError(too_large("state", len(blob)), path=path, fix="pass the state file itself with --state")
    return decoded_text(blob)


def loads_state(text: str, path: Path) -> dict[str, Any]:
    """tomllib.loads with the nesting bounded; a syntax error stays a TOMLDecodeError for the
    caller, which keeps a copy of the file aside."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except RecursionError:
        data = None
    if data is None or depth_of(data) > MAX_DEPTH:
        raise StateError(f"the state file nests tables or arrays more than {MAX_DEPTH} levels deep", path=path, fix=_FIX)
    return data


def _line(text: str, pattern: str, start: int = 1) -> int | None:
    regex = re.compile(pattern)
    for number, row in enumerate(text.splitlines(), 1):
        if number >= start and regex.search(row):
            return number
    return None


def _key_line(text: str, key: str, start: int = 1) -> int | None:
    return _line(text, rf"(^|[\s{{,.\"]){re.escape(key)}\"?\s*=", start)


def _table_line(text: str, table: str) -> int | None:
    return _line(text, rf"^\s*\[\[?\s*{re.escape(table)}\b") or _key_line(text, table)


def check_top(data: dict[str, Any], text: str, path: Path) -> None:
    """Schema version and the keys that say whose state this is."""
    if depth_of(data) > MAX_DEPTH:
        raise StateError(f"the state file nests tables or arrays more than {MAX_DEPTH} levels deep", path=path, fix=_FIX)
    schema = data.get("schema", KNOWN_SCHEMAS[-1])
    if isinstance(schema, bool) or not isinstance(schema, int):
        raise StateError(f"schema must be a whole number like 1, not {schema!r}", path=path, line=_key_line(text, "schema"), fix=_FIX)
    if schema not in KNOWN_SCHEMAS:
        newer = schema > KNOWN_SCHEMAS[-1]
        raise StateError(
            f"state schema {schema} is {'newer than this console knows' if newer else 'unknown'} (it reads {', '.join(map(str, KNOWN_SCHEMAS))})",
            path=path, line=_key_line(text, "schema"),
            fix="upgrade linkflow-console to read this file" if newer else _FIX,
        )
    from linkflow_console.paths import name_problem

    checklist = data.get("checklist", "")
    if not isinstance(checklist, str):
        raise StateError("checklist must be text (the checklist's id)", path=path, line=_key_line(text, "checklist"), fix=_FIX)
    environment = data.get("environment")
    if environment is not None and name_problem(environment):
        raise StateError(str(name_problem(environment)), path=path, line=_key_line(text, "environment"), fix=_FIX)


def check_results(raw: Any, text: str, path: Path) -> None:
    """[results."PROBE"]: the latest result of each probe, with a status that exists."""
    from linkflow_console.probes.base import Status

    if raw is None:
        return
    if not isinstance(raw, dict):
        raise StateError("'results' must be a table of [results.\"PROBE\"] tables", path=path, line=_table_line(text, "results"), fix=_FIX)
    statuses = {str(s) for s in Status}
    for probe_id, result in raw.items():
        start = _line(text, re.escape(probe_id)) or 1

        def bad(message: str, key: str = "") -> StateError:
            line = _key_line(text, key, start) if key else start
            return StateError(f"result of probe {probe_id!r}: {message}", path=path, line=line or start, fix=_FIX)

        if not isinstance(result, dict):
            raise bad("must be a table of status, summary, evidence, ...")
        status = result.get("status")
        if status not in statuses:
            raise bad(f"status {status!r} does not exist (one of {', '.join(sorted(statuses))})", "status")
        if "started_at" in result and not _is_moment(result["started_at"]):
            raise bad("started_at must be a date and time", "started_at")
        evidence = result.get("evidence", [])
        if not isinstance(evidence, list) or not all(
            isinstance(e, dict) and all(k in e for k in ("label", "expected", "actual")) for e in evidence
        ):
            raise bad("evidence must be a list of { label, expected, actual, ok } tables", "evidence")
        for key in ("raw", "values"):
            if not isinstance(result.get(key, {}), dict):
                raise bad(f"{key} must be a table", key)
        values = result.get("values", {})
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values.values()):
            raise bad("values must hold numbers only", "values")
        duration = result.get("duration_ms", 0.0)
        if isinstance(duration, bool) or not isinstance(duration, int | float):
            raise bad("duration_ms must be a number", "duration_ms")


def _is_moment(value: Any) -> bool:
    if isinstance(value, datetime | date):
        return True
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value.strip())
        except ValueError:
            return False
        return True
    return False


def check_launch(raw: Any, text: str, path: Path) -> None:
    """[launch]: T0 a time, check-ins and log entries tables with a time each."""
    if raw is None:
        return
    start = _table_line(text, "launch") or 1

    def bad(message: str, key: str = "") -> StateError:
        return StateError(f"launch: {message}", path=path, line=(_key_line(text, key, start) if key else None) or start, fix=_FIX)

    if not isinstance(raw, dict):
        raise bad("must be a table")
    t0 = raw.get("t0")
    if "t0" in raw and not (isinstance(t0, datetime) or (isinstance(t0, str) and _is_moment(t0))):
        raise bad(f"t0 must be a date and time like 2026-11-26T09:00:00Z, not {t0!r}", "t0")
    if not isinstance(raw.get("started_by", ""), str):
        raise bad("started_by must be text", "started_by")
    checkins = raw.get("checkins", {})
    if not isinstance(checkins, dict):
        raise bad("checkins must be a table of check-in tables", "checkins")
    for checkin_id, entry in checkins.items():
        if not isinstance(entry, dict) or not _is_moment(entry.get("at")):
            raise bad(f"check-in {checkin_id!r} must be a table with at = a date and time", "at")
    for key in ("log", "samples"):
        entries = raw.get(key, [])
        if not isinstance(entries, list):
            raise bad(f"{key} must be a list of [[launch.{key}]] tables", key)
        for entry in entries:
            if not isinstance(entry, dict) or not _is_moment(entry.get("at")):
                raise bad(f"every {key} entry must be a table with at = a date and time", "at")
            if key == "log" and not isinstance(entry.get("kind"), str):
                raise bad("every log entry needs kind = \"note\", \"incident\", \"incident-resolved\" or \"decision\"", "kind")
            if key == "samples" and not isinstance(entry.get("values", {}), dict):
                raise bad("a sample's values must be a table of numbers", "values")

