"""Output for scripts, used when stdout is not a terminal: one record per line, tab-separated
fields, no wrapping, no padding, no colour; ids and commands are never split. And `status` as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from linkflow_console.checklist.model import Checklist
from linkflow_console.probes.catalog import PROBES
from linkflow_console.reports.check import CheckRow
from linkflow_console.status import ItemView, overall_progress, probe_counts, section_progress
from linkflow_console.text import safe_text

STATUS_FORMAT = "linkflow-console.status/1"


def _field(value: object) -> str:
    """One field: tabs and line breaks inside a value would split the record; control characters
    (another console's or a file's text) are shown as escapes, never sent to the terminal."""
    return safe_text(" ".join(value.split()), one_line=True) if isinstance(value, str) else str(value)


def lines(rows: Iterable[Iterable[object]]) -> str:
    return "".join("\t".join(_field(v) for v in row) + "\n" for row in rows)


def _open_blockers(views: Iterable[ItemView]) -> int:
    return sum(v.item.severity == "blocker" and not v.complete for v in views)


def status_sections(checklist: Checklist, views: dict[str, ItemView]) -> list[dict[str, object]]:
    out = []
    for section in checklist.sections:
        section_views = [views[i.id] for i in section.items()]
        progress, counts = section_progress(section, views), probe_counts(section_views)
        out.append({"id": section.id, "title": section.title, "done": progress.done, "total": progress.total,
                    "failing": counts.failing, "could_not_tell": counts.could_not_tell,
                    "open_blockers": _open_blockers(section_views)})
    return out


def status_text(checklist: Checklist, views: dict[str, ItemView], environment: str, state_path: Path) -> str:
    total, counts = overall_progress(checklist, views), probe_counts(views[i.id] for i in checklist.items())
    rows: list[list[object]] = [["section", "title", "done", "total", "failing", "could_not_tell", "open_blockers"]]
    rows += [[s["id"], s["title"], s["done"], s["total"], s["failing"], s["could_not_tell"], s["open_blockers"]]
             for s in status_sections(checklist, views)]
    rows.append(["total", "Total", total.done, total.total, counts.failing, counts.could_not_tell,
                 _open_blockers(views[i.id] for i in checklist.items())])
    return f"# environment\t{environment}\n# state\t{state_path}\n" + lines(rows)


def status_json(checklist: Checklist, views: dict[str, ItemView], environment: str, state_path: Path) -> str:
    total, counts = overall_progress(checklist, views), probe_counts(views[i.id] for i in checklist.items())
    return json.dumps({
        "format": STATUS_FORMAT,
        "checklist": {"id": checklist.id, "title": checklist.title},
        "environment": environment,
        "state_file": str(state_path),
        "progress": {"done": total.done, "total": total.total},
        "failing": counts.failing,
        "could_not_tell": counts.could_not_tell,
        "open_blockers": _open_blockers(views[i.id] for i in checklist.items()),
        "sections": status_sections(checklist, views),
    }, indent=2, ensure_ascii=False) + "\n"


def item_list(checklist: Checklist, views: dict[str, ItemView]) -> str:
    """`list`: every item (children too): id, shown status, severity, text."""
    return lines([view.item.id, view.shown, view.item.severity, view.item.text]
                 for view in (views[item.id] for item in checklist.all_items()))


def probes_text(checklist: Checklist) -> str:
    items_by_probe: dict[str, list[str]] = {}
    for item in checklist.all_items():
        for probe_id in item.probes:
            items_by_probe.setdefault(probe_id, []).append(item.id)
    return lines([probe_id, ",".join(items_by_probe.get(probe_id, ["-"])), ",".join(spec.needs) or "-"]
                 for probe_id, spec in PROBES.items())


def check_text(rows: list[CheckRow]) -> str:
    return lines([row.view.item.id, row.status, row.view.shown if row.accepted else "", row.summary] for row in rows)
