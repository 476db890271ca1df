"""The selected item: text, severity, status, record, waiver, probe evidence, history, runbook."""

from __future__ import annotations

from collections.abc import Callable
import io
from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual import work
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.runbooks import RunbookSection
from linkflow_console.status import NOT_RUN_GLYPH, ItemView, Shown
from linkflow_console.timefmt import ago, stamp
from linkflow_console.tui.widgets.checklist_tree import SHOWN_STYLES

if TYPE_CHECKING:
    from linkflow_console.reports.history import Verdict  # loaded with the first item's history

RESULT_STYLES = {Status.PASS: "green", Status.WARN: "yellow", Status.FAIL: "bold red", Status.ERROR: "magenta", Status.SKIPPED: "dim"}
RESULT_GLYPHS = {Status.PASS: "✔", Status.WARN: "!", Status.FAIL: "✘", Status.ERROR: "?", Status.SKIPPED: "-"}
SHOWN_WORDS = {
    Shown.FAIL: "failing", Shown.ERROR: "could not tell", Shown.WARN: "warning", Shown.OPEN: "open",
    Shown.EXPIRED: "open (waiver expired)", Shown.PENDING: "probe running", Shown.PASS: "proven by probe",
    Shown.DONE: "done", Shown.NA: "not applicable", Shown.WAIVED: "waived",
}


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


def history_block(verdicts: list[Verdict], now: datetime) -> RenderableType:
    """Each probe's recent verdicts on one line, newest first: `probe  ✘ fail* 2h ago  ✔ pass 1d ago`
    (`*`: changed from the verdict before it). Built as Text: probe ids and statuses are never markup."""
    by_probe: dict[str, list[Verdict]] = {}
    for verdict in verdicts:
        by_probe.setdefault(verdict.probe, []).append(verdict)
    lines: list[RenderableType] = [Text(""), Text.assemble(("Probe history", "bold underline"), ("  (* changed)", "dim"))]
    for probe, kept in by_probe.items():
        line = Text(probe, style="bold")
        for verdict in kept:
            try:
                status = Status(verdict.status)
            except ValueError:
                status = Status.ERROR
            line.append("  ")
            line.append(f"{RESULT_GLYPHS[status]} {verdict.status}" + ("*" if verdict.changed else ""), style=RESULT_STYLES[status])
            line.append(f" {ago(verdict.at, now)}", style="dim")
        lines.append(line)
    return Group(*lines)


def render_item(view: ItemView, now: datetime, probe_titles: Callable[[str], str], run_hint: str = "press r") -> RenderableType:
    item, manual = view.item, view.manual
    lines: list[RenderableType] = []
    head = Text()
    head.append(f"{item.severity.upper()}", style="bold red" if item.severity == "blocker" else "bold yellow" if item.severity == "high" else "bold")
    head.append(f"  {item.id}", style="dim")
    lines.append(head)
    lines.append(Text(item.text, style="bold"))
    status = Text("Status: ")
    status.append(f"{view.glyph} {SHOWN_WORDS[view.shown]}", style=SHOWN_STYLES[view.shown])
    if view.has_probe_trouble and view.shown in (Shown.WAIVED, Shown.NA, Shown.DONE):
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
                lines.append(Text(f"{NOT_RUN_GLYPH} {probe_id}: never run ({probe_titles(probe_id)}); {run_hint}", style="dim"))
    if manual.history:
        lines.append(Text(""))
        lines.append(Text("History", style="bold underline"))
        for entry in reversed(manual.history[-8:]):
            lines.append(Text(f"{stamp(entry.at)}  {entry.by}  {entry.action}" + (f": {entry.text}" if entry.text else ""), style="dim"))
    return Group(*lines)


