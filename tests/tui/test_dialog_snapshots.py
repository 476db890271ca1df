"""Every dialog, the help screen and the key bar, at 80x24 and 200x60: buttons visible with their
labels, nothing clipped (frozen clock, fixed state; snapshots updated deliberately)."""

from __future__ import annotations

import pytest

from linkflow_console.session import open_session
from textual.widgets import Input, OptionList

from linkflow_console.tui.app import LinkflowConsole
from linkflow_console.tui.widgets.item_detail import ItemDetail
from tests.conftest import FROZEN
from tests.tui.conftest import settle
from tests.tui.test_launch_screen import launched_session

SIZES = [(80, 24), (200, 60)]
ITEM = "security.network.cors"


def checklist_app(state_path) -> LinkflowConsole:
    return LinkflowConsole(open_session(state=state_path, operator="alice", environment="test", clock=lambda: FROZEN))


async def steady(pilot) -> None:
    """No blinking cursor: a frame taken mid-blink would differ from the snapshot."""
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await pilot.pause(0.1)


def keys_on_item(*keys: str, item: str = ITEM):
    async def run_before(pilot) -> None:
        screen = pilot.app.screen
        assert await settle(pilot, lambda: bool(screen.query("#tree")))
        tree = screen.query_one("#tree")
        # opened, laid out and on its first item, as the console is when a person jumps
        assert await settle(pilot, lambda: tree.cursor_node is not None and tree.size.height > 0)
        screen.select_item(item)
        detail = screen.query_one(ItemDetail)
        assert await settle(pilot, lambda: item in detail.plain_text and "Why it matters" in detail.plain_text)
        await pilot.pause(0.2)  # the tree's scroll to the item lands after a refresh
        await pilot.press(*keys)
        await pilot.pause(0.3)
        if keys[0] == "ctrl+p":  # the palette searches in a worker
            assert await settle(pilot, lambda: any(o.option_count for o in pilot.app.screen.query(OptionList)))
            await pilot.pause(0.3)
        await steady(pilot)

    return run_before


def in_launch_mode(*keys: str):
    async def run_before(pilot) -> None:
        await pilot.pause(0.1)
        await pilot.press("l")
        await pilot.pause(0.3)
        await pilot.press(*keys)
        await pilot.pause(0.3)
        await steady(pilot)

    return run_before


CHECKLIST_DIALOGS = {
    "note": keys_on_item("n"),
    "na": keys_on_item("a"),
    "waive": keys_on_item("w"),
    "waive-invalid": keys_on_item("w", *"legacy LB", "enter", "enter", *"soon", "enter"),  # the error stays inside
    "tick-blocker-evidence": keys_on_item("x", item="security.network.tls-min-version"),
    "runbook-search": keys_on_item("s", *"maxmemory", "down"),
    "palette": keys_on_item("ctrl+p", *"redis pass"),
    "help": keys_on_item("question_mark"),
    "copy-commands": keys_on_item("c", item="infrastructure.redis.memory-limits"),
}
LAUNCH_DIALOGS = {
    "log-note": in_launch_mode("n"),
    "incident": in_launch_mode("i"),
    "decision": in_launch_mode("g"),
    "decision-go-confirm": in_launch_mode("g", "enter", *"ship it", "enter"),
    "check-in": in_launch_mode("down", "right", "d"),
    "help-launch": in_launch_mode("question_mark"),
}


# The command palette searches in a worker and streams its hits: its frame depends on timing, so it
# is not snapshotted; test_no_color opens it, and test_checklist_app jumps with it.
SNAPSHOTTED = [name for name in CHECKLIST_DIALOGS if name != "palette"]


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x60"])
@pytest.mark.parametrize("name", SNAPSHOTTED)
def test_checklist_dialog(snap_compare, state_path, name, size):
    assert snap_compare(checklist_app(state_path), terminal_size=size, run_before=CHECKLIST_DIALOGS[name])


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x60"])
@pytest.mark.parametrize("name", list(LAUNCH_DIALOGS))
def test_launch_dialog(snap_compare, state_path, name, size):
    assert snap_compare(LinkflowConsole(launched_session(state_path)), terminal_size=size, run_before=LAUNCH_DIALOGS[name])


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x60"])
def test_start_clock_dialog(snap_compare, state_path, size):
    assert snap_compare(checklist_app(state_path), terminal_size=size, run_before=in_launch_mode("t"))
