"""The real app driven by Pilot: tick, note, N/A, waive, filter, palette jump, restart, two consoles."""

from __future__ import annotations

from textual.widgets import Tree

from linkflow_console.state import record as state_record
from linkflow_console.state import StateStore
from linkflow_console.tui.screens.checklist import ChecklistScreen
from linkflow_console.tui.widgets.checklist_tree import ChecklistTree
from linkflow_console.tui.widgets.item_detail import ItemDetail
from tests.tui.conftest import make_app, settle, workers_done

ITEM = "infrastructure.redis.memory-limits"


async def select(pilot, item_id: str) -> ChecklistScreen:
    screen = pilot.app.screen
    assert isinstance(screen, ChecklistScreen)
    screen.select_item(item_id)
    await pilot.pause()
    assert screen.query_one(ChecklistTree).current_item_id() == item_id
    return screen


def label_of(screen: ChecklistScreen, item_id: str) -> str:
    return str(screen.query_one(ChecklistTree).item_nodes[item_id].label)


async def test_opens_on_the_first_item_with_its_detail(app):
    async with app.run_test(size=(80, 24)) as pilot:
        screen = pilot.app.screen
        tree = screen.query_one(ChecklistTree)
        assert await settle(pilot, lambda: tree.current_item_id() == "security.auth.jwt-secret")
        assert tree.scroll_offset.y == 0  # the section and subsection rows above it stay in view
        detail = screen.query_one(ItemDetail)
        assert await settle(pilot, lambda: "security.auth.jwt-secret" in detail.plain_text)


async def test_the_key_bar_lists_this_screens_keys_and_a_click_runs_one(app, state_path):
    from linkflow_console.tui.widgets.key_bar import KeyBar

    async with app.run_test(size=(120, 40)) as pilot:
        bar = pilot.app.screen.query_one(KeyBar)
        text = str(bar.render())
        assert text.startswith(" x Tick  n Note  a N/A  w Waive") and text.rstrip().endswith("^p palette")
        await select(pilot, ITEM)
        await pilot.click(KeyBar, offset=(2, 0))  # on "x Tick"
        store = StateStore(state_path, "production", "test")
        assert await settle(pilot, lambda: state_path.exists() and store.load().item(ITEM).done)
        await pilot.press("slash")  # the filter box has focus: the bar follows the bindings
        await pilot.pause()
        assert "x Tick" not in str(bar.render())


async def test_tick_updates_tree_progress_and_file(app, state_path):
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await select(pilot, ITEM)
        assert label_of(screen, ITEM).startswith("○")
        await pilot.press("x")
        store = StateStore(state_path, "production", "test")
        assert await settle(pilot, lambda: state_path.exists() and store.load().item(ITEM).done)
        assert await settle(pilot, lambda: label_of(screen, ITEM).startswith("✓"))
        assert "Overall 1/121" in screen.query_one("#header").progress_line
        assert "Infrastructure  1/16" in str(screen.query_one(ChecklistTree).section_nodes["infrastructure"].label)
        assert store.load().item(ITEM).by == "alice"
        await pilot.press("x")  # untick
        assert await settle(pilot, lambda: not store.load().item(ITEM).done)


async def test_note_na_and_waive_through_dialogs(app, state_path):
    store = StateStore(state_path, "production", "test")
    async with app.run_test(size=(120, 40)) as pilot:
        await select(pilot, ITEM)
        await pilot.press("n")
        await pilot.press(*"maxmemory 2gb set")
        await pilot.press("enter")
        assert await settle(pilot, lambda: state_path.exists() and store.load().item(ITEM).note == "maxmemory 2gb set")

        await pilot.press("a")
        await pilot.press("enter")  # empty reason is refused, the dialog stays
        await pilot.pause()
        assert "required" in str(pilot.app.screen.query_one("#form-error").render())
        await pilot.press(*"managed redis")
        await pilot.press("enter")
        assert await settle(pilot, lambda: store.load().item(ITEM).na_reason == "managed redis")
        await pilot.press("a")  # toggles N/A off
        assert await settle(pilot, lambda: not store.load().item(ITEM).is_na)

        await pilot.press("w")
        await pilot.press(*"vendor default", "enter")  # reason
        await pilot.press("enter")  # owner prefilled with the operator
        await pilot.press(*"2099-06-30", "enter")
        assert await settle(pilot, lambda: store.load().item(ITEM).waiver is not None)
        waiver = store.load().item(ITEM).waiver
        assert (waiver.reason, waiver.owner, waiver.until.isoformat()) == ("vendor default", "alice", "2099-06-30")
        screen = pilot.app.screen
        assert await settle(pilot, lambda: label_of(screen, ITEM).startswith("≈"))


async def test_text_and_status_filters(app, state_path):
    async with app.run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        tree = screen.query_one(ChecklistTree)
        await pilot.press("slash", *"redis", "enter")
        await pilot.pause()
        shown = set(tree.item_nodes)
        assert ITEM in shown and "security.network.cors" not in shown
        assert all("redis" in i or "redis" in tree.checklist.get(i).text.lower() for i in shown)
        await pilot.press("escape")
        await pilot.pause()
        assert "security.network.cors" in tree.item_nodes

        state_record.tick(StateStore(state_path, "production", "test"), "security.network.cors", "bob")
        assert await settle(pilot, lambda: label_of(screen, "security.network.cors").startswith("✓"))
        await pilot.press("f")  # open
        await pilot.pause()
        assert "security.network.cors" not in tree.item_nodes and ITEM in tree.item_nodes
        await pilot.press("f")  # done
        await pilot.pause()
        assert set(tree.item_nodes) == {"security.network.cors"}
        assert tree.current_item_id() == "security.network.cors"  # the cursor follows the filter
        await pilot.press("f", "f")  # waived, failing: nothing
        await pilot.pause()
        assert tree.item_nodes == {}
        assert await settle(pilot, lambda: "Select an item" in screen.query_one(ItemDetail).plain_text)
        assert "filter: failing" in screen.query_one("#header").progress_line


