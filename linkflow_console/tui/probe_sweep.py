"""Probe sweeps on the checklist screen: run in a worker, results repainted in bursts, saved
when the sweep ends (off the event loop)."""

from __future__ import annotations

import asyncio

from textual import work
from textual.timer import Timer

from linkflow_console.errors import UserError
from linkflow_console.probes.base import ProbeResult
from linkflow_console.session import Session
from linkflow_console.state import record
from linkflow_console.tui.messages import ProbeFinished, SweepFinished

RESULTS_REPAINT_SECONDS = 0.2


class ProbeSweep:
    """Mixin for the checklist screen (which has `session`, `refresh_views`, `update_sweep_label`
    and `current_item`)."""

    session: Session
    live_results: dict[str, ProbeResult]
    pending: set[str]
    sweeping: bool
    _results_timer: Timer | None
    _unshown_results: set[str]

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
            await asyncio.to_thread(record.record_results, self.session.store, results.values())
        except (UserError, OSError) as exc:
            self.notify(f"Probe results not saved: {exc}", severity="error", timeout=8, markup=False)
            results = {}
        finally:
            self.post_message(SweepFinished(len(probe_ids)))

    # Named handlers, not @on: Textual collects @on only from the screen classes themselves.
    def on_probe_finished(self, event: ProbeFinished) -> None:
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

    def on_sweep_finished(self, event: SweepFinished) -> None:
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

