"""The selected item: text, severity, status, record, waiver, probe evidence, history, runbook."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Static

from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.runbooks import RunbookSection
from linkflow_console.status import ItemView, Shown
from linkflow_console.timefmt import ago
from linkflow_console.tui.checklist_tree import SHOWN_STYLES

RESULT_STYLES = {Status.PASS: "green", Status.WARN: "yellow", Status.FAIL: "bold red", Status.ERROR: "magenta", Status.SKIPPED: "dim"}
RESULT_GLYPHS = {Status.PASS: "✔", Status.WARN: "!", Status.FAIL: "✘", Status.ERROR: "?", Status.SKIPPED: "-"}
SHOWN_WORDS = {
    Shown.FAIL: "failing", Shown.ERROR: "could not tell", Shown.WARN: "warning", Shown.OPEN: "open",
    Shown.EXPIRED: "open (waiver expired)", Shown.PENDING: "probe running", Shown.PASS: "proven by probe",
    Shown.DONE: "done", Shown.NA: "not applicable", Shown.WAIVED: "waived",
}


def stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "?"


def result_block(result: ProbeResult, now: datetime) -> RenderableType:
    head = Text()
    head.append(f"{RESULT_GLYPHS[result.status]} {result.status}", style=RESULT_STYLES[result.status])
    head.append(f"  {result.probe_id}", style="bold")
    head.append(f"  {result.duration_ms:.0f} ms, {ago(result.started_at, now)}", style="dim")
    parts: list[RenderableType] = [head, Text(f"  {result.summary}")]
    if result.evidence:
        table = Table(box=None, padding=(0, 1), show_edge=False, pad_edge=False, expand=False)
        table.add_column("check", style="bold", overflow="fold", ratio=2)
        table.add_column("expected", overflow="fold", ratio=2)
        table.add_column("actual", overflow="fold", ratio=3)
        table.add_column("", width=1)
        for e in result.evidence:
            mark = Text("") if e.ok is None else Text("✔", style="green") if e.ok else Text("✘", style="bold red")
            table.add_row(e.label, e.expected, e.actual, mark)
        parts.append(table)
    if result.raw:
        raw = Text("  raw: ", style="dim")
        raw.append("; ".join(f"{k}={v}" for k, v in list(result.raw.items())[:12]), style="dim")
        parts.append(raw)
    return Group(*parts)


def render_item(view: ItemView, now: datetime, probe_titles: Callable[[str], str]) -> RenderableType:
    item, manual = view.item, view.manual
    lines: list[RenderableType] = []
    head = Text()
    head.append(f"{item.severity.upper()}", style="bold red" if item.severity == "blocker" else "bold yellow" if item.severity == "high" else "bold")
    head.append(f"  {item.id}", style="dim")
    lines.append(head)
    lines.append(Text(item.text, style="bold"))
    status = Text("Status: ")
    status.append(f"{view.glyph} {SHOWN_WORDS[view.shown]}", style=SHOWN_STYLES[view.shown])
    if view.failing and view.shown in (Shown.WAIVED, Shown.NA, Shown.DONE):
        status.append(f"  (probe says {view.probe_status})", style="bold red")
    lines.append(status)
    if manual.done:
        lines.append(Text(f"Done by {manual.by}, {stamp(manual.at)}" + (f": {manual.note}" if manual.note else "")))
    elif manual.note:
        lines.append(Text(f"Note: {manual.note}"))
    if manual.is_na:
        lines.append(Text(f"N/A: {manual.na_reason}", style="dim"))
    if manual.waiver:
        w = manual.waiver
        waiver = Text(f"Waiver: {w.reason} — owner {w.owner}, until {w.until.isoformat()}", style="blue")
        if view.waiver_expired:
            waiver.append("  EXPIRED: the item is open again", style="bold yellow")
        lines.append(waiver)
    if item.probes:
        lines.append(Text(""))
        lines.append(Text("Probes", style="bold underline"))
        by_id = {r.probe_id: r for r in view.results}
        for probe_id in item.probes:
            if probe_id in by_id:
                lines.append(result_block(by_id[probe_id], now))
            else:
                lines.append(Text(f"… {probe_id}: not run yet ({probe_titles(probe_id)}); press r", style="dim"))
    if manual.history:
        lines.append(Text(""))
        lines.append(Text("History", style="bold underline"))
        for entry in reversed(manual.history[-8:]):
            lines.append(Text(f"{stamp(entry.at)}  {entry.by}  {entry.action}" + (f": {entry.text}" if entry.text else ""), style="dim"))
    return Group(*lines)


class ItemDetail(VerticalScroll):
    """Shows one item; the runbook section renders below and follows the selection."""

    RUNBOOK_DEBOUNCE = 0.06  # seconds: holding an arrow key re-renders the runbook once, at the end

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._runbook_anchor: str | None = None
        self._runbook_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        # the runbook's Markdown widget (markdown-it is slow to import) is mounted on first use
        yield Static("Select an item to see its detail and runbook.", id="item-info")

    def show(self, view: ItemView | None, runbook: RunbookSection | None, now: datetime, probe_titles: Callable[[str], str]) -> None:
        info = self.query_one("#item-info", Static)
        if view is None:
            info.update("Select an item to see its detail and runbook.")
        else:
            info.update(render_item(view, now, probe_titles))
        anchor = runbook.anchor if runbook else None
        if anchor == self._runbook_anchor:
            return
        self._runbook_anchor = anchor
        if runbook is not None:
            text = runbook.markdown
        else:
            text = "" if view is None else "*No runbook section for this item.*"
        if self._runbook_timer is not None:
            self._runbook_timer.stop()
        self._runbook_timer = self.set_timer(self.RUNBOOK_DEBOUNCE, partial(self._render_runbook, text))

    def _render_runbook(self, text: str) -> None:
        # exclusive: a newer selection cancels an older render, so the pane never lags behind
        self.run_worker(self._update_markdown(text), group="runbook", exclusive=True, exit_on_error=False)

    async def _update_markdown(self, text: str) -> None:
        from textual.widgets import Markdown

        found = self.query("#runbook-inline")
        if found:
            await found.first(Markdown).update(text)
        else:
            await self.mount(Markdown(text, id="runbook-inline", open_links=False))
        self.scroll_home(animate=False)
