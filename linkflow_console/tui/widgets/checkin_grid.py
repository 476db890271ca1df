"""First 24 hours of check-ins as a grid."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from linkflow_console.checklist.model import Checklist
from linkflow_console.launch.model import CheckInView
from linkflow_console.launch.report import hhmm
from linkflow_console.tui.widgets.phase_styles import PHASE_STYLES, short_text


class CheckinGrid(DataTable):
    """First 24 hours as a grid: one row per task, one column per offset; a cell is a check-in."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="cell", zebra_stripes=False, fixed_columns=1, **kwargs)  # the task stays when scrolled
        self.cells: dict[Coordinate, str] = {}  # cell -> check-in id
        self.shape: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())

    def show(self, checklist: Checklist, views: Sequence[CheckInView]) -> None:
        tasks = tuple(dict.fromkeys(v.checkin.item_id for v in views))
        labels = tuple(v.checkin.label for v in sorted({v.checkin.at: v for v in views}.values(), key=lambda v: v.checkin.at))
        if (tasks, labels) != self.shape:  # rebuild only when the schedule's shape changes: keeps the cursor
            self.clear(columns=True)
            self.add_column("Task", key="task")
            for label in labels:
                self.add_column(f"T+{label}", key=label)
            for task in tasks:
                item = checklist.get(task)
                self.add_row(short_text(item.text if item else task, 28), *([""] * len(labels)), key=task)
            self.shape = (tasks, labels)
        self.cells = {}
        for view in views:
            coordinate = Coordinate(tasks.index(view.checkin.item_id), labels.index(view.checkin.label) + 1)
            self.cells[coordinate] = view.checkin.id
            self.update_cell_at(coordinate, Text(f"{view.glyph} {hhmm(view.due_at)}", PHASE_STYLES[view.phase]))

    def selected(self) -> str | None:
        return self.cells.get(self.cursor_coordinate)
