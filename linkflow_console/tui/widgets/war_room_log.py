"""The war-room log, newest first."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from linkflow_console.launch.model import LaunchData, LogKind, clock_text
from linkflow_console.launch.report import hhmm

LOG_GLYPHS = {LogKind.NOTE: "·", LogKind.INCIDENT: "▲", LogKind.INCIDENT_RESOLVED: "▼", LogKind.DECISION: "◆"}


class WarRoomLog(Static):
    def show(self, data: LaunchData) -> None:
        if not data.log:
            self.update(Text("No entries yet: n note, i incident, r resolved, g decision.", "dim"))
            return
        lines = []
        for entry in reversed(data.log):  # newest first: the top is what just happened
            style = "bold red" if entry.kind is LogKind.INCIDENT else ("bold" if entry.kind is LogKind.DECISION else "")
            lines.append(Text.assemble(f"{hhmm(entry.at)} {clock_text(data.t0, entry.at)} ",
                                       (f"{LOG_GLYPHS[entry.kind]} {entry.headline}", style), f" {entry.by}: {entry.text}"))
        self.update(Text("\n").join(lines))
