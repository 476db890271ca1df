"""The main screen: checklist tree on the left, the selected item and its runbook on the right."""

from __future__ import annotations

from datetime import date

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Label

from linkflow_console.errors import UserError
from linkflow_console.probes.base import ProbeResult
from linkflow_console.probes.catalog import PROBES
from linkflow_console.runbooks import RunbookLibrary
from linkflow_console.session import Session
from linkflow_console.status import FILTERS, ItemView, all_views, overall_progress, probe_counts, still_open_after_tick
from linkflow_console.timefmt import ago
from linkflow_console.tui.widgets.checklist_tree import ChecklistTree
from linkflow_console.tui.dialogs.form import Field, FormDialog
from linkflow_console.tui.widgets.item_detail import ItemDetail
from linkflow_console.tui.state_sync import StateSync
from linkflow_console.tui.messages import ItemHighlighted, ProbeFinished, StateChanged, SweepFinished
from linkflow_console.tui.widgets.key_bar import KeyBar

STATUS_FILTERS = list(FILTERS)  # all, open, done, waived, failing, could not tell
DISK_POLL_SECONDS = 1.5
RESULTS_REPAINT_SECONDS = 0.2
DETAIL_DELAY_SECONDS = 0.08  # under the ~100 ms a person notices; longer than a key repeat


def _future_date(text: str) -> str | None:
    try:
        until = date.fromisoformat(text)
    except ValueError:
        return "date must look like 2026-12-31"
    return None if until >= date.today() else "date is in the past"


