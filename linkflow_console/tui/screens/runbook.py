"""A whole runbook, full screen, with its table of contents, opened at the selected item."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, MarkdownViewer

from linkflow_console.checklist.model import Item
from linkflow_console.runbooks import RunbookLibrary, evidence_markdown
from linkflow_console.status import ItemView
from linkflow_console.tui.dialogs.code_picker import CodeBlockPicker, code_blocks
from linkflow_console.tui.widgets.key_bar import KeyBar
from linkflow_console.tui.widgets.runbook_viewer import RunbookViewer


def document_for(runbooks: RunbookLibrary, item: Item | None, view: ItemView | None) -> tuple[str, str | None]:
    """(markdown of the whole file, title of the item's heading). Failing evidence goes first."""
    section = runbooks.section_for(item) if item else None
    if section is None:
        files = runbooks.files()
        index = "\n".join(f"- {f.title} (`{f.path.name}`)" for f in files)
        return f"# Runbooks\n\nNo runbook section for this item. Runbooks available:\n\n{index}\n", None
    runbook = runbooks.file_named(section.path.name)
    assert runbook is not None
    text = runbook.text
    if view is not None and view.has_probe_trouble:
        heading = re.compile(r"^## .*\{#" + re.escape(section.anchor) + r"\}\s*$", re.MULTILINE)
        match = heading.search(text)
        if match:
            evidence = f"\n\n### Evidence (probe failing)\n\n{evidence_markdown(view)}\n"
            text = text[: match.end()] + evidence + text[match.end():]
    return re.sub(r"\s*\{#[^}]+\}\s*$", "", text, flags=re.MULTILINE), section.title


NARROW_WIDTH = 110  # below this the contents start hidden: the text needs the room


class RunbookScreen(Screen):
    CSS_PATH = "runbook.tcss"
    BINDINGS = [
        Binding("escape,q,o", "app.pop_screen", "Back"),
        Binding("t", "toggle_toc", "Contents"),
        Binding("c", "copy_code", "Copy a command of the item"),
    ]

    def __init__(self, runbooks: RunbookLibrary, item: Item | None, view: ItemView | None) -> None:
        super().__init__()
        self.markdown_text, self.target_title = document_for(runbooks, item, view)
        section = runbooks.section_for(item) if item else None
        self.item_id = item.id if item else ""
        self.item_commands = code_blocks(section.markdown) if section else []  # `c` offers the item's own, not the file's

    def compose(self) -> ComposeResult:
        yield Header()
        wide = self.app.size.width >= NARROW_WIDTH
        yield RunbookViewer(self.markdown_text, self.target_title, show_table_of_contents=wide, id="runbook-viewer")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = self.target_title or "runbooks"
        self.query_one(MarkdownViewer).document.focus()

    def action_toggle_toc(self) -> None:
        viewer = self.query_one(MarkdownViewer)
        viewer.show_table_of_contents = not viewer.show_table_of_contents

    def action_copy_code(self) -> None:
        self.app.push_screen(CodeBlockPicker(self.item_commands, self.item_id))
