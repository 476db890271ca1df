"""The main screen: checklist tree on the left, the selected item and its runbook on the right."""

from __future__ import annotations

from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer

from linkflow_console.probes.base import ProbeResult
from linkflow_console.probes.catalog import PROBES
from linkflow_console.runbooks import RunbookLibrary
from linkflow_console.session import Session
from linkflow_console.state import record
from linkflow_console.status import FILTERS, ItemView, all_views, overall_progress, probe_counts, still_open_after_tick
from linkflow_console.timefmt import ago
from linkflow_console.tui.widgets.checklist_tree import ChecklistTree
from linkflow_console.tui.widgets.item_detail import ItemDetail
from linkflow_console.tui import ui_memory
from linkflow_console.tui.probe_sweep import ProbeSweep
from linkflow_console.tui.state_sync import StateSync
from linkflow_console.tui.messages import ItemHighlighted, StateChanged
from linkflow_console.tui.widgets.key_bar import KeyBar
from linkflow_console.tui.widgets.screen_header import ScreenHeader

if TYPE_CHECKING:
    from linkflow_console.reports.history import HistoryCache

STATUS_FILTERS = list(FILTERS)  # all, open, done, waived, failing, could not tell
DISK_POLL_SECONDS = 1.5
FILTER_DELAY_SECONDS = 0.15  # rebuild the tree once typing rests, not on every key
DETAIL_DELAY_SECONDS = 0.08  # under the ~100 ms a person notices; longer than a key repeat


def _future_date(text: str) -> str | None:
    try:
        until = date.fromisoformat(text)
    except ValueError:
        return "date must look like 2026-12-31"
    return None if until >= date.today() else "date is in the past"