async def test_rebuilds_faster_than_the_tree_handles_its_events_never_crash(app):
    async with app.run_test(size=(100, 30)) as pilot:
        tree = pilot.app.screen.query_one(ChecklistTree)
        # A sweep under a status filter rebuilds on every result burst; the expand events of one
        # rebuild's sections arrive after the next rebuild has hidden them.
        tree.set_filters(status="open")
        tree.set_filters(status="failing")
        await pilot.pause(0.3)
        assert pilot.app.is_running and tree.item_nodes == {}
        tree.set_filters(status="all")
        await pilot.pause()
        assert len(tree.item_nodes) == 127  # 121 items and the 6 key-metric children


async def test_the_detail_follows_a_filter_that_puts_another_item_on_the_same_line(app, state_path):
    state_record.tick(StateStore(state_path, "production", "test"), "security.network.cors", "bob")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        tree = screen.query_one(ChecklistTree)
        detail = screen.query_one(ItemDetail)
        assert await settle(pilot, lambda: "security.auth.jwt-secret" in detail.plain_text)
        line = tree.cursor_line
        await pilot.press("f", "f")  # open, then done: cors alone, on the line jwt-secret was on
        assert tree.current_item_id() == "security.network.cors" and tree.cursor_line == line
        assert await settle(pilot, lambda: "security.network.cors" in detail.plain_text)


async def test_palette_jumps_to_an_item_by_fuzzy_text(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"pgbouncer")
        await workers_done(pilot)  # the palette's search worker: enter before its hits would pick nothing
        await pilot.press("enter")
        assert await settle(
            pilot,
            lambda: isinstance(pilot.app.screen, ChecklistScreen)
            and pilot.app.screen.query_one(ChecklistTree).current_item_id() == "infrastructure.postgres.connection-pooling",
        )


async def test_everything_persists_across_a_restart(state_path):
    first = make_app(state_path)
    async with first.run_test(size=(120, 40)) as pilot:
        await select(pilot, ITEM)
        await pilot.press("x")
        store = StateStore(state_path, "production", "test")
        assert await settle(pilot, lambda: state_path.exists() and store.load().item(ITEM).done)
    second = make_app(state_path, operator="bob")
    async with second.run_test(size=(120, 40)) as pilot:
        screen = await select(pilot, ITEM)
        assert label_of(screen, ITEM).startswith("✓")
        detail = screen.query_one(ItemDetail)
        assert await settle(pilot, lambda: "Done by alice" in detail.plain_text)


async def test_a_second_console_sees_the_other_ones_changes(app, state_path):
    other = StateStore(state_path, "production", "test")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        state_record.tick(other, ITEM, "bob", "from the other console")
        assert await settle(pilot, lambda: label_of(screen, ITEM).startswith("✓"))
        assert "Overall 1/121" in screen.query_one("#header").progress_line
        # and this console's own change lands in the same file without losing bob's
        await select(pilot, "security.network.cors")
        await pilot.press("x")
        assert await settle(pilot, lambda: other.load().item("security.network.cors").done)
        assert other.load().item(ITEM).done


async def test_broken_checklist_shows_error_screen(tmp_path):
    from linkflow_console.errors import ChecklistError
    from linkflow_console.tui.screens.error import ErrorApp

    broken = tmp_path / "c.toml"
    broken.write_text('id = "x"\n[[sections]\n')
    try:
        from linkflow_console.checklist import load_checklist

        load_checklist(broken)
    except ChecklistError as error:
        app = ErrorApp(error)
    async with app.run_test(size=(80, 24)) as pilot:
        text = str(pilot.app.screen.query_one("#error-where").render())
        assert f"{broken}:2" in text
        await pilot.press("q")
    assert app.return_value == 2


async def test_a_crash_in_the_ui_goes_to_the_crash_log_not_the_terminal(app, capsys):
    from linkflow_console.crashlog import crash_log

    async with app.run_test(size=(80, 24)):
        pass
    try:
        raise RuntimeError("simulated widget bug")
    except RuntimeError as error:
        from rich.traceback import Traceback

        app._exit_renderables.append(Traceback.from_exception(type(error), error, error.__traceback__))
    app._print_error_renderables()
    err = capsys.readouterr().err
    assert err.strip().startswith("linkflow-console: internal error; details written to")
    assert "Traceback" not in err and "simulated widget bug" not in err
    assert "simulated widget bug" in crash_log().read_text()


async def test_a_late_highlight_from_before_a_filter_change_leaves_no_stale_detail(app, state_path):
    """Keys that come in one read ("ffff") rebuild the tree four times before the tree hands on its
    highlight messages, so one for a node of an earlier rebuild is handled after the
    last rebuild emptied the tree. The detail must not then describe an item no longer shown."""
    async with app.run_test(size=(80, 24)) as pilot:
        screen = pilot.app.screen
        tree = screen.query_one(ChecklistTree)
        detail = screen.query_one(ItemDetail)
        assert await settle(pilot, lambda: "security.auth.jwt-secret" in detail.plain_text)
        earlier_node = tree.item_nodes["security.auth.jwt-secret"]
        await pilot.press("f", "f", "f", "f")  # open, done, waived, failing: nothing shown
        assert tree.item_nodes == {}
        tree.post_message(Tree.NodeHighlighted(earlier_node))  # the late one, from an earlier rebuild
        await pilot.pause(0.3)  # past the detail's settle delay
        assert "Select an item" in detail.plain_text
