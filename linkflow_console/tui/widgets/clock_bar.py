"""Launch mode's first line: T+hh:mm, the verdict and what is due."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from linkflow_console.launch.model import CheckInView, GoNoGo, LaunchData, Phase, clock_text, launch_phase
from linkflow_console.launch.report import stamp
from linkflow_console.tui.widgets.phase_styles import PHASE_STYLES


class ClockBar(Static):
    """T+hh:mm, T0, the verdict and what is due: the line the war room reads first."""

    def show(self, data: LaunchData, verdict: GoNoGo, checkins: Sequence[CheckInView], now: datetime) -> None:
        if data.t0 is None:
            self.update(Text.assemble(("T+--:--", "bold"), "  launch clock not started: press ", ("t", "bold"), " to start it"))
            return
        due = sum(v.phase is Phase.DUE for v in checkins)
        overdue = sum(v.phase is Phase.OVERDUE for v in checkins)
        self.update(Text.assemble(
            # what the war room reads first comes first: at 80 columns only T0 is cut
            (clock_text(data.t0, now), "bold"), (f" {launch_phase(data.t0, now)}", "italic"), "   ",
            (verdict.verdict, "bold green" if verdict.go else "bold red"), "   ",
            (f"● {due} due", PHASE_STYLES[Phase.DUE] if due else "dim"), "  ",
            (f"‼ {overdue} overdue", PHASE_STYLES[Phase.OVERDUE] if overdue else "dim"),
            f"   T0 {stamp(data.t0)} ({data.started_by or '?'})",
        ))