class ChecklistScreen(StateSync, Screen):
    BINDINGS = [
        Binding("x", "toggle_tick", "Tick"),
        Binding("n", "note", "Note"),
        Binding("a", "na", "N/A"),
        Binding("w", "waive", "Waive"),
        Binding("slash", "filter_text", "Filter"),
        Binding("f", "cycle_filter", "Status filter"),
        Binding("r", "run_item", "Probe item"),
        Binding("R", "run_all", "Probe all"),
        Binding("o", "open_runbook", "Runbook"),
        Binding("s", "search_runbooks", "Search"),
        Binding("plus", "expand_all", "Expand", show=False),
        Binding("minus", "collapse_all", "Collapse", show=False),
        Binding("z", "zoom", "Zoom", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
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
        self._jump_requested = False  # a jump before the first paint wins over opening on the first item
        self.views: dict[str, ItemView] = self.compute_views()

    # -- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Plain labels rather than Header and ProgressBar: the console opens faster
        yield Label(self.title_text(), id="title-bar")
        with Horizontal(id="progress-row"):
            yield Label("", id="overall-label")
            yield Label("", id="sweep-label")
        with Horizontal(id="body"):
            yield ChecklistTree(self.session.checklist, self.views, id="tree")
            yield ItemDetail(id="detail")
        yield KeyBar()

    def title_text(self) -> str:
        return f"{self.session.checklist.title} — {self.session.environment} — {self.session.operator}"

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
        text = f"Overall {progress} {progress.bar(16)} {progress.ratio:4.0%}"
        if counts:
            text += f"  {counts}"
        if tree.status_filter != "all" or tree.text_filter:
            text += f"  [filter: {tree.status_filter}{' / ' + tree.text_filter if tree.text_filter else ''}]"
        self.query_one("#overall-label", Label).update(text)

    def update_sweep_label(self) -> None:
        label = self.query_one("#sweep-label", Label)
        if self.sweeping:
            label.update(f"probing… {len(self.pending)} left")
            return
        results = self.session.store.state.results
        if not results:
            label.update("no probe results yet (R)" if self.session.profile.path else "offline: no --profile")
            return
        newest = max(r.started_at for r in results.values())
        label.update(f"probes {ago(newest, self.session.clock())}")

    def show_selected(self) -> None:
        detail = self.query_one("#detail", ItemDetail)
        if self.selected is None:
            detail.show(None, None, self.session.clock(), _probe_title)
            return
        item = self.session.checklist.get(self.selected)
        assert item is not None
        run_hint = "press r" if self.session.profile.path else "needs --profile"
        detail.show(self.views[item.id], self.runbooks.section_for(item), self.session.clock(), _probe_title, run_hint)

    @on(ItemHighlighted)
    def item_highlighted(self, event: ItemHighlighted) -> None:
        # The tree repaints the cursor first; the detail follows once the cursor rests a moment,
        # so a held arrow key never waits for detail renders it would throw away.
        self.selected = event.item_id
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY_SECONDS, self.show_selected)

    def select_first_item(self) -> None:
        """Open on the first item, so the detail pane shows something real (unless a jump won)."""
        tree = self.query_one("#tree", ChecklistTree)
        first = next(self.session.checklist.items(), None)
        if first is not None and tree.cursor_node is None and not self._jump_requested:
            tree.select_item(first.id)

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
        item_id = self.current_item()
        if item_id is None:
            return
        store, who = self.session.store, self.session.operator
        if store.state.item(item_id).done:
            self.record(lambda: store.untick(item_id, who), f"Unticked {item_id}")
            return
        view = self.views[item_id]
        if view.item.severity == "blocker":  # a blocker ticked by hand needs evidence (a note or a link)
            self.ask_then_record(
                FormDialog("Tick a blocker", [Field("note", "Evidence (a note or a link):", "how was it checked? e.g. a ticket URL")],
                           f"{item_id}: a blocker ticked by hand is recorded with its evidence"),
                lambda values: (lambda: store.tick(item_id, who, values["note"]), self.tick_message(item_id)),
            )
            return
        self.record(lambda: store.tick(item_id, who), self.tick_message(item_id), "warning" if view.failing else "information")

    def tick_message(self, item_id: str) -> str:
        why = still_open_after_tick(self.views[item_id])
        return f"Ticked {item_id}; {why}" if why else f"Ticked {item_id}"

    def action_note(self) -> None:
        item_id = self.current_item()
        if item_id is None:
            return
        store, who = self.session.store, self.session.operator
        self.ask_then_record(
            FormDialog("Note", [Field("note", "Note:", "what did you see or do?")], item_id),
            lambda values: (lambda: store.add_note(item_id, who, values["note"]), f"Noted {item_id}"),
        )

    def action_na(self) -> None:
        item_id = self.current_item()
        if item_id is None:
            return
        store, who = self.session.store, self.session.operator
        if store.state.item(item_id).is_na:
            self.record(lambda: store.clear_na(item_id, who), f"{item_id} is applicable again")
            return
        self.ask_then_record(
            FormDialog("Not applicable", [Field("reason", "Reason:", "why this does not apply")], item_id),
            lambda values: (lambda: store.set_na(item_id, who, values["reason"]), f"{item_id} marked N/A"),
        )

    def action_waive(self) -> None:
        item_id = self.current_item()
        if item_id is None:
            return
        store, who = self.session.store, self.session.operator
        if store.state.item(item_id).waiver is not None:
            self.record(lambda: store.unwaive(item_id, who), f"Waiver removed from {item_id}")
            return

        def waive(values: dict[str, str]):
            until = date.fromisoformat(values["until"])
            return lambda: store.waive(item_id, who, values["reason"], values["owner"], until), f"{item_id} waived until {until}"

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
            box = Input(placeholder="filter items by text (Enter to apply, Esc to clear)", id="filter-input")
            self.mount(box, before=self.query_one(KeyBar))
        box.remove_class("hidden")
        box.focus()

    def on_input_submitted(self, event) -> None:  # the filter box (the only Input on this screen)
        if event.input.id != "filter-input":
            return
        tree = self.query_one("#tree", ChecklistTree)
        tree.set_filters(text=event.value.strip())
        if not event.value.strip():
            event.input.add_class("hidden")
        tree.focus()
        self.update_progress()

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
        self.update_progress()
        self.notify(f"Showing {next_filter} items", timeout=2)

    def action_expand_all(self) -> None:
        self.query_one("#tree", ChecklistTree).action_expand_all()

    def action_collapse_all(self) -> None:
        self.query_one("#tree", ChecklistTree).action_collapse_all()

    def action_zoom(self) -> None:
        self.toggle_class("zoomed")

    # -- probes --------------------------------------------------------------------------
    def action_run_item(self) -> None:
        item_id = self.current_item()
        if item_id is None:
            return
        item = self.session.checklist.get(item_id)
        assert item is not None
        probes = [p for node in (item, *item.children) for p in node.probes]
        if not probes:
            self.notify("This item has no probe: tick it by hand (x) once checked.", timeout=4)
            return
        self.start_sweep(probes)

    def action_run_all(self) -> None:
        self.start_sweep(sorted(self.session.checklist.probe_ids()))

    def start_sweep(self, probe_ids: list[str]) -> None:
        if self.sweeping:
            self.notify("A sweep is already running.", timeout=2)
            return
        if self.session.profile.path is None:
            self.notify("No profile: start with --profile FILE to run live probes.", severity="warning", timeout=5)
            return
        self.sweeping = True
        self.pending = set(probe_ids)
        self.refresh_views(self._items_of(self.pending))
        self.update_sweep_label()
        self.sweep(probe_ids)

    @work(exclusive=True, group="sweep", exit_on_error=False)
    async def sweep(self, probe_ids: list[str]) -> None:
        from linkflow_console.runner import run_sweep

        try:
            results = await run_sweep(self.session, probe_ids, lambda r: self.post_message(ProbeFinished(r)))
            import asyncio

            await asyncio.to_thread(self.session.store.record_results, results.values())
        except (UserError, OSError) as exc:
            self.notify(f"Probe results not saved: {exc}", severity="error", timeout=8)
            results = {}
        finally:
            self.post_message(SweepFinished(len(probe_ids)))

    @on(ProbeFinished)
    def probe_finished(self, event: ProbeFinished) -> None:
        # Results arrive in bursts: repaint them together, a few times a second at most.
        self.live_results[event.result.probe_id] = event.result
        self.pending.discard(event.result.probe_id)
        self._unshown_results.add(event.result.probe_id)
        if self._results_timer is None:
            self._results_timer = self.set_timer(RESULTS_REPAINT_SECONDS, self.show_new_results)

    def show_new_results(self) -> None:
        self._results_timer = None
        changed, self._unshown_results = self._unshown_results, set()
        if changed and self.sweeping:
            self.refresh_views(self._items_of(changed))
            self.update_sweep_label()

    @on(SweepFinished)
    def sweep_finished(self, event: SweepFinished) -> None:
        self._unshown_results.clear()
        self.sweeping = False
        self.pending.clear()
        self.live_results.clear()
        self.refresh_views()
        self.update_sweep_label()
        interval = float(self.session.profile.get("refresh_interval") or 0)
        if interval > 0:  # next run only after this one ended: never overlapping
            self.set_timer(interval, self.action_run_all)

    def _items_of(self, probe_ids: set[str]) -> set[str]:
        return {i.id for i in self.session.checklist.all_items() if set(i.probes) & probe_ids}

    # -- other consoles ------------------------------------------------------------------
    def poll_disk(self) -> None:
        if self.session.store.changed_on_disk():
            self.reload_state()
        else:
            self.update_sweep_label()

    # -- runbooks ------------------------------------------------------------------------
    def action_open_runbook(self) -> None:
        from linkflow_console.tui.screens.runbook import RunbookScreen

        item_id = self.query_one("#tree", ChecklistTree).current_item_id()
        item = self.session.checklist.get(item_id) if item_id else None
        self.app.push_screen(RunbookScreen(self.runbooks, item, self.views.get(item_id) if item_id else None))

    def action_search_runbooks(self) -> None:
        from linkflow_console.tui.dialogs.runbook_search import RunbookSearch

        def jump(anchor: str | None) -> None:
            if anchor and anchor in self.session.checklist:
                self.select_item(anchor)

        self.app.push_screen(RunbookSearch(self.runbooks), jump)


def _probe_title(probe_id: str) -> str:
    spec = PROBES.get(probe_id)
    return spec.title if spec else probe_id
