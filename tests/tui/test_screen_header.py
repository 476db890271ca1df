"""The checklist's two header lines: text from files and other consoles is shown as text, and at
any width the probes' age (or the team store's notice) stays whole while the progress gives way."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App

from linkflow_console.tui.widgets.screen_header import ScreenHeader

TITLE = "Checklist [b]bold?[/b] — env prod (a.toml) — alice"
PROGRESS = "Overall 3/121 ░░░░░░░░░░░░░░░░   2%  ✘ 1 failing  ? 2 could not tell"
SWEEP = "team store [red]offline[/] · probes 5 s ago"


class HeaderOnly(App):
    def compose(self):
        yield ScreenHeader(TITLE)


@pytest.mark.parametrize("width", [40, 80, 200])
async def test_header_lines_fit_the_width_and_show_text_as_text(width):
    app = HeaderOnly()
    async with app.run_test(size=(width, 4)) as pilot:
        header = app.query_one(ScreenHeader)
        header.show_progress(Text(PROGRESS))
        header.show_sweep(SWEEP)
        await pilot.pause()
        title, progress = header.render_line(0).text, header.render_line(1).text
        assert len(title) == len(progress) == width
        if width - 2 >= len(SWEEP):
            assert progress.rstrip().endswith(SWEEP)  # the right-hand side is never the one cut
        else:
            assert progress == f" {SWEEP[:width - 3]}… "  # too long for any width: cut, progress gone
        if width >= len(TITLE):
            assert TITLE in title  # brackets and all: not markup
        else:
            assert title.rstrip().endswith("…")
        if width >= len(PROGRESS) + len(SWEEP) + 4:
            assert PROGRESS in progress and SWEEP in progress
        elif width - 2 > len(SWEEP) + 2:
            assert "…" in progress and progress.startswith(" Overall")
        assert header.progress_line == f"{PROGRESS}  {SWEEP}"
