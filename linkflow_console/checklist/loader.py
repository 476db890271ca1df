"""TOML -> immutable Checklist, with errors that name file:line and the fix."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from linkflow_console.checklist.model import Checklist, Item, Section, Severity, Subsection
from linkflow_console.checklist.parse_cache import parse_checklist_toml
from linkflow_console.errors import ChecklistError, line_of, read_text_file
from linkflow_console.text import refused_control

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$")
MAX_CHECKLIST_ID = 64
_KEYS = {
    "checklist": {"id", "title", "description", "sections"},
    "section": {"id", "title", "subsections"},
    "subsection": {"id", "title", "items"},
    "item": {"id", "text", "severity", "probes", "runbook", "children"},
}


def load_checklist(path: Path | str, *, known_probes: set[str] | None = None) -> Checklist:
    path = Path(path)
    text = read_text_file(path, "checklist", ChecklistError, "--checklist")
    return load_checklist_text(text, path, known_probes=known_probes)


def load_checklist_text(
    text: str, path: Path | str = "<checklist>", *, known_probes: set[str] | None = None
) -> Checklist:
    if known_probes is None:
        from linkflow_console.probes.catalog import PROBE_IDS

        known_probes = set(PROBE_IDS)
    return _Builder(text, Path(path), known_probes).build()


class _Builder:
    def __init__(self, text: str, path: Path, known_probes: set[str]) -> None:
        self.text = text
        self.path = path
        self.known_probes = known_probes
        self.seen: dict[str, str] = {}
        self.section_ids: set[str] = set()

    def fail(self, message: str, needle: str | tuple[str, ...] | None = None, fix: str | None = None) -> ChecklistError:
        """`needle`: text to find the line by; several: the first found (a value written with
        escapes is not found as such, its key is)."""
        needles = (needle,) if isinstance(needle, str) else needle or ()
        line = next((found for n in needles if (found := line_of(self.text, n))), None)
        return ChecklistError(message, path=self.path, line=line, fix=fix)

    def build(self) -> Checklist:
        data = parse_checklist_toml(self.text, self.path)
        self.check_keys(data, "checklist", "the top of the file")
        sections = tuple(self.section(s) for s in self.table_list(data, "sections", "checklist"))
        if not sections:
            raise self.fail("the checklist has no [[sections]]", fix="add at least one section")
        checklist_id = self.string(data, "id", "checklist", default="checklist", ident=True)
        if len(checklist_id) > MAX_CHECKLIST_ID:  # it names the state file in the data directory
            raise self.fail(f"the checklist id is {len(checklist_id)} characters long (at most {MAX_CHECKLIST_ID})",
                            "id =", "give the checklist a shorter id")
        return Checklist(
            id=checklist_id,
            title=self.string(data, "title", "checklist", default="Checklist"),
            description=self.string(data, "description", "checklist", default=""),
            sections=sections,
        )

    def section(self, data: dict[str, Any]) -> Section:
        section_id = self.string(data, "id", "section", ident=True)
        self.check_keys(data, "section", section_id)
        if section_id in self.section_ids:
            raise self._duplicate(section_id, "section")
        self.section_ids.add(section_id)
        self.sub_ids: set[str] = set()
        subs = tuple(
            self.subsection(s, section_id)
            for s in self.table_list(data, "subsections", f"section {section_id!r}")
        )
        return Section(section_id, self.string(data, "title", f"section {section_id!r}"), subs)

    def subsection(self, data: dict[str, Any], section_id: str) -> Subsection:
        sub_id = self.string(data, "id", f"a subsection of {section_id!r}", ident=True)
        self.check_keys(data, "subsection", sub_id)
        if sub_id in self.sub_ids:
            raise self._duplicate(sub_id, "subsection", f" in section {section_id!r}")
        self.sub_ids.add(sub_id)
        where = f"subsection {sub_id!r}"
        items = tuple(
            self.item(i, section_id, sub_id) for i in self.table_list(data, "items", where)
        )
        return Subsection(sub_id, self.string(data, "title", where), items)

    def item(self, data: dict[str, Any], section_id: str, sub_id: str, parent: str = "") -> Item:
        where = f"an item of {parent or sub_id!r}"
        item_id = self.string(data, "id", where, ident=True)
        self.check_keys(data, "item", item_id)
        if item_id in self.seen:
            raise self._duplicate(item_id)
        self.seen[item_id] = item_id
        where = f"item {item_id!r}"
        text = self.string(data, "text", where)
        if not text.strip():
            raise self.fail(f"{where} has an empty text", f'"{item_id}"', "give the item its text")
        severity_raw = self.string(data, "severity", where, default="normal")
        try:
            severity = Severity(severity_raw)
        except ValueError:
            raise self.fail(
                f"{where} has severity {severity_raw!r}",
                f'"{severity_raw}"',
                "use one of: blocker, high, normal",
            ) from None
        probes = data.get("probes", [])
        if not isinstance(probes, list) or not all(isinstance(p, str) for p in probes):
            raise self.fail(f"{where}: probes must be a list of strings", f'"{item_id}"')
        for probe in probes:
            if probe not in self.known_probes:
                raise self.fail(
                    f"{where} names unknown probe {probe!r}",
                    f'"{probe}"',
                    "use a probe id listed by `linkflow-console probes`, or remove it",
                )
        runbook = data.get("runbook")
        if runbook is not None and not isinstance(runbook, str):
            raise self.fail(f"{where}: runbook must be a string like 'file.md#anchor'", f'"{item_id}"')
        if parent and data.get("children"):
            raise self.fail(
                f"{where} has children, but only one level of children is supported",
                f'"{item_id}"',
                f"move its children up beside it, under {parent!r}",
            )
        children = tuple(
            self.item(child, section_id, sub_id, parent=item_id)
            for child in self.table_list(data, "children", where, required=False)
        )
        return Item(
            id=item_id,
            text=text,
            severity=severity,
            probes=tuple(probes),
            runbook=runbook,
            children=children,
            section_id=section_id,
            subsection_id=sub_id,
        )

    def _duplicate(self, item_id: str, kind: str = "item", scope: str = "") -> ChecklistError:
        needle = f'"{item_id}"'
        first = line_of(self.text, needle)
        second = line_of(self.text, needle, (first or 0) + 1)
        return ChecklistError(
            f"duplicate {kind} id {item_id!r}{scope} (first at line {first})",
            path=self.path,
            line=second,
            fix=f"every {kind} id must be unique{scope}; rename one of them",
        )

    def check_keys(self, data: dict[str, Any], kind: str, name: str) -> None:
        unknown = sorted(set(data) - _KEYS[kind])
        if unknown:
            key = unknown[0]
            raise self.fail(
                f"unknown key {key!r} in {kind} {name}",
                needle=f"{key} =",
                fix=f"allowed keys: {', '.join(sorted(_KEYS[kind]))}",
            )

    def table_list(
        self, data: dict[str, Any], key: str, where: str, required: bool = True
    ) -> list[dict[str, Any]]:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(f"{where} has no {key}", fix=f"add [[...{key}]] tables to {where}")
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{where}: {key} must be an array of tables", f"{key}")
        return value

    def string(
        self,
        data: dict[str, Any],
        key: str,
        where: str,
        default: str | None = None,
        ident: bool = False,
    ) -> str:
        value = data.get(key, default)
        if value is None:
            hint = next((str(v) for v in data.values() if isinstance(v, str)), None)
            raise self.fail(
                f"{where} is missing {key!r}",
                f'"{hint}"' if hint else None,
                f'add {key} = "..."',
            )
        if not isinstance(value, str):
            raise self.fail(
                f"{where}: {key} must be a string, not {type(value).__name__}",
                f"{key} =",
                f'write {key} = "..." with quotes',
            )
        control = refused_control(value, f"{where}: {key}")
        if control:
            raise self.fail(control, f"{key} =", "remove the control character (write \\n for a line break)")
        if ident and not ID_PATTERN.fullmatch(value):
            raise self.fail(
                f"{where}: id {value!r} is not a valid id",
                (f'"{value}"', f"{key} ="),
                "ids use lowercase letters, digits, '-' and '.' only",
            )
        return value
