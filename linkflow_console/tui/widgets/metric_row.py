"""One live metric since T0: title and limit, sparkline, latest value."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Sparkline

from linkflow_console.launch.model import Metric, Sample
from linkflow_console.timefmt import ago


class MetricRow(Horizontal):
    def __init__(self, metric: Metric) -> None:
        super().__init__(classes="metric-row")
        self.metric = metric

    def compose(self) -> ComposeResult:
        yield Label(f"{self.metric.title}\nlimit {self.metric.show(self.metric.limit)}", classes="metric-title")
        yield Sparkline([], summary_function=max, classes="metric-spark")
        yield Label("", classes="metric-latest")

    def show(self, points: Sequence[tuple[datetime, float]], now: datetime, configured: bool, failure: Sample | None = None) -> None:
        spark = self.query_one(Sparkline)
        spark.data = [value for _, value in points]
        spark.display = bool(points)  # an empty sparkline still draws a baseline: that would look like data
        self.set_class(not points, "empty")
        latest = self.query_one(".metric-latest", Label)
        if not points:
            if failure is not None:  # probed, and it could not tell: say so, never a made-up value
                latest.update(Text.assemble(("no data", "bold"), f": last try {ago(failure.at, now)}: {failure.status} {failure.summary}"))
            else:
                why = "" if configured else f" ({self.metric.needs} not in the profile)"
                latest.update(Text(f"no data{why}", "dim"))
            self.set_class(False, "over")
            return
        at, value = points[-1]
        over = value > self.metric.limit
        self.set_class(over, "over")
        # a later run that gave no value replaces the peak: the value shown is not current
        second = (f"{ago(at, now)}; then ", (f"{failure.status} {ago(failure.at, now)}", "bold yellow")) if failure is not None \
            else (f"{ago(at, now)}, peak {self.metric.show(max(v for _, v in points))}",)
        latest.update(Text.assemble(("✘ " if over else "✔ ", "bold red" if over else "green"), (self.metric.show(value), "bold"),
                                    "\n", *second))
