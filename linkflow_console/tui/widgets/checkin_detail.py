"""The selected check-in: due, done, its probe samples."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from linkflow_console.checklist.model import Checklist
from linkflow_console.launch.model import CheckInView, Phase, latest_samples
from linkflow_console.launch.report import stamp, when
from linkflow_console.timefmt import ago
from linkflow_console.tui.widgets.phase_styles import PHASE_STYLES


class CheckinDetail(Static):
    def show(self, view: CheckInView | None, checklist: Checklist, now: datetime) -> None:
        if view is None:
            self.update(Text("Select a check-in (arrows); d marks it done.", "dim"))
            return
        item = checklist.get(view.checkin.item_id)
        due = f"due by {stamp(view.due_at)}" if view.checkin.week else f"due at {stamp(view.due_at)}"
        text = Text.assemble((f"{view.glyph} {item.text if item else view.checkin.item_id} @ T+{view.checkin.label}", PHASE_STYLES[view.phase]),
                             f"  {view.phase}; {due}")
        if view.phase is Phase.DUE and not view.checkin.week:
            text.append(f", overdue at {when(view.overdue_at, now)}")
        if view.done:
            text.append(f"\ndone by {view.done.by} at {when(view.done.at, now)}" + (f": {view.done.note}" if view.done.note else ""))
        for sample in latest_samples(view.samples):
            text.append(f"\n{sample.probe_id}: {sample.status} {sample.summary} ({ago(sample.at, now)})")
        if view.checkin.probes and not view.samples:
            text.append(f"\nprobes when due: {', '.join(view.checkin.probes)}", "dim")
        self.update(text)
