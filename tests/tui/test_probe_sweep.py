"""Live probes in the TUI: results stream into the tree, evidence in the detail pane, results kept
in the state; a dead target never freezes a keypress."""

from __future__ import annotations

import socket

import pytest

from linkflow_console.session import open_session
from linkflow_console.state import StateStore
from linkflow_console.tui.app import LinkflowConsole
from linkflow_console.tui.widgets.checklist_tree import ChecklistTree
from linkflow_console.tui.widgets.item_detail import ItemDetail
from tests.conftest import FROZEN
from tests.servers.api import api, api_server  # noqa: F401
from tests.servers import GENEROUS_TIMEOUT
from tests.tui.conftest import settle, workers_done

LIVENESS = "application.health.liveness-probe"


def app_with_profile(tmp_path, base_url: str, state_path, timeout: float = GENEROUS_TIMEOUT) -> LinkflowConsole:
    profile = tmp_path / "profile.toml"
    profile.write_text(f'name = "test"\ntimeout = {timeout}\n[api]\nbase_url = "{base_url}"\n')
    return LinkflowConsole(open_session(profile=profile, state=state_path, operator="alice", clock=lambda: FROZEN))


def label(app, item_id: str) -> str:
    return str(app.screen.query_one(ChecklistTree).item_nodes[item_id].label)


async def test_sweep_streams_results_into_tree_detail_and_state(tmp_path, state_path, api):  # noqa: F811
    app = app_with_profile(tmp_path, api.url, state_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        screen.select_item(LIVENESS)
        await pilot.pause(0.2)
        await pilot.press("R")
        await workers_done(pilot)  # the sweep's worker, not a count of pauses that a slow machine outlasts
        assert not screen.sweeping
        assert label(app, LIVENESS).startswith("✔")
        detail = screen.query_one(ItemDetail)
        assert await settle(pilot, lambda: "http.liveness" in detail.plain_text and "pass" in detail.plain_text)
        assert label(app, "infrastructure.redis.password-auth").startswith("○")  # skipped: not configured
    stored = StateStore(state_path, "production", "test").load().results
    assert stored["http.liveness"].status == "pass"
    assert stored["redis.auth"].status == "skipped"


async def test_re_run_one_item_and_results_survive_a_restart(tmp_path, state_path, api):  # noqa: F811
    app = app_with_profile(tmp_path, api.url, state_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.screen.select_item("application.health.readiness-probe")
        await pilot.pause(0.2)
        await pilot.press("r")
        await workers_done(pilot)
        assert label(app, "application.health.readiness-probe").startswith("✔")
        assert label(app, LIVENESS).startswith("○")  # only the selected item ran
    again = LinkflowConsole(open_session(state=state_path, operator="bob", environment="test", clock=lambda: FROZEN))
    async with again.run_test(size=(120, 40)) as pilot:
        assert label(again, "application.health.readiness-probe").startswith("✔")  # offline, from the state


@pytest.fixture
def silent_target():
    """Accepts TCP connections and never answers: every probe waits for its timeout."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


async def test_a_dead_target_never_freezes_a_keypress(tmp_path, state_path, silent_target):
    # 10 s: the keys below must be handled while the probes still wait (8 s), however loaded the
    # machine; at 2 s a slow Pilot could see the sweep end first and the test prove nothing.
    app = app_with_profile(tmp_path, silent_target, state_path, timeout=10.0)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        tree = screen.query_one(ChecklistTree)
        await pilot.press("R")
        assert screen.sweeping
        before = tree.cursor_line
        await pilot.press("down", "down", "down")
        assert tree.cursor_line == before + 3
        assert screen.sweeping, "keys were handled while the sweep was still waiting on the dead host"
        assert label(app, LIVENESS).startswith("…")  # pending marker while the probe runs
        await workers_done(pilot)
        assert not screen.sweeping
        assert label(app, LIVENESS).startswith("?")  # error: could not tell, never fail
