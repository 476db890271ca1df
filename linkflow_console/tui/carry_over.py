"""Opening an environment with no recorded work while another environment of the checklist has
some: say so on open, and carry it over on `C` or from the command palette."""

from __future__ import annotations

from collections.abc import Iterable

from textual import work
from textual.app import SystemCommand
from textual.binding import Binding

from linkflow_console.errors import UserError
from linkflow_console.session import Session, other_environments_with_work
from linkflow_console.state.backend import StateBackend, carry_over
from linkflow_console.tui.messages import StateChanged

CARRY_OVER_BINDING = Binding("C", "carry_over", "Carry work over", show=False)


class CarryOverOffer:
    """Mixin for the App (which has a `session`)."""

    session: Session
    work_elsewhere: list[StateBackend] = []

    @work(thread=True, exit_on_error=False, group="carry-over")
    def offer_carry_over(self) -> None:
        try:
            others = other_environments_with_work(self.session)
        except (UserError, OSError):
            return
        if not others:
            return
        self.work_elsewhere = others
        here, there = self.session.environment, others[0].environment
        self.call_from_thread(  # names come from file names: shown as text, never as markup
            self.notify, f"Environment {here!r} has no recorded work yet; environment {there!r} has "
            f"({others[0].location}). Press C to carry it over.", title="Work recorded elsewhere", timeout=20, markup=False)

    def action_carry_over(self) -> None:
        if not self.work_elsewhere:
            self.notify("No other environment's work to carry over.", timeout=4)
            return
        self.carry_over_from(self.work_elsewhere[0])

    @work(thread=True, exit_on_error=False, group="carry-over")
    def carry_over_from(self, source: StateBackend) -> None:
        try:
            event = carry_over(source, self.session.store, self.session.operator)
        except (UserError, OSError) as exc:
            self.call_from_thread(self.notify, str(exc), title="Not carried over", severity="error", timeout=8, markup=False)
            return
        self.work_elsewhere = []
        count = event.fields["count"] if event else 0
        self.call_from_thread(self.screen.post_message, StateChanged())
        self.call_from_thread(self.notify, f"Carried {count} change(s) over from {source.environment!r}.", timeout=4, markup=False)

    def carry_over_commands(self) -> Iterable[SystemCommand]:
        for source in self.work_elsewhere[:1]:
            yield SystemCommand(f"Carry work over from {source.environment}",
                                f"bring the ticks, notes, N/A and waivers recorded in {source.location} into this environment",
                                self.action_carry_over)
