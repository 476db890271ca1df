"""Messages that flow up the DOM, named for what happened."""

from __future__ import annotations

from textual.message import Message

from linkflow_console.probes.base import ProbeResult


class ItemHighlighted(Message):
    """The cursor moved onto an item (or off items: item_id None)."""

    def __init__(self, item_id: str | None) -> None:
        super().__init__()
        self.item_id = item_id


class ProbeFinished(Message):
    def __init__(self, result: ProbeResult) -> None:
        super().__init__()
        self.result = result


class SweepFinished(Message):
    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count


class StateChanged(Message):
    """The state was written by this console or reloaded after another one wrote it."""
