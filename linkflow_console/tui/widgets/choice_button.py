"""A radio button whose mark says whether it is chosen (`●` or blank), not its colour alone:
Textual's draws the same `●` either way, which NO_COLOR turns into three identical choices."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import RadioButton


class ChoiceButton(RadioButton):
    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "●" if self.value else " "
        return super()._button
