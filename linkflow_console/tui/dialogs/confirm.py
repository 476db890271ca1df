"""Ask before a risky answer is recorded: the question (scrolling if long), then Back (the
default, on Enter and Esc) or the named action."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class ConfirmDialog(ModalScreen[bool]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, title: str, question: str, action: str = "Record anyway") -> None:
        super().__init__()
        self.confirm_title = title
        self.question = question
        self.action_label = action

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm", classes="dialog"):
            yield Label(Text(f"{self.confirm_title}: are you sure?"), id="form-title")
            with VerticalScroll(id="confirm-body"):
                yield Static(Text(self.question), id="confirm-question")
            with Horizontal(id="form-buttons"):
                yield Button("Back (Esc)", variant="primary", id="back")
                yield Button(self.action_label, variant="error", id="yes")

    def on_mount(self) -> None:
        self.query_one("#back", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_back(self) -> None:
        self.dismiss(False)
