"""Pick one of the selected item's commands and copy it. Never executed.

A terminal program cannot know whether a clipboard was reached: the copy is sent to the terminal
(OSC 52, which tmux and many terminals drop unless configured), and the text is always written to
a file whose name the console says, so it can be opened or `cat` from any shell."""

from __future__ import annotations

import os
import re

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def code_blocks(markdown: str) -> list[str]:
    return [block.rstrip("\n") for block in _FENCE.findall(markdown)]


class CodeBlockPicker(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "dismiss", "Cancel")]

    def __init__(self, blocks: list[str], item_id: str = "") -> None:
        super().__init__()
        self.blocks = blocks
        self.item_id = item_id

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            about = f" of {self.item_id}" if self.item_id else ""
            yield Label(Text(f"Copy a command{about} (it is not run); Esc closes:" if self.blocks else f"No commands in the runbook{about}. Esc closes."))
            yield OptionList(
                *[Option(Text(_preview(block)), id=str(index)) for index, block in enumerate(self.blocks)],
                id="picker-list",
            )

    @on(OptionList.OptionSelected)
    def copy(self, event: OptionList.OptionSelected) -> None:
        block = self.blocks[int(event.option.id or 0)]
        self.app.notify(copy_text(self.app, block), timeout=10, markup=False)
        self.dismiss()


def copy_text(app, text: str) -> str:
    """Copy `text` as far as can be done; returns what to tell the operator, honestly."""
    from linkflow_console.paths import data_dir

    path = data_dir() / "copied.txt"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
        saved = f"The text is in {path}."
    except OSError as exc:
        saved = f"It could not be written to {path} either ({exc.strerror})."
    lines = f"{len(text.splitlines())} line(s)"
    app.copy_to_clipboard(text)  # also kept by the app, for pasting into its own inputs
    if app.is_headless:
        return f"No clipboard can be reached here. {saved}"
    how = "tmux passes it on only with `set -g set-clipboard on`" if os.environ.get("TMUX") else "if your terminal allows it (OSC 52)"
    return f"Sent {lines} to the terminal's clipboard ({how}). {saved}"


def _preview(block: str) -> str:
    lines = block.splitlines() or [""]
    more = f"  (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
    return lines[0][:100] + more
