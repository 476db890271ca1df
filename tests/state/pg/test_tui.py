"""The TUI on a team store, driven by Pilot: another console's change repaints it without polling;
a store that goes away gives the offline notice, the change waits, and is shared once on return."""

from __future__ import annotations

import asyncio
import os

import pytest

from linkflow_console.session import open_session
from linkflow_console.tui.app import LinkflowConsole
from linkflow_console.tui.screens.checklist import ChecklistScreen
from linkflow_console.tui.widgets.checklist_tree import ChecklistTree
from tests.conftest import FROZEN, run_cli
from tests.servers.postgres import PgServer
from tests.state.pg.conftest import CONSOLE_ENV, restart, stop
from tests.tui.conftest import settle

pytestmark = pytest.mark.servers

MINE, THEIRS = "infrastructure.redis.memory-limits", "security.network.cors"  # not blockers: a blocker ticked by hand asks for evidence first


@pytest.fixture
def url(store, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PGPASSWORD", os.environ[CONSOLE_ENV])
    return store.url


def console(url: str) -> LinkflowConsole:
    return LinkflowConsole(open_session(state=url, operator="alice", environment="test", clock=lambda: FROZEN))


def label_of(screen: ChecklistScreen, item_id: str) -> str:
    return str(screen.query_one(ChecklistTree).item_nodes[item_id].label)


def sweep_label(screen: ChecklistScreen) -> str:
    return screen.query_one("#header").sweep


async def test_a_change_from_another_console_repaints_the_tree(url: str, team_pg: PgServer, database: str):
    async with console(url).run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, ChecklistScreen)
        screen.select_item(MINE)
        await pilot.pause()
        await pilot.press("x")
        assert await settle(pilot, lambda: label_of(screen, MINE).startswith("✓"))
        assert team_pg.sql("SELECT kind, target, \"by\" FROM linkflow_console.events", database=database) == [("tick", MINE, "alice")]
        done = await asyncio.to_thread(run_cli, "tick", THEIRS, "--state", url, "--env", "test", "--operator", "bob")
        assert done.returncode == 0, done.stderr
        assert await settle(pilot, lambda: label_of(screen, THEIRS).startswith("✓"), tries=300)
        assert "Overall 2/121" in screen.query_one("#header").progress_line
        assert "team store offline" not in sweep_label(screen)


async def test_store_stopped_mid_session_offline_notice_then_exactly_once_replay(url: str, team_pg: PgServer, database: str):
    async with console(url).run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, ChecklistScreen)
        await pilot.pause()
        stop(team_pg)
        try:
            assert await settle(pilot, lambda: "team store offline since 2026-11-26 09:30 UTC" in sweep_label(screen), tries=300)
            screen.select_item(MINE)
            await pilot.pause()
            await pilot.press("x")
            assert await settle(pilot, lambda: label_of(screen, MINE).startswith("✓"))  # works on, locally
            assert await settle(pilot, lambda: "1 change(s) wait, recorded locally" in sweep_label(screen))
        finally:
            await asyncio.to_thread(restart, team_pg)
        assert await settle(pilot, lambda: "team store offline" not in sweep_label(screen), tries=400)
        assert label_of(screen, MINE).startswith("✓")
        assert team_pg.sql("SELECT kind, target FROM linkflow_console.events", database=database) == [("tick", MINE)]
        # the console's next change goes straight to the store again
        screen.select_item(THEIRS)
        await pilot.pause()
        await pilot.press("x")
        assert await settle(pilot, lambda: label_of(screen, THEIRS).startswith("✓"))
        assert await settle(pilot, lambda: team_pg.sql("SELECT count(*) FROM linkflow_console.events", database=database) == [(2,)])
        assert "wait" not in sweep_label(screen)


async def test_text_from_another_console_is_shown_as_text_not_markup(url: str):
    """Control characters in such text are the shared text-neutralisation's (issue 12) to escape."""
    hostile = "[bold red]boom[/] [link=http://evil.example]x[/link] [/unbalanced]"
    done = await asyncio.to_thread(run_cli, "note", MINE, hostile, "--state", url, "--env", "test", "--operator", "mallory")
    assert done.returncode == 0, done.stderr
    async with console(url).run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, ChecklistScreen)
        screen.select_item(MINE)
        detail = screen.query_one("#detail")
        assert await settle(pilot, lambda: "[bold red]boom[/]" in detail.plain_text)
        assert "[link=http://evil.example]x[/link] [/unbalanced]" in detail.plain_text


async def test_launch_screen_header_says_when_the_team_store_is_offline(url: str, team_pg: PgServer):
    async with console(url).run_test(size=(120, 40)) as pilot:
        await pilot.press("l")
        await pilot.pause()
        launch = pilot.app.screen
        assert "offline" not in launch.sub_title and "test — alice" in launch.sub_title
        stop(team_pg)
        try:
            assert await settle(pilot, lambda: "team store offline since" in launch.sub_title, tries=300)
        finally:
            await asyncio.to_thread(restart, team_pg)
        assert await settle(pilot, lambda: "offline" not in launch.sub_title, tries=400)


async def test_a_tui_and_a_cli_200_changes_each_end_with_400_events_and_the_right_state(url: str, team_pg: PgServer, database: str):
    import subprocess
    import sys

    from tests.conftest import REPO
    from tests.state.pg.test_cli import CLI_LOOP

    cli = subprocess.Popen([sys.executable, "-c", CLI_LOOP, url, "bob", "note", "test"], cwd=REPO, env=os.environ.copy(),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        async with console(url).run_test(size=(120, 40)) as pilot:
            screen = pilot.app.screen
            assert isinstance(screen, ChecklistScreen)
            screen.select_item(MINE)
            await pilot.pause()
            for n in range(200):  # tick, untick, tick, ... each recorded before the next keypress
                await pilot.press("x")
                assert await settle(pilot, lambda: label_of(screen, MINE).startswith("✓" if n % 2 == 0 else "○"), tries=200)
            _, err = await asyncio.to_thread(cli.communicate, timeout=600)
            assert cli.returncode == 0, err
            # the CLI's notes reached this TUI too: each item it noted shows bob's last note
            from linkflow_console.checklist import load_checklist
            from linkflow_console.paths import bundled_checklist

            noted = [item.id for item in load_checklist(bundled_checklist()).all_items()][:100]
            assert await settle(pilot, lambda: screen.session.store.state.item(noted[0]).note == "bob 100", tries=300)
            assert all(screen.session.store.state.item(i).note == f"bob {100 + n}" for n, i in enumerate(noted))
    finally:
        if cli.poll() is None:
            cli.kill()
    assert team_pg.sql("SELECT count(*), count(DISTINCT id) FROM linkflow_console.events", database=database) == [(400, 400)]
    rows = team_pg.sql("SELECT kind FROM linkflow_console.events WHERE \"by\" = 'alice' ORDER BY seq", database=database)
    assert [kind for (kind,) in rows] == ["tick", "untick"] * 100
    assert team_pg.sql("SELECT count(*) FROM linkflow_console.events WHERE \"by\" = 'bob' AND kind = 'note'", database=database) == [(200,)]
