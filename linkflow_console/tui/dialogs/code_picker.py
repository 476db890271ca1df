"""Pick a command from a runbook and copy it to the clipboard (OSC 52). Never executed."""

from __future__ import annotations

import re

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

    def __init__(self, blocks: list[str]) -> None:
        super().__init__()
        self.blocks = blocks

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label("Copy a command to the clipboard (it is not run):" if self.blocks else "This runbook has no code blocks.")
            yield OptionList(
                *[Option(_preview(block), id=str(index)) for index, block in enumerate(self.blocks)],
                id="picker-list",
            )

    @on(OptionList.OptionSelected)
    def copy(self, event: OptionList.OptionSelected) -> None:
        block = self.blocks[int(event.option.id or 0)]
        self.app.copy_to_clipboard(block)
        self.app.notify(f"Copied {len(block.splitlines())} line(s) to the clipboard.", timeout=3)
        self.dismiss()


def _preview(block: str) -> str:
    lines = block.splitlines() or [""]
    more = f"  (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
    return lines[0][:100] + more
