"""Search across all runbooks; choosing a hit jumps to its item."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from linkflow_console.runbooks import RunbookLibrary


class RunbookSearch(ModalScreen[str | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("down", "focus_hits", "Hits", show=False)]

    def __init__(self, runbooks: RunbookLibrary) -> None:
        super().__init__()
        self.runbooks = runbooks

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Label("Search all runbooks (words, e.g. noeviction, pg_hba, HSTS):")
            yield Input(placeholder="search…", id="search-input")
            yield OptionList(id="search-hits")
            yield Label("", id="search-count")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Changed)
    def search(self, event: Input.Changed) -> None:
        hits = self.runbooks.search(event.value) if len(event.value.strip()) >= 2 else []
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(
            Option(f"{section.title}  [{section.path.stem}]\n  {line}", id=section.anchor) for section, line in hits
        )
        self.query_one("#search-count", Label).update(f"{len(hits)} hit(s)" if event.value.strip() else "")

    @on(Input.Submitted)
    def first_hit(self) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            self.dismiss(options.get_option_at_index(0).id)

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_focus_hits(self) -> None:
        self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
