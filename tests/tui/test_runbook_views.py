"""Runbooks in the TUI: the inline pane follows the selection; full screen with contents; search."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.widgets import MarkdownViewer

from linkflow_console.state import record as state_record
from linkflow_console.probes.base import Evidence, ProbeResult, Status
from linkflow_console.state import StateStore
from linkflow_console.paths import data_dir
from linkflow_console.tui.dialogs.code_picker import code_blocks
from linkflow_console.tui.screens.checklist import ChecklistScreen
from linkflow_console.tui.widgets.checklist_tree import ChecklistTree
from linkflow_console.tui.widgets.item_detail import ItemDetail
from linkflow_console.tui.screens.runbook import RunbookScreen
from linkflow_console.tui.dialogs.runbook_search import RunbookSearch
from tests.tui.conftest import make_app, settle


def inline_markdown(screen) -> str:
    """The runbook markdown the detail pane shows, once it is painted (rendered lines present)."""
    detail = screen.query_one(ItemDetail)
    title = detail.runbook_markdown.split("\n", 1)[0].removeprefix("## ")
    return detail.runbook_markdown if title and title in detail.plain_text else ""


async def open_full_screen_runbook(pilot, item_id: str) -> RunbookScreen:
    """Select the item in the tree and press o, as an operator would."""
    pilot.app.screen.select_item(item_id)
    await pilot.pause(0.2)
    await pilot.press("o")
    assert await settle(pilot, lambda: isinstance(pilot.app.screen, RunbookScreen))
    return pilot.app.screen


async def test_inline_runbook_follows_the_selection(app):
    async with app.run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        screen.select_item("infrastructure.redis.memory-limits")
        assert await settle(pilot, lambda: inline_markdown(screen).startswith("## Memory limits configured"))
        assert "noeviction" in inline_markdown(screen)
        await pilot.press("down")  # next item: Sentinel or Cluster for HA
        assert await settle(pilot, lambda: inline_markdown(screen).startswith("## Sentinel or Cluster for HA"))
        # holding a key: only the last selection is rendered, the pane never shows a stale item
        await pilot.press("up", "up", "up", "down")
        assert await settle(pilot, lambda: screen.query_one(ChecklistTree).current_item_id() == "infrastructure.redis.aof-persistence")
        assert await settle(pilot, lambda: inline_markdown(screen).startswith("## Persistence enabled (AOF)"))


async def test_full_screen_runbook_opens_at_the_item_with_contents(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await open_full_screen_runbook(pilot, "security.network.cors")
        screen = pilot.app.screen
        viewer = screen.query_one(MarkdownViewer)
        assert viewer.show_table_of_contents
        assert await settle(pilot, lambda: len(viewer.table_of_contents.table_of_contents or []) > 6)
        titles = [title for _, title, _ in viewer.table_of_contents.table_of_contents]
        assert "CORS properly configured" in titles and "TLS 1.2+ enforced" in titles
        assert "{#" not in viewer.document.source  # anchors are stripped for display
        # it opens at the item's own heading, not at the top of the file
        heading = next(b for b in viewer.document.query("MarkdownH2") if "CORS properly configured" in str(b._content))
        assert await settle(pilot, lambda: viewer.scroll_y > 0 and abs(heading.region.y - heading.styles.margin.top - viewer.content_region.y) <= 1)
        await pilot.press("t")
        assert not viewer.show_table_of_contents
        await pilot.press("escape")
        assert await settle(pilot, lambda: isinstance(pilot.app.screen, ChecklistScreen))


async def test_full_screen_runbook_at_80x24_gives_the_text_the_width(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await open_full_screen_runbook(pilot, "security.network.cors")
        viewer = pilot.app.screen.query_one(MarkdownViewer)
        assert not viewer.show_table_of_contents  # narrow: contents start hidden
        assert await settle(pilot, lambda: viewer.document.size.width >= 70)
        await pilot.press("t")
        await pilot.pause()
        assert viewer.show_table_of_contents
        assert viewer.table_of_contents.size.width <= 36  # at most 45 % of the width
        assert viewer.document.size.width >= 36


async def test_failing_probe_evidence_comes_before_the_fix(state_path):
    state_record.record_results(StateStore(state_path, "production", "test"), [
        ProbeResult("redis.memory-policy", Status.FAIL, "maxmemory-policy allkeys-lru evicts Asynq jobs",
                    (Evidence("maxmemory-policy", "noeviction", "allkeys-lru", False),), {}, {}, 4.0,
                    datetime(2026, 11, 26, 9, 0, tzinfo=UTC)),
    ])
    app = make_app(state_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_full_screen_runbook(pilot, "infrastructure.redis.memory-limits")
        source = pilot.app.screen.query_one(MarkdownViewer).document.source
        section = source[source.index("## Memory limits configured"):]
        assert section.index("allkeys-lru") < section.index("### Fix")
        assert section.index("Evidence (probe failing)") < section.index("### Why it matters")


async def test_search_across_runbooks_jumps_to_the_hit(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        assert await settle(pilot, lambda: isinstance(pilot.app.screen, RunbookSearch))
        await pilot.press(*"pg_stat_archiver")
        await pilot.pause(0.2)
        from textual.widgets import OptionList

        hits = pilot.app.screen.query_one(OptionList)
        assert hits.option_count >= 1
        first = hits.get_option_at_index(0).id
        await pilot.press("enter")
        assert await settle(pilot, lambda: isinstance(pilot.app.screen, ChecklistScreen))
        tree = pilot.app.screen.query_one(ChecklistTree)
        assert await settle(pilot, lambda: tree.current_item_id() == first)
        assert first.startswith(("infrastructure.postgres.", "dr."))


async def test_copy_a_command_from_the_runbook(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await open_full_screen_runbook(pilot, "infrastructure.redis.memory-limits")
        await pilot.press("c")
        from textual.widgets import OptionList

        assert await settle(pilot, lambda: bool(pilot.app.screen.query(OptionList)))
        picker = pilot.app.screen
        item = pilot.app.session.checklist.get("infrastructure.redis.memory-limits")
        section = pilot.app.runbooks.section_for(item)
        assert picker.blocks and all(block in section.markdown for block in picker.blocks)  # the item's own, not the file's
        assert len(picker.blocks) < len(code_blocks(section.path.read_text(encoding="utf-8")))
        await pilot.press("enter")
        assert await settle(pilot, lambda: bool(pilot.app.clipboard))
        assert "redis-cli" in pilot.app.clipboard or "maxmemory" in pilot.app.clipboard
        # no clipboard can be reached from a headless test: it says so and names the file holding the text
        copied = data_dir() / "copied.txt"
        assert copied.read_text(encoding="utf-8") == pilot.app.clipboard + "\n"
        assert any(f"No clipboard can be reached here. The text is in {copied}." in str(n.message) for n in pilot.app._notifications)


async def test_search_shows_runbook_text_as_text_and_highlights_the_first_hit(app):
    from textual.widgets import OptionList

    from linkflow_console.tui.dialogs.runbook_search import RunbookSearch

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s", *"redacted ws")
        search = pilot.app.screen
        assert isinstance(search, RunbookSearch)
        hits = search.query_one(OptionList)
        assert await settle(pilot, lambda: hits.option_count >= 1)
        prompt = hits.get_option_at_index(0).prompt
        title, line = prompt.renderables  # the title, then the matching line indented under it
        assert line.left == 4 and "/ws?[redacted]" in line.renderable.plain  # text, not eaten as a markup tag
        await pilot.press("down")
        assert hits.has_focus and hits.highlighted == 0  # Enter works at once
        await pilot.press("enter")
        assert await settle(pilot, lambda: isinstance(pilot.app.screen, ChecklistScreen))
