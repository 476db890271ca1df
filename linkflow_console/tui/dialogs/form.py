"""A small modal form: a title, a few labelled inputs or choices, OK/Cancel. Dismisses with the
values or None. Usable at 80x24: the fields scroll inside the dialog, the error line and the
buttons always stay in view."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioSet

from linkflow_console.tui.widgets.choice_button import ChoiceButton


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    placeholder: str = ""
    value: str = ""
    required: bool = True
    check: Callable[[str], str | None] | None = None  # returns an error message or None
    choices: tuple[str, ...] = ()  # a choice among these (none chosen at first) instead of text


class FormDialog(ModalScreen[dict[str, str] | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, fields: list[Field], subtitle: str = "",
                 confirm: Callable[[dict[str, str]], str | None] | None = None) -> None:
        """`confirm(values)` may return a question to ask before the answer is given (a safe default: Back)."""
        super().__init__()
        self.form_title = title
        self.subtitle = subtitle
        self.fields = fields
        self.confirm = confirm

    def compose(self) -> ComposeResult:
        with Vertical(id="form", classes="dialog"):
            yield Label(Text(self.form_title), id="form-title")
            if self.subtitle:  # ids and names come from files: shown as text, never markup
                yield Label(Text(self.subtitle), id="form-subtitle")
            with VerticalScroll(id="form-body", can_focus=False):
                for field in self.fields:
                    yield Label(Text(field.label))
                    if field.choices:
                        with RadioSet(id=f"field-{field.name}"):
                            for choice in field.choices:
                                yield ChoiceButton(Text(choice), value=False)
                    else:
                        yield Input(value=field.value, placeholder=field.placeholder, id=f"field-{field.name}")
            yield Label("", id="form-error")
            with Horizontal(id="form-buttons"):
                yield Button("OK", variant="primary", id="ok")
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#form-body").children[1].focus()  # the first field (after its label)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.next_field(event.input)

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        if event.radio_set.has_focus:  # chosen with Enter or a click: on to the next field
            self.next_field(event.radio_set)

    def next_field(self, current) -> None:
        fields = list(self.query("#form-body > Input, #form-body > RadioSet"))
        index = fields.index(current)
        if index + 1 < len(fields):
            fields[index + 1].focus()
        elif isinstance(current, Input):
            self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self.submit()
        elif event.button.id == "cancel":
            self.dismiss(None)

    def value_of(self, field: Field) -> str:
        widget = self.query_one(f"#field-{field.name}")
        if isinstance(widget, RadioSet):
            pressed = widget.pressed_index
            return field.choices[pressed] if pressed >= 0 else ""
        assert isinstance(widget, Input)
        return widget.value.strip()

    def show_error(self, field: Field | None, error: str) -> None:
        self.query_one("#form-error", Label).update(Text(error))
        if field is not None:
            self.query_one(f"#field-{field.name}").focus()

    def submit(self) -> None:
        values = {}
        for field in self.fields:
            value = self.value_of(field)
            error = None
            if field.required and not value:
                error = f"choose one: {', '.join(field.choices)}" if field.choices else f"{field.label.rstrip(':')} is required"
            elif field.check is not None:
                error = field.check(value)
            if error:
                self.show_error(field, error)
                return
            values[field.name] = value
        question = self.confirm(values) if self.confirm else None
        if question is None:
            self.dismiss(values)
            return
        from linkflow_console.tui.dialogs.confirm import ConfirmDialog

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.dismiss(values)
            else:
                self.show_error(None, "Not recorded yet: change the answer, or Esc to cancel.")

        self.app.push_screen(ConfirmDialog(self.form_title, question), confirmed)

    def action_cancel(self) -> None:
        self.dismiss(None)
