"""Shared by the screens that write the state: writes run in a thread (they take a lock and
fsync), and another console's writes are picked up by reloading; both end in StateChanged.

`ask_then_record` is the one recipe for a change that needs answers first (note, N/A, waive,
start the clock, check-in, war-room log, decision): a dialog asks, a cancel records nothing, an
answer becomes one change recorded off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import work
from textual.screen import ModalScreen

from linkflow_console.errors import UserError
from linkflow_console.session import Session
from linkflow_console.tui.messages import StateChanged


class StateSync:
    """Mixin for a Screen with a `session`."""

    session: Session

    def ask_then_record(self, dialog: ModalScreen[Any], change_for: Callable[[Any], tuple[Callable[[], object], str] | None]) -> None:
        """Show `dialog`; its answer goes to `change_for`, which gives (the change, what to say
        once it is recorded), or None to record nothing."""

        def answered(answer: Any) -> None:
            if answer is None:
                return
            planned = change_for(answer)
            if planned is not None:
                self.record(*planned)

        self.app.push_screen(dialog, answered)  # type: ignore[attr-defined]

    @work(thread=True, exit_on_error=False, group="state")
    def record(self, change: Callable[[], object], done_message: str, severity: str = "information") -> None:
        try:
            change()
        except UserError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Not recorded", severity="error", timeout=8, markup=False)
            return
        except OSError as exc:
            self.app.call_from_thread(self.notify, f"cannot write the state: {exc}", severity="error", timeout=8, markup=False)
            return
        self.app.call_from_thread(self.post_message, StateChanged())
        timeout = 2 if severity == "information" else 8  # a warning takes longer to read
        self.app.call_from_thread(self.notify, done_message, severity=severity, timeout=timeout, markup=False)

    @work(thread=True, exclusive=True, group="reload", exit_on_error=False)
    def reload_state(self) -> None:
        try:
            self.session.store.load()
        except UserError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="State file unreadable", severity="error", timeout=10, markup=False)
            return
        self.app.call_from_thread(self.post_message, StateChanged())
