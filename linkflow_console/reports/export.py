"""Export a checklist state as a GitHub task list (markdown) or JSON (documented in the README)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from linkflow_console.checklist.model import Checklist, Item
from linkflow_console.state.model import ItemState, State
from linkflow_console.status import ItemView, overall_progress, section_progress
from linkflow_console.text import safe_text


def _one_line(text: str) -> str:
    """A multi-line note on one markdown line: a newline in a note must not start a heading or
    an item when the export is imported again."""
    return " ⏎ ".join(part.strip() for part in text.splitlines() if part.strip()) if text else text


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "?"


def annotations(view: ItemView) -> list[str]:
    """The lines of record under an item: tick, N/A, waiver, probe verdict, note."""
    manual = view.manual
    lines = []
    if manual.done:
        lines.append(f"done by {manual.by}, {_when(manual.at)}" + (f": {manual.note}" if manual.note else ""))
    elif manual.note:
        lines.append(f"note: {manual.note}")
    if manual.is_na:
        lines.append(f"N/A: {manual.na_reason}")
    if manual.waiver:
        w = manual.waiver
        state = "EXPIRED waiver" if view.waiver_expired else "waived"
        lines.append(f"{state}: {w.reason} (owner {w.owner}, until {w.until.isoformat()})")
    for result in view.results:
        lines.append(f"probe {result.probe_id}: {result.status} — {result.summary} ({_when(result.started_at)})")
    return [_one_line(line) for line in lines]


def to_markdown(
    checklist: Checklist,
    views: dict[str, ItemView],
    *,
    environment: str,
    now: datetime,
    runbook_links: dict[str, str] | None = None,
    launch_lines: list[str] | None = None,
) -> str:
    """[x] marks items ticked by hand, so export -> import gives the same ticks."""
    progress = overall_progress(checklist, views)
    out = [f"# {checklist.title}", ""]
    if checklist.description:
        out += [checklist.description, ""]
    out += [f"Environment: {environment}. Exported {_when(now)}. Progress {progress} ({progress.ratio:.0%}).", ""]

    def item_lines(item: Item, indent: str) -> None:
        view = views[item.id]
        box = "x" if view.manual.done else " "
        link = f" ([runbook]({runbook_links[item.id]}))" if runbook_links and item.id in runbook_links else ""
        # children carry their box too, so export -> import keeps their ticks
        out.append(f"{indent}- [{box}] {_one_line(item.text)}{link}")
        for line in annotations(view):
            out.append(f"{indent}  {line}  ")

    for section in checklist.sections:
        out += [f"## {section.title}", "", f"Progress {section_progress(section, views)}.", ""]
        for subsection in section.subsections:
            out += [f"### {subsection.title}", ""]
            for item in subsection.items:
                item_lines(item, "")
                for child in item.children:
                    item_lines(child, "  ")
            out.append("")
    if launch_lines:
        out += ["## Launch log", "", *launch_lines, ""]
    # notes, names and reasons came from people and files: no control character reaches a terminal
    return safe_text("\n".join(out).rstrip()) + "\n"


def manual_dict(manual: ItemState) -> dict[str, Any]:
    waiver = manual.waiver
    return {
        "done": manual.done,
        "by": manual.by or None,
        "at": manual.at.isoformat() if manual.at else None,
        "note": manual.note or None,
        "na_reason": manual.na_reason or None,
        "waiver": None
        if waiver is None
        else {"reason": waiver.reason, "owner": waiver.owner, "until": waiver.until.isoformat()},
    }


def item_dict(view: ItemView, *, with_history: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": view.item.id,
        "text": view.item.text,
        "severity": str(view.item.severity),
        "status": str(view.shown),
        "complete": view.complete,
        **manual_dict(view.manual),
        "waiver_expired": view.waiver_expired,
        "probes": [r.to_dict() for r in view.results],
    }
    if with_history:
        data["history"] = [
            {"action": h.action, "by": h.by, "at": h.at.isoformat(), "text": h.text} for h in view.manual.history
        ]
    return data


def to_json(
    checklist: Checklist,
    views: dict[str, ItemView],
    state: State,
    *,
    environment: str,
    now: datetime,
    runbook_links: dict[str, str] | None = None,
) -> str:
    progress = overall_progress(checklist, views)

    def item_entry(item: Item) -> dict[str, Any]:
        data = item_dict(views[item.id])
        if runbook_links and item.id in runbook_links:
            data["runbook"] = runbook_links[item.id]
        data["children"] = [item_entry(child) for child in item.children]
        return data

    document = {
        "format": "linkflow-console.export/1",
        "checklist": {"id": checklist.id, "title": checklist.title},
        "environment": environment,
        "exported_at": now.isoformat(timespec="seconds"),
        "progress": {"done": progress.done, "total": progress.total},
        "sections": [
            {
                "id": section.id,
                "title": section.title,
                "progress": {"done": (p := section_progress(section, views)).done, "total": p.total},
                "subsections": [
                    {"id": sub.id, "title": sub.title, "items": [item_entry(i) for i in sub.items]}
                    for sub in section.subsections
                ],
            }
            for section in checklist.sections
        ],
        "launch": _jsonable(state.launch),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
