"""The launch schedule (checklists/launch-schedule.toml) -> immutable check-ins, with errors
that name file:line and the fix, like the checklist loader."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from linkflow_console.checklist.model import Checklist
from linkflow_console.errors import UserError, line_of, parse_toml, read_text_file
from linkflow_console.paths import bundled_dir

SCHEDULE_FILE = "launch-schedule.toml"
OFFSET_PATTERN = re.compile(r"^(\d+)([mhd])$")
UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
DEFAULT_GRACE = timedelta(minutes=15)
DEFAULT_GRACE_FRACTION = 0.25
WEEK_DAYS = range(1, 8)
_KEYS = {
    "schedule": {"due", "owners", "checkins", "week"},
    "due": {"grace_minutes", "grace_fraction"},
    "checkins": {"item", "at", "probes"},
    "week": {"item", "day"},
}


class ScheduleError(UserError):
    """The launch schedule TOML is malformed."""


@dataclass(frozen=True, slots=True)
class CheckIn:
    """One moment an item is checked. `opens`/`closes` are offsets from T0: due between them,
    overdue after `closes`."""

    id: str
    item_id: str
    label: str  # "15m", "1h", "3d"
    at: timedelta
    opens: timedelta
    closes: timedelta
    probes: tuple[str, ...] = ()
    week: bool = False


@dataclass(frozen=True, slots=True)
class Schedule:
    checkins: tuple[CheckIn, ...]
    owners: dict[str, str]
    path: Path

    def first_day(self) -> tuple[CheckIn, ...]:
        return tuple(c for c in self.checkins if not c.week)

    def first_week(self) -> tuple[CheckIn, ...]:
        return tuple(c for c in self.checkins if c.week)

    def get(self, checkin_id: str) -> CheckIn | None:
        return next((c for c in self.checkins if c.id == checkin_id), None)

    def ids(self) -> list[str]:
        return [c.id for c in self.checkins]


def checkin_id(item_id: str, label: str) -> str:
    return f"{item_id}@{label}"


def parse_offset(text: str) -> timedelta | None:
    match = OFFSET_PATTERN.match(text.strip())
    return int(match.group(1)) * UNITS[match.group(2)] if match else None


def schedule_path_for(checklist_path: Path) -> Path:
    """The schedule beside the checklist (a team's own copy), else the bundled one."""
    beside = checklist_path.parent / SCHEDULE_FILE
    return beside if beside.exists() else bundled_dir("checklists") / SCHEDULE_FILE


def load_schedule(path: Path | str, checklist: Checklist, known_probes: Iterable[str] | None = None) -> Schedule:
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise ScheduleError("launch schedule not found", path=path, fix=f"pass an existing file with --schedule, or add {SCHEDULE_FILE} beside the checklist")
    text = read_text_file(path, "launch schedule", ScheduleError, "--schedule")  # bounded size, friendly errors
    if known_probes is None:
        from linkflow_console.probes.catalog import PROBE_IDS

        known_probes = PROBE_IDS
    return _Builder(text, path, checklist, set(known_probes)).build()


class _Builder:
    def __init__(self, text: str, path: Path, checklist: Checklist, known_probes: set[str]) -> None:
        self.text = text
        self.path = path
        self.checklist = checklist
        self.known_probes = known_probes

    def fail(self, message: str, needle: str | None, fix: str) -> ScheduleError:
        line = line_of(self.text, needle) if needle else None
        return ScheduleError(message, path=self.path, line=line, fix=fix)

    def build(self) -> Schedule:
        data = parse_toml(self.text, self.path, ScheduleError)
        self.check_keys(data, "schedule", "the top of the file")
        grace, fraction = self.due_rules(data.get("due", {}))
        checkins = [c for entry in self.tables(data, "checkins") for c in self.timed(entry, grace, fraction)]
        checkins += [self.week_task(entry) for entry in self.tables(data, "week")]
        self.check_unique(checkins)
        return Schedule(tuple(checkins), self.owners(data.get("owners", {})), self.path)

    # -- sections ---------------------------------------------------------------------------
    def due_rules(self, due: Any) -> tuple[timedelta, float]:
        if not isinstance(due, dict):
            raise self.fail("[due] must be a table", "due", "write [due] with grace_minutes and grace_fraction")
        self.check_keys(due, "due", "[due]")
        minutes = due.get("grace_minutes", DEFAULT_GRACE.total_seconds() / 60)
        fraction = due.get("grace_fraction", DEFAULT_GRACE_FRACTION)
        for key, value, upper in (("grace_minutes", minutes, 24 * 60), ("grace_fraction", fraction, 1)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= upper:
                raise self.fail(f"{key} must be a number from 0 to {upper}", f"{key}", f"e.g. {key} = {upper / 4:g}")
        return timedelta(minutes=minutes), float(fraction)

    def owners(self, owners: Any) -> dict[str, str]:
        if not isinstance(owners, dict) or not all(isinstance(v, str) for v in owners.values()):
            raise self.fail("[owners] must map item ids to names", "owners", 'write "item.id" = "name"')
        for item_id in owners:
            self.require_item(item_id)
        return dict(owners)

    def timed(self, entry: dict[str, Any], grace: timedelta, fraction: float) -> list[CheckIn]:
        item_id = self.item_of(entry, "checkins")
        labels = entry.get("at")
        if not isinstance(labels, list) or not labels or not all(isinstance(a, str) for a in labels):
            raise self.fail(f"check-ins of {item_id!r} need at = [...]", f'"{item_id}"', 'e.g. at = ["15m", "1h", "24h"]')
        offsets = [self.offset(label) for label in labels]
        if offsets != sorted(set(offsets)):
            raise self.fail(f"check-ins of {item_id!r} must be in increasing order, each once", "at =", "sort the offsets")
        probes = self.probes(entry, item_id)
        return [
            CheckIn(checkin_id(item_id, label), item_id, label, at, at, at + self.grace(offsets, index, grace, fraction), probes)
            for index, (label, at) in enumerate(zip(labels, offsets, strict=True))
        ]

    @staticmethod
    def grace(offsets: list[timedelta], index: int, grace: timedelta, fraction: float) -> timedelta:
        """At least `grace`; more when the task's check-ins are far apart (the last one uses the
        gap before it), so 12h -> 24h is not overdue a quarter of an hour in."""
        if len(offsets) == 1:
            return grace
        gap = offsets[index + 1] - offsets[index] if index + 1 < len(offsets) else offsets[index] - offsets[index - 1]
        return max(grace, gap * fraction)

    def week_task(self, entry: dict[str, Any]) -> CheckIn:
        item_id = self.item_of(entry, "week")
        day = entry.get("day")
        if isinstance(day, bool) or day not in WEEK_DAYS:
            raise self.fail(f"week task {item_id!r}: day must be 1 to 7", f'"{item_id}"', "day = 3 means due by T+3d")
        label = f"{day}d"
        return CheckIn(checkin_id(item_id, label), item_id, label, timedelta(days=day), timedelta(days=day - 1), timedelta(days=day), week=True)

    # -- values ----------------------------------------------------------------------------
    def item_of(self, entry: dict[str, Any], kind: str) -> str:
        self.check_keys(entry, kind, f"[[{kind}]]")
        item_id = entry.get("item")
        if not isinstance(item_id, str):
            raise self.fail(f"a [[{kind}]] entry has no item", f"[[{kind}]]", 'add item = "post-launch..."')
        return self.require_item(item_id)

    def require_item(self, item_id: str) -> str:
        if item_id not in self.checklist:
            raise self.fail(f"unknown item id {item_id!r}", f'"{item_id}"', f"use an item id of checklist {self.checklist.id!r}")
        return item_id

    def offset(self, label: str) -> timedelta:
        offset = parse_offset(label)
        if offset is None or offset <= timedelta(0):
            raise self.fail(f"offset {label!r} is not like 15m, 2h or 1d", f'"{label}"', "a positive number then m, h or d")
        return offset

    def probes(self, entry: dict[str, Any], item_id: str) -> tuple[str, ...]:
        probes = entry.get("probes", [])
        if not isinstance(probes, list) or not all(isinstance(p, str) for p in probes):
            raise self.fail(f"check-ins of {item_id!r}: probes must be a list of strings", "probes =", 'probes = ["prometheus.error-rate"]')
        for probe_id in probes:
            if probe_id not in self.known_probes:
                raise self.fail(f"unknown probe {probe_id!r}", f'"{probe_id}"', "use an id listed by `linkflow-console probes`")
        return tuple(probes)

    def check_keys(self, data: dict[str, Any], kind: str, where: str) -> None:
        unknown = sorted(set(data) - _KEYS[kind])
        if unknown:
            raise self.fail(f"unknown key {unknown[0]!r} in {where}", f"{unknown[0]}", f"allowed keys: {', '.join(sorted(_KEYS[kind]))}")

    def tables(self, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{key} must be an array of tables", key, f"write [[{key}]] entries")
        return value

    def check_unique(self, checkins: list[CheckIn]) -> None:
        seen: set[str] = set()
        for checkin in checkins:
            if checkin.id in seen:
                raise self.fail(f"check-in {checkin.id!r} is listed twice", f'"{checkin.item_id}"', "give each task one entry")
            seen.add(checkin.id)


def schedule_for(checklist: Checklist, checklist_path: Path, override: Path | str | None = None) -> Schedule:
    return load_schedule(Path(override) if override else schedule_path_for(checklist_path), checklist)
