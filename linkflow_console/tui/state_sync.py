"""Shared by the screens that write the state: writes run in a thread (they take a lock and
fsync), and another console's writes are picked up by reloading; both end in StateChanged."""

from __future__ import annotations

from collections.abc import Callable

from textual import work

from linkflow_console.errors import UserError
from linkflow_console.session import Session
from linkflow_console.state.model import State
from linkflow_console.tui.messages import StateChanged


class StateSync:
    """Mixin for a Screen with a `session`."""

    session: Session

    @work(thread=True, exit_on_error=False, group="state")
    def record(self, change: Callable[[], State], done_message: str) -> None:
        try:
            change()
        except UserError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Not recorded", severity="error", timeout=8)
            return
        except OSError as exc:
            self.app.call_from_thread(self.notify, f"cannot write the state: {exc}", severity="error", timeout=8)
            return
        self.app.call_from_thread(self.post_message, StateChanged())
        self.app.call_from_thread(self.notify, done_message, timeout=2)

    @work(thread=True, exclusive=True, group="reload", exit_on_error=False)
    def reload_state(self) -> None:
        try:
            self.session.store.load()
        except UserError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="State file unreadable", severity="error", timeout=10)
            return
        self.app.call_from_thread(self.post_message, StateChanged())
