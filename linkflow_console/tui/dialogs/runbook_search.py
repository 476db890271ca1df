"""Search across all runbooks; choosing a hit jumps to its item.

Runbook text is shown as text (never read as markup: `/ws?[redacted]` stays as written), each hit
as its title and, indented below it, the matching line (wrapped lines stay under their hit)."""

from __future__ import annotations

from rich.console import Group
from rich.padding import Padding
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from linkflow_console.runbooks import RunbookLibrary


def hit_prompt(title: str, file_stem: str, line: str) -> Group:
    head = Text(title, style="bold", no_wrap=True, overflow="ellipsis")
    head.append(f"  ({file_stem})", style="dim")
    return Group(head, Padding(Text(line), (0, 0, 0, 4)))


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
        options.add_options(Option(hit_prompt(section.title, section.path.stem, line), id=section.anchor) for section, line in hits)
        self.query_one("#search-count", Label).update(f"{len(hits)} hit(s); ↓ to the list, Enter opens the item" if event.value.strip() else "")

    @on(Input.Submitted)
    def first_hit(self) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            self.dismiss(options.get_option_at_index(0).id)

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_focus_hits(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        if options.option_count and options.highlighted is None:  # Enter works at once
            options.highlighted = 0

    def action_cancel(self) -> None:
        self.dismiss(None)