def prerender(renderable: RenderableType, width: int) -> list[Strip]:
    """Render to lines at a width, away from the event loop (markdown and syntax highlighting
    are the slow part); painting the result is then only copying lines."""
    console = Console(width=width, file=io.StringIO(), force_terminal=True, color_system="truecolor", legacy_windows=False)
    options = console.options.update(width=width)
    return [Strip(line) for line in console.render_lines(renderable, options, pad=False, new_lines=False)]


class ItemDetail(ScrollView, can_focus=True):
    """The selected item and, below it, its runbook section (markdown rendered by rich).

    Both are rendered to lines in a thread and shown through the line API: a new selection
    repaints this pane only, with no layout pass and nothing slow on the event loop."""

    PLACEHOLDER = "Select an item to see its detail and runbook."

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.info: RenderableType = Text(self.PLACEHOLDER)
        self.runbook_markdown = ""
        self._shown_item: str | None = None
        self._lines: list[Strip] = []
        self._generation = 0
        self._rendered_width = 0
        self._history: Callable[[], list[Verdict]] | None = None
        self._now: datetime | None = None

    def show(self, view: ItemView | None, runbook: RunbookSection | None, now: datetime, probe_titles: Callable[[str], str],
             run_hint: str = "press r", history: Callable[[], list[Verdict]] | None = None) -> None:
        """`history`: reads the item's recent probe verdicts (I/O: it is called in the render thread)."""
        self._history, self._now = (history, now) if view is not None else (None, None)
        self.info = render_item(view, now, probe_titles, run_hint) if view is not None else Text(self.PLACEHOLDER)
        if runbook is not None:
            self.runbook_markdown = runbook.markdown
        else:
            self.runbook_markdown = "" if view is None else "*No runbook section for this item.*"
        item_id = view.item.id if view is not None else None
        new_item, self._shown_item = item_id != self._shown_item, item_id
        self.render_content(top=new_item)

    def render_content(self, top: bool = False) -> None:
        self._generation += 1
        width = max(20, self.scrollable_content_region.width or self.size.width or 80)
        self._render_lines(self.info, self.runbook_markdown, self._history, self._now, width, self._generation, top)

    @work(thread=True, exit_on_error=False, group="detail-render")
    def _render_lines(self, info: RenderableType, runbook_markdown: str, history: Callable[[], list[Verdict]] | None,
                      now: datetime | None, width: int, generation: int, top: bool) -> None:
        parts: list[RenderableType] = [info]
        verdicts = history() if history is not None else []
        if verdicts and now is not None:
            parts.append(history_block(verdicts, now))
        if runbook_markdown:
            from rich.markdown import Markdown

            parts += [Text(""), Markdown(runbook_markdown, code_theme="monokai", hyperlinks=False)]
        lines = prerender(Padding(Group(*parts), (0, 1)), width)
        self.app.call_from_thread(self._show_lines, lines, width, generation, top)

    def _show_lines(self, lines: list[Strip], width: int, generation: int, top: bool) -> None:
        if generation != self._generation:  # a newer selection is on its way
            return
        self._lines = lines
        self._rendered_width = width
        self.virtual_size = Size(width, len(lines))
        if top:
            self.scroll_home(animate=False)
        self.refresh()

    def on_resize(self) -> None:
        if self._rendered_width and self.scrollable_content_region.width != self._rendered_width:
            self.render_content()

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        if index >= len(self._lines):
            return Strip.blank(self.size.width, self.rich_style)
        width, base = self.scrollable_content_region.width, self.rich_style
        # Lines rendered by rich leave plain text with no style at all; Textual's line filters
        # (NO_COLOR's monochrome filter) expect every segment to carry one, so the widget's own
        # style goes under each line, as Textual's RichLog does.
        return self._lines[index].crop(self.scroll_offset.x, self.scroll_offset.x + width).apply_style(base).extend_cell_length(width, base)

    @property
    def plain_text(self) -> str:
        """What the pane shows, as plain text (for tests and copy)."""
        return "\n".join(strip.text for strip in self._lines)
