"""The first frame already holds the console's layout and colours: what comes after it fills in
(the selected item's detail, the cursor) but never moves or recolours what the user already sees.
The frame is taken exactly where `benchmarks/startup.py` stops its clock."""

from __future__ import annotations

import pytest

from linkflow_console.tui.app import LinkflowConsole
from linkflow_console.tui.widgets.checklist_tree import ChecklistTree
from tests.tui.conftest import make_app, workers_done


class FirstFrameKept(LinkflowConsole):
    first_frame: list | None = None

    def _on_mount(self, event) -> None:  # Textual runs the base class's on_mount too
        self.call_after_refresh(self._keep_first_frame)

    def _keep_first_frame(self) -> None:
        self.first_frame = self.screen._compositor.render_strips()


def _cells(strip, start: int, end: int) -> list[tuple[str, object]]:
    """(character, style) for each cell in [start, end): two frames' strips split differently."""
    cells = []
    for segment in strip.crop(start, end):
        cells += [(char, segment.style) for char in segment.text]
    return cells


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_what_the_first_frame_shows_stays_put(state_path, size):
    app = FirstFrameKept(make_app(state_path).session)  # the test's session: frozen clock, test env
    async with app.run_test(size=size) as pilot:
        await workers_done(pilot)
        first = app.first_frame
        assert first is not None
        for widget in app.screen.walk_children(with_self=True):  # draw it afresh, from no cache
            widget._styles_cache.clear()
            widget.refresh()
        await pilot.pause()
        later = app.screen._compositor.render_strips()
        tree = app.screen.query_one(ChecklistTree)
        width, height = size
        assert tree.region.height > 0 and "Security" in first[2].text  # the tree was laid out in it
        for row in (0, 1, height - 1):  # header and key bar: same text, same colours
            assert _cells(first[row], 0, width) == _cells(later[row], 0, width), f"row {row} changed"
        left, right = tree.region.x, tree.region.right
        cursor_row = tree.region.y + tree.cursor_line - tree.scroll_offset.y
        for row in range(tree.region.y, tree.region.bottom):
            if row != cursor_row:  # the cursor lands after the first frame: only its row restyles
                assert _cells(first[row], left, right) == _cells(later[row], left, right), f"tree row {row} changed"
            assert first[row].crop(left, right).text == later[row].crop(left, right).text
