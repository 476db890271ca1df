"""Keys a newcomer needs: `?` help that `?` and Esc close, a key bar that never hides `?` and `q`,
vim-style moves, next failing / next blocker, filters as you type, and a cursor that stays put."""

from __future__ import annotations

from datetime import UTC, datetime

from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.state import StateStore, record
from linkflow_console.tui.screens.checklist import ChecklistScreen
from linkflow_console.tui.screens.help import HelpScreen
from linkflow_console.tui.widgets.checklist_tree import ChecklistTree
from linkflow_console.tui.widgets.key_bar import KeyBar
from tests.tui.conftest import make_app, settle

FIRST = "security.auth.jwt-secret"
REDIS = "infrastructure.redis.memory-limits"


def help_text(screen: HelpScreen) -> str:
    from textual.widgets import Static

    return "\n".join(str(static.render()) if not hasattr(static.renderable, "title") else static.renderable.title
                     for static in screen.query(Static))


async def test_question_mark_toggles_help_and_escape_closes_it(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        titles = [title for title, _ in __import__("linkflow_console.tui.screens.help", fromlist=["key_sections"]).key_sections(app, "Checklist")]
        assert titles[0] == "Checklist" and "Launch day (l)" in titles and titles[-1] == "Textual's keys"
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, ChecklistScreen)
        await pilot.press("question_mark", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ChecklistScreen)


async def test_help_lists_this_consoles_keys_including_launch_day_ones(app):
    from linkflow_console.tui.screens.help import key_sections

    async with app.run_test(size=(80, 24)) as pilot:
        sections = dict(key_sections(app, "Checklist"))
        checklist = {description for _, description in sections["Checklist"]}
        assert {"Tick", "Next failing", "Next open blocker", "Zoom the detail", "move in the tree"} <= checklist
        launch = {description for _, description in sections["Launch day (l)"]}
        assert {"Start clock", "Check-in done", "Decision", "Incident"} <= launch
        await pilot.press("l")
        await pilot.pause()
        assert key_sections(app, "Launch")[0][0] == "Launch day (l)"  # from launch mode, its keys first


async def test_the_key_bar_keeps_help_and_quit_at_80_columns_in_both_modes(app):
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.screen.query_one(KeyBar)
        text = str(bar.render())
        assert "? more" in text and " q Quit" in text and text.startswith(" x Tick")
        assert "…" not in text  # whole entries only: nothing cut mid-word
        await pilot.press("l")
        await pilot.pause()
        text = str(app.screen.query_one(KeyBar).render())
        assert "? more" in text and " q Quit" in text and text.startswith(" t Start clock")
    async with make_app(app.session.store.path).run_test(size=(200, 60)) as pilot:
        text = str(pilot.app.screen.query_one(KeyBar).render())
        assert "? Keys" in text and "? more" not in text and "s Search" in text


async def test_j_k_g_and_G_move_the_cursor(app):
    async with app.run_test(size=(80, 24)) as pilot:
        tree = app.screen.query_one(ChecklistTree)
        assert await settle(pilot, lambda: tree.current_item_id() == FIRST)
        line = tree.cursor_line
        await pilot.press("j")
        assert tree.cursor_line == line + 1
        await pilot.press("k")
        assert tree.cursor_line == line
        await pilot.press("G")
        assert tree.cursor_line == tree.last_line
        await pilot.press("g")
        assert tree.cursor_line == 0


async def test_next_failing_and_next_blocker(state_path):
    store = StateStore(state_path, "production", "test", clock=lambda: datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    at = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    record.record_results(store, [ProbeResult("http.tls-versions", Status.FAIL, "TLS 1.0 accepted", started_at=at),
                          ProbeResult("config.jwt-secret", Status.ERROR, "could not read", started_at=at)])
    app = make_app(state_path)
    async with app.run_test(size=(80, 24)) as pilot:
        tree = app.screen.query_one(ChecklistTree)
        assert await settle(pilot, lambda: tree.current_item_id() == FIRST)
        await pilot.press("F")  # could not tell is not failing: jwt-secret is skipped
        assert tree.current_item_id() == "security.network.tls-min-version"
        await pilot.press("F")  # the only failing item: wraps round to itself
        assert tree.current_item_id() == "security.network.tls-min-version"
        await pilot.press("B")
        assert tree.current_item_id() == "security.network.https-redirect"
        assert "✘ 1 failing  ? 1 could not tell" in app.screen.query_one("#header").progress_line


async def test_the_filter_applies_as_you_type_and_the_header_shows_it(app):
    async with app.run_test(size=(80, 24)) as pilot:
        tree = app.screen.query_one(ChecklistTree)
        await pilot.press("slash", *"maxmem")
        assert await settle(pilot, lambda: tree.text_filter == "maxmem")  # no Enter needed
        await pilot.press("f")  # the Input has focus: f is typed, not the status filter
        assert await settle(pilot, lambda: tree.text_filter == "maxmemf")
        header = app.screen.query_one("#header").progress_line
        assert "filter: 'maxmemf'" in header
        await pilot.press("escape")
        assert await settle(pilot, lambda: tree.text_filter == "" and "filter" not in app.screen.query_one("#header").progress_line)


async def test_the_cursor_stays_on_the_item_after_zoom_collapse_expand_and_filter(app):
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        tree = screen.query_one(ChecklistTree)
        screen.select_item(REDIS)
        assert await settle(pilot, lambda: screen.selected == REDIS)
        await pilot.press("z", "z")
        await pilot.pause()
        assert tree.has_focus and tree.current_item_id() == REDIS
        await pilot.press("minus")  # folded away: the cursor rests on its section, the item stays selected
        await pilot.pause()
        assert tree.cursor_node is tree.section_nodes["infrastructure"] and screen.selected == REDIS
        await pilot.press("plus")
        await pilot.pause()
        assert tree.current_item_id() == REDIS
        await pilot.press("f")  # open items: it is open, so it stays under the cursor
        await pilot.pause()
        assert tree.current_item_id() == REDIS


async def test_the_console_reopens_on_the_item_it_was_on(state_path):
    async with make_app(state_path).run_test(size=(80, 24)) as pilot:
        pilot.app.screen.select_item(REDIS)
        await pilot.pause(0.3)
        await pilot.app.workers.wait_for_complete()
    reopened = make_app(state_path)
    async with reopened.run_test(size=(80, 24)) as pilot:
        tree = reopened.screen.query_one(ChecklistTree)
        assert await settle(pilot, lambda: tree.current_item_id() == REDIS)
    assert REDIS not in state_path.read_text(encoding="utf-8") if state_path.exists() else True  # not in the state