class ChecklistScreen(ProbeSweep, StateSync, Screen):
    BINDINGS = [
        Binding("x", "toggle_tick", "Tick"),
        Binding("n", "note", "Note"),
        Binding("a", "na", "N/A"),
        Binding("w", "waive", "Waive"),
        Binding("slash", "filter_text", "Filter"),
        Binding("f", "cycle_filter", "Status"),
        Binding("r", "run_item", "Probe item"),
        Binding("R", "run_all", "Probe all"),
        Binding("o", "open_runbook", "Runbook"),
        Binding("s", "search_runbooks", "Search"),
        Binding("F", "next('failing')", "Next failing", show=False),
        Binding("B", "next('blocker')", "Next open blocker", show=False),
        Binding("c", "copy_commands", "Copy commands", show=False),
        Binding("plus", "expand_all", "Expand all", show=False),
        Binding("minus", "collapse_all", "Collapse all", show=False),
        Binding("z", "zoom", "Zoom the detail", show=False),
        Binding("escape", "clear_filter", "Clear filters", show=False),
    ]

    def __init__(self, session: Session, runbooks: RunbookLibrary) -> None:
        super().__init__()
        self.session = session
        self.runbooks = runbooks
        self.live_results: dict[str, ProbeResult] = {}
        self.pending: set[str] = set()
        self.sweeping = False
        self.selected: str | None = None
        self._detail_timer: Timer | None = None
        self._results_timer: Timer | None = None
        self._unshown_results: set[str] = set()
        self._filter_timer: Timer | None = None
        self._jump_requested = False  # a jump before the first paint wins over opening on the first item
        self.views: dict[str, ItemView] = self.compute_views()

    # -- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Header and key bar are docked; tree and detail sit side by side in the screen itself
        # (no container: each widget costs the first frame)
        yield ScreenHeader(self.title_text(), id="header")
        yield ChecklistTree(self.session.checklist, self.views, id="tree")
        yield ItemDetail(id="detail")
        yield KeyBar()

    def title_text(self) -> str:
        # the file's name fits at 80 columns; `status` prints its whole path
        return f"{self.session.checklist.title} — env {self.session.environment} ({_short_location(self.session.store.location)}) — {self.session.operator}"

    def on_mount(self) -> None:
        self.update_progress()
        tree = self.query_one("#tree", ChecklistTree)
        tree.focus()
        self.call_after_refresh(self.select_first_item)  # after layout: no scroll jump
        self.set_interval(DISK_POLL_SECONDS, self.poll_disk)
        self.update_sweep_label()
        interval = float(self.session.profile.get("refresh_interval") or 0)
        if interval > 0:
            self.action_run_all()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 110, "narrow")

    # -- views --------------------------------------------------------------------------
    def compute_views(self) -> dict[str, ItemView]:
        state = self.session.store.state
        results = {**state.results, **self.live_results} if self.live_results else None
        pending_probes = frozenset(self.pending)
        return all_views(self.session.checklist, state, self.session.today(), results, pending_probes)

    def refresh_views(self, changed: set[str] | None = None) -> None:
        self.views = self.compute_views()
        self.query_one("#tree", ChecklistTree).update_views(self.views, changed)
        self.update_progress()
        if changed is None or self.selected in changed:  # re-rendering the detail is the costly part
            self.show_selected()

    def update_progress(self) -> None:
        progress = overall_progress(self.session.checklist, self.views)
        counts = probe_counts(self.views[i.id] for i in self.session.checklist.items())
        tree = self.query_one("#tree", ChecklistTree)
        text = Text(f"Overall {progress} {progress.bar(16)} {progress.ratio:4.0%}")
        if counts:
            text.append(f"  {counts}")
        if tree.status_filter != "all" or tree.text_filter:  # typed text is shown as typed, never as markup
            shown = " + ".join(part for part in (tree.status_filter if tree.status_filter != "all" else "", repr(tree.text_filter) if tree.text_filter else "") if part)
            text.append(f"  filter: {shown}", style="bold")
        self.query_one(ScreenHeader).show_progress(text)

    def update_sweep_label(self) -> None:
        from linkflow_console.tui.team_watch import team_notice

        results = self.session.store.state.results
        if self.sweeping:
            text = f"probing… {len(self.pending)} left"
        elif not results:
            text = "no probe results yet (R)" if self.session.profile.path else "offline: no --profile"
        else:
            text = f"probes {ago(max(r.started_at for r in results.values()), self.session.clock())}"
        self.query_one(ScreenHeader).show_sweep(team_notice(self.session.store, text))

    def show_selected(self) -> None:
        detail = self.query_one("#detail", ItemDetail)
        if self.selected is None:
            detail.show(None, None, self.session.clock(), _probe_title)
            return
        item = self.session.checklist.get(self.selected)
        assert item is not None
        run_hint = "press r" if self.session.profile.path else "needs --profile"
        self.remember(item.id)
        now = self.session.clock()
        history = (lambda: self.probe_history.verdicts(item.probes, now)) if item.probes else None
        detail.show(self.views[item.id], self.runbooks.section_for(item), now, _probe_title, run_hint, history)

    @cached_property
    def probe_history(self) -> HistoryCache:
        """The store's probe-result history, read incrementally (in the detail's render thread)."""
        from linkflow_console.reports.history import HistoryCache  # after the first frame
        return HistoryCache(self.session.store, self.session.profile.get("history_retention_days"))

    @on(ItemHighlighted)
    def item_highlighted(self, event: ItemHighlighted) -> None:
        # The tree repaints the cursor first; the detail follows once the cursor rests a moment,
        # so a held arrow key never waits for detail renders it would throw away.
        self.selected = event.item_id
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY_SECONDS, self.show_selected)

    def select_first_item(self) -> None:
        """Open on the item the console was on last time, else the first one, so the detail pane
        shows something real (unless a jump won)."""
        tree = self.query_one("#tree", ChecklistTree)
        remembered = ui_memory.last_item(self.session.store.location)
        first = remembered if remembered in self.session.checklist else next((i.id for i in self.session.checklist.items()), None)
        if first is not None and tree.cursor_node is None and not self._jump_requested:
            tree.select_item(first)

    @work(thread=True, exclusive=True, group="ui-memory", exit_on_error=False)
    def remember(self, item_id: str) -> None:
        ui_memory.remember_item(self.session.store.location, item_id)

    def select_item(self, item_id: str) -> None:
        self._jump_requested = True
        tree = self.query_one("#tree", ChecklistTree)
        if not tree.select_item(item_id):
            tree.set_filters(text="", status="all")
            tree.select_item(item_id)
        tree.focus()

    # -- recording (off the event loop: writes fsync) --------------------------------------
    def current_item(self) -> str | None:
        item_id = self.query_one("#tree", ChecklistTree).current_item_id()
        if item_id is None:
            self.notify("Select an item first (arrow keys).", severity="warning")
        return item_id

    @on(StateChanged)
    def state_changed(self) -> None:
        self.refresh_views()
        self.update_sweep_label()

    def action_toggle_tick(self) -> None:
        from linkflow_console.tui.dialogs.form import Field, FormDialog  # loaded with the first dialog

        item_id = self.current_item()
        if item_id is None:
            return
        store, who = self.session.store, self.session.operator
        if store.state.item(item_id).done:
            self.record(lambda: record.untick(store, item_id, who), f"Unticked {item_id}")
            return
        view = self.views[item_id]
        if view.item.severity == "blocker":  # a blocker ticked by hand needs evidence (a note or a link)
            self.ask_then_record(
                FormDialog("Tick a blocker", [Field("note", "Evidence (a note or a link):", "how was it checked? e.g. a ticket URL")],
                           f"{item_id}: a blocker ticked by hand is recorded with its evidence"),
                lambda values: (lambda: record.tick(store, item_id, who, values["note"]), self.tick_message(item_id)),
            )
            return
        self.record(lambda: record.tick(store, item_id, who), self.tick_message(item_id), "warning" if view.failing else "information")

    def tick_message(self, item_id: str) -> str:
        why = still_open_after_tick(self.views[item_id])
        return f"Ticked {item_id}; {why}" if why else f"Ticked {item_id}"

    def action_note(self) -> None:
        from linkflow_console.tui.dialogs.form import Field, FormDialog  # loaded with the first dialog

        item_id = self.current_item()
        if item_id is None:
            return
        store, who = self.session.store, self.session.operator
        self.ask_then_record(
            FormDialog("Note", [Field("note", "Note:", "what did you see or do?")], item_id),
            lambda values: (lambda: record.add_note(store, item_id, who, values["note"]), f"Noted {item_id}"),
        )

    def action_na(self) -> None:
        from linkflow_console.tui.dialogs.form import Field, FormDialog  # loaded with the first dialog

        item_id = self.current_item()
        if item_id is None:
            return
        store, who = self.session.store, self.session.operator
        if store.state.item(item_id).is_na:
            self.record(lambda: record.clear_na(store, item_id, who), f"{item_id} is applicable again")
            return
        self.ask_then_record(
            FormDialog("Not applicable", [Field("reason", "Reason:", "why this does not apply")], item_id),
            lambda values: (lambda: record.set_na(store, item_id, who, values["reason"]), f"{item_id} marked N/A"),
        )

    def action_waive(self) -> None:
        from linkflow_console.tui.dialogs.form import Field, FormDialog  # loaded with the first dialog

        item_id = self.current_item()
        if item_id is None:
            return
        store, who = self.session.store, self.session.operator
        if store.state.item(item_id).waiver is not None:
            self.record(lambda: record.unwaive(store, item_id, who), f"Waiver removed from {item_id}")
            return

        def waive(values: dict[str, str]):
            until = date.fromisoformat(values["until"])
            return lambda: record.waive(store, item_id, who, values["reason"], values["owner"], until), f"{item_id} waived until {until}"

        fields = [
            Field("reason", "Reason:", "the accepted risk"),
            Field("owner", "Owner:", "who closes it", value=who),
            Field("until", "Until (YYYY-MM-DD):", "2026-12-31", check=_future_date),
        ]
        self.ask_then_record(FormDialog("Waive", fields, item_id), waive)

    # -- filters -------------------------------------------------------------------------
    def action_filter_text(self) -> None:
        from textual.widgets import Input

        found = self.query("#filter-input")
        if found:
            box = found.first(Input)
        else:  # mounted on first use: Input is not needed to open the console
            box = Input(placeholder="filter items by text as you type (Enter: back to the tree, Esc: clear)", id="filter-input")
            self.mount(box, before=self.query_one(KeyBar))
        box.remove_class("hidden")
        box.focus()

    def on_input_changed(self, event) -> None:  # the filter box: applied as you type, once typing rests
        if event.input.id != "filter-input":
            return
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY_SECONDS, lambda: self.apply_text_filter(event.value))

    def apply_text_filter(self, value: str) -> None:
        self.query_one("#tree", ChecklistTree).set_filters(text=value.strip())
        self.update_progress()

    def on_input_submitted(self, event) -> None:  # Enter: back to the tree, the filter stays
        if event.input.id != "filter-input":
            return
        self.apply_text_filter(event.value)
        if not event.value.strip():
            event.input.add_class("hidden")
        self.query_one("#tree", ChecklistTree).focus()

    def action_clear_filter(self) -> None:
        for box in self.query("#filter-input"):
            box.value = ""
            box.add_class("hidden")
        tree = self.query_one("#tree", ChecklistTree)
        tree.set_filters(text="", status="all")
        tree.focus()
        self.update_progress()

    def action_cycle_filter(self) -> None:
        tree = self.query_one("#tree", ChecklistTree)
        next_filter = STATUS_FILTERS[(STATUS_FILTERS.index(tree.status_filter) + 1) % len(STATUS_FILTERS)]
        tree.set_filters(status=next_filter)
        self.update_progress()  # the header says the filter in force

    def action_expand_all(self) -> None:
        self.query_one("#tree", ChecklistTree).action_expand_all()

    def action_collapse_all(self) -> None:
        self.query_one("#tree", ChecklistTree).action_collapse_all()

    def action_zoom(self) -> None:
        self.toggle_class("zoomed")
        if self.has_class("zoomed"):
            self.query_one("#detail", ItemDetail).focus()  # the tree is hidden: arrows scroll the detail
            return
        tree = self.query_one("#tree", ChecklistTree)
        tree.focus()  # back where the cursor is, with no Tab needed

    def action_next(self, kind: str) -> None:
        tree = self.query_one("#tree", ChecklistTree)
        wanted = (lambda v: v.failing) if kind == "failing" else (lambda v: v.item.severity == "blocker" and not v.complete)
        found = tree.next_item(wanted)
        if found is None:
            self.notify(f"No {'failing item' if kind == 'failing' else 'open blocker'}{' among those shown' if tree.text_filter or tree.status_filter != 'all' else ''}.", timeout=3)
            return
        tree.select_item(found)

    # -- other consoles ------------------------------------------------------------------
    def poll_disk(self) -> None:
        if self.session.store.changed():
            self.reload_state()
        else:
            self.update_sweep_label()

    # -- runbooks ------------------------------------------------------------------------
    def action_open_runbook(self) -> None:
        from linkflow_console.tui.screens.runbook import RunbookScreen

        item_id = self.query_one("#tree", ChecklistTree).current_item_id()
        item = self.session.checklist.get(item_id) if item_id else None
        self.app.push_screen(RunbookScreen(self.runbooks, item, self.views.get(item_id) if item_id else None))

    def action_copy_commands(self) -> None:
        from linkflow_console.tui.dialogs.code_picker import CodeBlockPicker, code_blocks

        item_id = self.current_item()
        item = self.session.checklist.get(item_id) if item_id else None
        if item is None:
            return
        section = self.runbooks.section_for(item)
        self.app.push_screen(CodeBlockPicker(code_blocks(section.markdown) if section else [], item.id))

    def action_search_runbooks(self) -> None:
        from linkflow_console.tui.dialogs.runbook_search import RunbookSearch

        def jump(anchor: str | None) -> None:
            if anchor and anchor in self.session.checklist:
                self.select_item(anchor)

        self.app.push_screen(RunbookSearch(self.runbooks), jump)


def _probe_title(probe_id: str) -> str:
    spec = PROBES.get(probe_id)
    return spec.title if spec else probe_id


def _short_location(location: str) -> str:
    """The state file's name, or a team store's URL (already without its password)."""
    return location if "://" in location else Path(location).name
