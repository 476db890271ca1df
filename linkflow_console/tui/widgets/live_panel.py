"""The live metrics since T0, one row each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical

from linkflow_console.launch.model import METRICS, Sample
from linkflow_console.tui.widgets.metric_row import MetricRow


class LivePanel(Vertical):
    def compose(self) -> ComposeResult:
        for metric in METRICS:
            yield MetricRow(metric)

    def show(self, series: Mapping[str, Sequence[tuple[datetime, float]]], now: datetime, configured: Mapping[str, bool],
             failures: Mapping[str, Sample | None] | None = None) -> None:
        for row in self.query(MetricRow):
            row.show(series[row.metric.key], now, configured[row.metric.key], (failures or {}).get(row.metric.key))
