"""NO_COLOR=1 (set once for every program by many people, and by CI systems) never breaks the console."""

from __future__ import annotations

import pytest

from linkflow_console.tui.screens.checklist import ChecklistScreen
from linkflow_console.tui.widgets.item_detail import ItemDetail
from tests.tui.conftest import make_app, settle


@pytest.fixture
def no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads (and pops) it when the app is made


async def test_checklist_screen_renders_under_no_color(no_color, state_path):
    app = make_app(state_path)
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, ChecklistScreen)
        detail = screen.query_one(ItemDetail)
        assert await settle(pilot, lambda: "Status: ○ open" in detail.plain_text)
        await pilot.pause(0.2)
        assert app.return_code is None and app.is_running
