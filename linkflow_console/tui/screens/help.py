"""`?`: every key of this console, by screen, the screen you came from first; `?` or Esc closes.

Read from the screens' own bindings, so it never goes stale; Textual's generic keys come last."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from linkflow_console.tui.widgets.key_bar import KeyBar

# Keys the bindings do not describe (the tree's own movement, dialogs) or that Textual provides.
MOVING = [("↑ ↓ / j k", "move in the tree"), ("← → / Enter", "collapse / expand a section"), ("g / G", "first / last line")]
DIALOGS = [("Tab / Shift+Tab", "next / previous field"), ("Enter", "next field; OK on the last one"),
           ("↑ ↓ then Enter", "pick a choice (e.g. the decision)"), ("Esc", "cancel: nothing is recorded")]
TEXTUAL = [("Ctrl+P", "command palette: jump to any item by text or id"), ("Ctrl+Q / q", "quit"),
           ("Ctrl+C", "copy selected text (where the terminal allows)")]


def binding_rows(app, bindings: list[Binding]) -> list[tuple[str, str]]:
    rows: dict[str, list[str]] = {}
    for binding in bindings:
        for key in binding.key.split(","):
            display = app.get_key_display(Binding(key.strip(), binding.action, binding.description))
            rows.setdefault(binding.description or binding.action, []).append(display)
    return [(" ".join(dict.fromkeys(keys)), description) for description, keys in rows.items()]


def key_table(title: str, rows: list[tuple[str, str]]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", box=None, show_header=False, padding=(0, 2, 0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for keys, description in rows:
        table.add_row(Text(keys), Text(description))
    return table


def key_sections(app, first: str) -> list[tuple[str, list[tuple[str, str]]]]:
    from linkflow_console.tui.screens.checklist import ChecklistScreen
    from linkflow_console.tui.screens.launch import LaunchScreen
    from linkflow_console.tui.screens.runbook import RunbookScreen
    from linkflow_console.tui.widgets.checklist_tree import ChecklistTree

    tree_keys = [b for b in ChecklistTree.BINDINGS if isinstance(b, Binding) and b.action.endswith("_all")]  # moves are in MOVING
    checklist = MOVING + binding_rows(app, tree_keys + list(ChecklistScreen.BINDINGS))  # one row per action: both bind + and -
    sections = [
        ("Checklist", checklist),
        ("Launch day (l)", binding_rows(app, LaunchScreen.BINDINGS)),
        ("Runbook (o)", binding_rows(app, RunbookScreen.BINDINGS)),
        ("Everywhere", binding_rows(app, [b for b in app.BINDINGS if isinstance(b, Binding)])),
        ("In a dialog", DIALOGS),
        ("Textual's keys", TEXTUAL),
    ]
    sections.sort(key=lambda section: section[0].split(" ")[0] != first)  # the screen you came from first
    return sections


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { background: $background 60%; }
    #help { width: 100%; max-width: 110; height: 100%; border: thick $primary; background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("question_mark,escape", "close", "Close help"), Binding("q", "app.quit", "Quit"),
                Binding("j", "scroll('down')", show=False),
                Binding("k", "scroll('up')", show=False)]

    def __init__(self, came_from: str = "Checklist") -> None:
        super().__init__()
        self.came_from = came_from

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text(f"Keys ({self.came_from} first). ? or Esc closes this.", style="bold"))
            for title, rows in key_sections(self.app, self.came_from):
                yield Static(key_table(title, rows))
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#help").focus()

    def action_scroll(self, direction: str) -> None:
        help_box = self.query_one("#help", VerticalScroll)
        help_box.scroll_down() if direction == "down" else help_box.scroll_up()

    def action_close(self) -> None:
        self.dismiss(None)
