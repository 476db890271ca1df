"""The keys that work here, in one line at the bottom of every screen.

Textual's Footer mounts a widget per key and recomposes them whenever the bindings change (three
times while the console opens: about two thirds of the start-up time). This bar reads the same
active bindings but renders them as one line of text, and each key can still be clicked."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

PALETTE_HINT_ACTION = "command_palette"
HELP_ACTION = "toggle_help"
PINNED_ACTIONS = (HELP_ACTION, "quit")  # always on the bar: how to learn the rest, and how to leave
PALETTE_HINT_WIDTH = 12  # "▏^p palette "


class KeyBar(Widget):
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--disabled"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-description-foreground;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        text-style: bold;
    }
    KeyBar > .key-bar--disabled {
        color: $text-disabled;
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        self.refresh()

    def shown_bindings(self) -> tuple[list[tuple[Binding, bool]], list[tuple[Binding, bool]], Binding | None]:
        """(the bindings to list, most used first, one per action; the pinned ones that are never
        cut: help and quit; the command palette's binding)."""
        listed: dict[str, tuple[Binding, bool]] = {}
        pinned: dict[str, tuple[Binding, bool]] = {}
        palette = None
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.action == PALETTE_HINT_ACTION or binding.key == self.app.COMMAND_PALETTE_BINDING:
                palette = binding if self.app.ENABLE_COMMAND_PALETTE else None
            elif binding.action.removeprefix("app.") in PINNED_ACTIONS:
                if binding.show:  # `q Quit`, not Textual's hidden ctrl+q
                    pinned.setdefault(binding.action.removeprefix("app."), (binding, enabled))
            elif binding.show and binding.action not in listed:
                listed[binding.action] = (binding, enabled)
        order = {action: index for index, action in enumerate(PINNED_ACTIONS)}
        return list(listed.values()), sorted(pinned.values(), key=lambda pair: order[pair[0].action.removeprefix("app.")]), palette

    def _entry(self, binding: Binding, enabled: bool, description: str | None = None) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        disabled_style = self.get_component_rich_style("key-bar--disabled")
        click = Style(meta={"@click": f"app.simulate_key({binding.key!r})"})
        entry = Text(" ", end="")
        entry.append(self.app.get_key_display(binding), (key_style if enabled else disabled_style) + click)
        entry.append(f" {description or binding.description} ", (Style() if enabled else disabled_style) + click)
        return entry

    def render(self) -> Text:
        bindings, pinned, palette = self.shown_bindings()
        entries = [self._entry(binding, enabled) for binding, enabled in bindings]
        room = self.size.width - sum(self._entry(b, e).cell_len for b, e in pinned) - (PALETTE_HINT_WIDTH if palette else 0)
        shown: list[Text] = []
        for entry in entries:  # whole entries, most used first; what does not fit is one `?` away
            if sum(e.cell_len for e in shown) + entry.cell_len > room:
                break
            shown.append(entry)
        cut = len(shown) < len(entries)
        keys = Text(no_wrap=True, overflow="ellipsis", end="")
        for entry in shown:
            keys.append_text(entry)
        right = Text(no_wrap=True, end="")
        for binding, enabled in pinned:
            right.append_text(self._entry(binding, enabled, "more" if cut and binding.action == HELP_ACTION else None))
        if palette is not None:
            click = Style(meta={"@click": f"app.simulate_key({palette.key!r})"})
            right.append("▏", self.get_component_rich_style("key-bar--disabled"))
            right.append(self.app.get_key_display(palette), self.get_component_rich_style("key-bar--key") + click)
            right.append(f" {palette.description.lower()} ", click)
        keys.truncate(max(self.size.width - right.cell_len, 0), overflow="ellipsis", pad=True)
        return keys + right
