"""The detail pane shows the item's recent probe verdicts, read from the recorded sweeps."""

from __future__ import annotations

from datetime import timedelta

from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.state import StateStore, record
from linkflow_console.tui.widgets.item_detail import ItemDetail
from tests.conftest import FROZEN
from tests.tui.conftest import make_app, settle

ITEM = "infrastructure.redis.memory-limits"


async def test_the_detail_pane_shows_two_sweeps_with_different_verdicts(state_path):
    app = make_app(state_path)
    probe = app.session.checklist.get(ITEM).probes[0]
    moments = iter([FROZEN - timedelta(days=1), FROZEN - timedelta(hours=2)])
    store = StateStore(state_path, "production", "test", clock=lambda: next(moments))
    for status in (Status.PASS, Status.FAIL):
        record.record_results(store, [ProbeResult(probe, status, "[bold]not markup[/bold]", (), {}, {}, 5.0, FROZEN)])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        screen.select_item(ITEM)
        detail = screen.query_one(ItemDetail)
        assert await settle(pilot, lambda: "Probe history" in detail.plain_text)
        line = next(row for row in detail.plain_text.splitlines() if row.strip().startswith(probe) and "ago" in row and "✔" in row)
        assert "✘ fail* 2.0 h ago" in line and "✔ pass 24.0 h ago" in line, line  # * : changed from the verdict before
        assert line.index("✘ fail") < line.index("✔ pass")  # newest first
