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

    def shown_bindings(self) -> tuple[list[tuple[Binding, bool]], Binding | None]:
        """(the bindings to list, one per action, in order; the command palette's binding)."""
        listed: dict[str, tuple[Binding, bool]] = {}
        palette = None
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.action == PALETTE_HINT_ACTION or binding.key == self.app.COMMAND_PALETTE_BINDING:
                palette = binding if self.app.ENABLE_COMMAND_PALETTE else None
            elif binding.show and binding.action not in listed:
                listed[binding.action] = (binding, enabled)
        return list(listed.values()), palette

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        disabled_style = self.get_component_rich_style("key-bar--disabled")
        bindings, palette = self.shown_bindings()
        keys = Text(no_wrap=True, overflow="ellipsis", end="")
        for binding, enabled in bindings:
            click = Style(meta={"@click": f"app.simulate_key({binding.key!r})"})
            keys.append(" ")
            keys.append(self.app.get_key_display(binding), (key_style if enabled else disabled_style) + click)
            keys.append(f" {binding.description} ", (Style() if enabled else disabled_style) + click)
        right = Text(no_wrap=True, end="")
        if palette is not None:
            click = Style(meta={"@click": f"app.simulate_key({palette.key!r})"})
            right.append("▏", disabled_style)
            right.append(self.app.get_key_display(palette), key_style + click)
            right.append(f" {palette.description.lower()} ", click)
        room = max(self.size.width - right.cell_len, 0)
        keys.truncate(room, overflow="ellipsis", pad=True)
        return keys + right
