"""A small modal form: a title, a few labelled inputs, OK/Cancel. Dismisses with the values or None."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    placeholder: str = ""
    value: str = ""
    required: bool = True
    check: Callable[[str], str | None] | None = None  # returns an error message or None


class FormDialog(ModalScreen[dict[str, str] | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, fields: list[Field], subtitle: str = "") -> None:
        super().__init__()
        self.form_title = title
        self.subtitle = subtitle
        self.fields = fields

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(self.form_title, id="form-title")
            if self.subtitle:
                yield Label(self.subtitle, id="form-subtitle")
            for field in self.fields:
                yield Label(field.label)
                yield Input(value=field.value, placeholder=field.placeholder, id=f"field-{field.name}")
            yield Label("", id="form-error")
            with Horizontal(id="form-buttons"):
                yield Button("OK", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
        else:
            self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.submit()
        else:
            self.dismiss(None)

    def submit(self) -> None:
        values = {}
        for field in self.fields:
            value = self.query_one(f"#field-{field.name}", Input).value.strip()
            error = None
            if field.required and not value:
                error = f"{field.label.rstrip(':')} is required"
            elif field.check is not None:
                error = field.check(value)
            if error:
                self.query_one("#form-error", Label).update(error)
                self.query_one(f"#field-{field.name}", Input).focus()
                return
            values[field.name] = value
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)
