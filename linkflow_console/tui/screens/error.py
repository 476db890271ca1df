"""Shown instead of the console when an input file is broken: what, where, how to fix. No traceback."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from linkflow_console.errors import UserError
from linkflow_console.tui.widgets.key_bar import KeyBar


class ErrorApp(App[int]):
    CSS_PATH = Path(__file__).with_name("error.tcss")
    TITLE = "linkflow-console"
    BINDINGS = [Binding("q", "quit_with_error", "Quit"), Binding("escape", "quit_with_error", "Quit", show=False)]

    def __init__(self, error: UserError) -> None:
        super().__init__()
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="error-box"):
            yield Static("linkflow-console cannot start", id="error-title")
            if self.error.where:
                yield Static(Text(f"File: {self.error.where}"), id="error-where")
            yield Static(Text(self.error.message), id="error-message")  # file text: never markup
            if self.error.fix:
                yield Static(Text(f"Fix: {self.error.fix}"), id="error-fix")
            yield Static("Nothing was written. Press q to quit.", id="error-hint")
        yield KeyBar()

    def action_quit_with_error(self) -> None:
        self.exit(self.error.exit_code)
