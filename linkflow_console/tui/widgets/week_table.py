"""The first week of check-ins, day by day."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

from linkflow_console.checklist.model import Checklist
from linkflow_console.launch.model import CheckInView
from linkflow_console.launch.report import hhmm
from linkflow_console.tui.widgets.phase_styles import PHASE_STYLES


class WeekTable(DataTable):
    """First week, day by day: T+1d to T+7d with the tasks due that day."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.keys: list[str | None] = []

    def on_mount(self) -> None:
        self.add_columns("Day", "", "Task", "Done")

    def show(self, checklist: Checklist, views: Sequence[CheckInView]) -> None:
        row = self.cursor_row
        self.clear()
        self.keys = []
        for day in range(1, 8):
            todays = [v for v in views if v.checkin.at.days == day]
            when = f"T+{day}d {todays[0].due_at:%a %d %b}" if todays else f"T+{day}d"
            for view in todays or [None]:
                self.keys.append(view.checkin.id if view else None)
                if view is None:
                    self.add_row(when, "", Text("—", "dim"), "")
                    continue
                item = checklist.get(view.checkin.item_id)
                done = f"{view.done.by} {hhmm(view.done.at)}" if view.done else ""
                self.add_row(when, Text(view.glyph, PHASE_STYLES[view.phase]), item.text if item else view.checkin.item_id, done)
        if self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1))

    def selected(self) -> str | None:
        return self.keys[self.cursor_row] if 0 <= self.cursor_row < len(self.keys) else None
