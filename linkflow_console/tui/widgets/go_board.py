"""The go/no-go board: Launch Day items, the verdict, what holds it."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from linkflow_console.checklist.model import Checklist
from linkflow_console.launch.model import GoNoGo, LogEntry, launch_day_items, owner_of
from linkflow_console.launch.report import hhmm
from linkflow_console.status import ItemView

HOLDING_SHOWN = 40  # the rest is counted: the board must stay one screen


class GoBoard(Vertical):
    """The Launch Day items with owner and status, the go/no-go verdict, then what holds it (a
    list the narrow layout hides: the verdict line already counts it)."""

    def compose(self) -> ComposeResult:
        yield Static(id="board-items")
        yield Static(id="board-holding")

    def show(self, checklist: Checklist, views: Mapping[str, ItemView], verdict: GoNoGo,
             owners: Mapping[str, str], decision: LogEntry | None) -> None:
        table = Table(box=None, show_header=True, header_style="bold", expand=True, padding=(0, 1))
        table.add_column("", width=1)
        table.add_column("Launch Day", ratio=3)
        table.add_column("Owner", ratio=2)
        table.add_column("Status", width=8)
        for item in launch_day_items(checklist):
            view = views[item.id]
            table.add_row(view.glyph, item.text, owner_of(view, owners), str(view.shown))
        self.query_one("#board-items", Static).update(Group(table, self.verdict_text(verdict, decision)))
        self.query_one("#board-holding", Static).update(self.holding_text(verdict))

    @staticmethod
    def verdict_text(verdict: GoNoGo, decision: LogEntry | None) -> Text:
        text = Text()
        if verdict.go:
            text.append(" GO ", "bold black on green")
            text.append("  every Launch Day item and blocker is clear")
        else:
            text.append(" NO-GO ", "bold white on red")
            text.append(f"  {len(verdict.holding)} holding: Launch Day items and blockers open, failing or waived")
        if decision is not None:
            text.append(f"\nLast decision: {decision.decision} by {decision.by} at {hhmm(decision.at)} UTC: {decision.text}")
        return text

    @staticmethod
    def holding_text(verdict: GoNoGo) -> Text:
        shown = verdict.holding[:HOLDING_SHOWN]
        text = Text(", ".join(f"{v.glyph} {v.item.id} ({v.shown})" for v in shown), "dim")
        if len(verdict.holding) > HOLDING_SHOWN:
            text.append(f", +{len(verdict.holding) - HOLDING_SHOWN} more (`launch status` lists all)", "dim")
        return text
