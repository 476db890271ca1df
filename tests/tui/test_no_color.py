"""NO_COLOR=1 (set once for every program by many people, and by CI systems) never breaks the console."""

from __future__ import annotations

import pytest

from linkflow_console.tui.screens.checklist import ChecklistScreen
from linkflow_console.tui.widgets.item_detail import ItemDetail
from tests.tui.conftest import make_app, settle


@pytest.fixture
def no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads (and pops) it when the app is made
    return monkeypatch


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


@pytest.mark.parametrize("name", ["note", "na", "waive-invalid", "tick-blocker-evidence", "runbook-search", "palette", "help", "copy-commands"])
async def test_each_checklist_dialog_renders_under_no_color(no_color, state_path, name):
    from tests.tui.test_dialog_snapshots import CHECKLIST_DIALOGS, checklist_app

    app = checklist_app(state_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await CHECKLIST_DIALOGS[name](pilot)
        await pilot.pause(0.2)
        assert app.screen is not None and app.is_running and app.return_code is None


@pytest.mark.parametrize("name", ["log-note", "incident", "decision-go-confirm", "check-in", "help-launch"])
async def test_launch_screen_and_its_dialogs_render_under_no_color(no_color, state_path, name):
    from tests.tui.test_dialog_snapshots import LAUNCH_DIALOGS
    from tests.tui.test_launch_screen import launched_session
    from linkflow_console.tui.app import LinkflowConsole

    app = LinkflowConsole(launched_session(state_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await LAUNCH_DIALOGS[name](pilot)
        await pilot.pause(0.2)
        assert app.is_running and app.return_code is None


async def test_full_screen_runbook_and_error_screen_render_under_no_color(no_color, state_path):
    from linkflow_console.errors import ChecklistError
    from linkflow_console.tui.screens.error import ErrorApp
    from linkflow_console.tui.screens.runbook import RunbookScreen

    app = make_app(state_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.select_item("infrastructure.redis.memory-limits")
        await pilot.pause(0.2)
        await pilot.press("o")
        assert await settle(pilot, lambda: isinstance(app.screen, RunbookScreen))
        await pilot.pause(0.5)
        assert app.is_running and app.return_code is None
    no_color.setenv("NO_COLOR", "1")  # popped by the first app
    error_app = ErrorApp(ChecklistError("broken [bold]markup[/] stays text", path="team.toml", line=3, fix="fix it"))
    assert error_app.no_color
    async with error_app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        assert "broken [bold]markup[/] stays text" in str(error_app.screen.query_one("#error-message").render())
