"""The war-room decision: a choice with no default; "go" on a NO-GO board asks first, naming
what still holds, and Back (the default) records nothing."""

from __future__ import annotations

from pathlib import Path

from linkflow_console.launch.model import Decision, LogKind, go_no_go, launch_data
from linkflow_console.tui.app import LinkflowConsole
from linkflow_console.tui.dialogs.confirm import ConfirmDialog
from linkflow_console.tui.dialogs.form import FormDialog
from tests.tui.test_launch_screen import NARROW, launched_session, open_launch, settle


def decisions(session) -> list[tuple[Decision | None, str]]:
    return [(e.decision, e.text) for e in launch_data(session.store.load()).log if e.kind is LogKind.DECISION]


async def test_go_on_a_no_go_board_asks_naming_what_holds_and_back_records_nothing(state_path: Path) -> None:
    session = launched_session(state_path)
    verdict = go_no_go(session.checklist, session.views())
    assert not verdict.go
    before = decisions(session)
    app = LinkflowConsole(session)
    async with app.run_test(size=NARROW) as pilot:
        await open_launch(app, pilot)
        await pilot.press("g", "enter", *"looks fine", "enter")  # Enter picks the highlighted "go"
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        question = app.screen.question
        assert f"NO-GO: {len(verdict.holding)} item(s)" in question and verdict.holding[0].item.id in question
        await pilot.press("enter")  # the default button is Back
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        assert "Not recorded yet" in str(app.screen.query_one("#form-error").render())
        await pilot.press("escape")
        await settle(app, pilot)
    assert decisions(session) == before


async def test_go_confirmed_is_recorded(state_path: Path) -> None:
    session = launched_session(state_path)
    app = LinkflowConsole(session)
    async with app.run_test(size=NARROW) as pilot:
        await open_launch(app, pilot)
        await pilot.press("g", "enter", *"accepted by the CTO", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.click("#yes")
        await settle(app, pilot)
    assert decisions(session)[-1] == (Decision.GO, "accepted by the CTO")


async def test_no_go_needs_no_confirmation(state_path: Path) -> None:
    session = launched_session(state_path)
    app = LinkflowConsole(session)
    async with app.run_test(size=NARROW) as pilot:
        await open_launch(app, pilot)
        await pilot.press("g", "down", "enter", *"blockers open", "enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, FormDialog | ConfirmDialog)
    assert decisions(session)[-1] == (Decision.NO_GO, "blockers open")
