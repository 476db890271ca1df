"""Rich tables for the terminal: status, check results, probe catalogue."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text

from linkflow_console.checklist.model import Checklist
from linkflow_console.probes.catalog import PROBES
from linkflow_console.reports.check import CheckRow
from linkflow_console.status import ItemView, overall_progress, probe_counts, section_progress
from linkflow_console.text import rich_text

STATUS_STYLES = {
    "pass": "green", "done": "green", "warn": "yellow", "fail": "bold red", "error": "magenta",
    "skipped": "dim", "manual": "cyan", "open": "", "na": "dim", "waived": "blue", "expired": "yellow",
}


def status_table(checklist: Checklist, views: dict[str, ItemView], environment: str, state_path: Path) -> Table:
    total = overall_progress(checklist, views)
    table = Table(
        title=rich_text(f"{checklist.title} — {environment}", one_line=True),  # file text: never markup
        caption=rich_text(f"state: {state_path}", one_line=True),
        title_justify="left",
    )
    for column, justify in (("Section", "left"), ("Done", "right"), ("Progress", "left"), ("Failing", "right"), ("Could not tell", "right"), ("Open blockers", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for section in checklist.sections:
        progress = section_progress(section, views)
        section_views = [views[i.id] for i in section.items()]
        counts = probe_counts(section_views)
        blockers = sum(v.item.severity == "blocker" and not v.complete for v in section_views)
        table.add_row(
            rich_text(section.title, one_line=True),
            str(progress),
            f"{progress.bar(12)} {progress.ratio:4.0%}",
            Text(str(counts.failing), style="bold red" if counts.failing else "dim"),
            Text(str(counts.could_not_tell), style="magenta" if counts.could_not_tell else "dim"),
            Text(str(blockers), style="yellow" if blockers else "dim"),
        )
    table.add_section()
    all_counts = probe_counts(views[i.id] for i in checklist.items())
    table.add_row("Total", str(total), f"{total.bar(12)} {total.ratio:4.0%}", str(all_counts.failing), str(all_counts.could_not_tell), "")
    return table


def check_table(rows: list[CheckRow]) -> Table:
    table = Table(title="linkflow-console check", title_justify="left", expand=False)
    table.add_column("Item", overflow="fold")
    table.add_column("Status", no_wrap=True)
    table.add_column("Summary", overflow="fold")
    for row in rows:
        status = row.status
        shown = f"{status} ({row.view.shown})" if row.accepted else status
        table.add_row(row.view.item.id, Text(shown, style=STATUS_STYLES.get(status, "")), rich_text(row.summary))
    return table


def probes_table(checklist: Checklist) -> Table:
    table = Table(title="Probes", title_justify="left")
    table.add_column("Probe", no_wrap=True)
    table.add_column("Proves item", overflow="fold")
    table.add_column("Needs (profile keys)", overflow="fold")
    items_by_probe: dict[str, list[str]] = {}
    for item in checklist.all_items():
        for probe_id in item.probes:
            items_by_probe.setdefault(probe_id, []).append(item.id)
    for probe_id, spec in PROBES.items():
        table.add_row(probe_id, "\n".join(items_by_probe.get(probe_id, ["-"])), ", ".join(spec.needs))
    return table
