"""A whole runbook, full screen, with its table of contents, opened at the selected item."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, Markdown, MarkdownViewer

from linkflow_console.checklist.model import Item
from linkflow_console.runbooks import RunbookLibrary, evidence_markdown
from linkflow_console.status import ItemView
from linkflow_console.tui.code_blocks import CodeBlockPicker, code_blocks
from linkflow_console.tui.key_bar import KeyBar


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
    if view is not None and view.failing:
        heading = re.compile(r"^## .*\{#" + re.escape(section.anchor) + r"\}\s*$", re.MULTILINE)
        match = heading.search(text)
        if match:
            evidence = f"\n\n### Evidence (probe failing)\n\n{evidence_markdown(view)}\n"
            text = text[: match.end()] + evidence + text[match.end():]
    return re.sub(r"\s*\{#[^}]+\}\s*$", "", text, flags=re.MULTILINE), section.title


FOLLOW_SECONDS, FOLLOW_CALM, FOLLOW_BUDGET = 0.05, 10, 200  # rest 0.5 s at the top; give up after 10 s


class RunbookViewer(MarkdownViewer):
    """A MarkdownViewer that opens at one heading, once the document knows its headings."""

    def __init__(self, markdown: str, target_title: str | None, **kwargs) -> None:
        super().__init__(markdown, open_links=False, **kwargs)
        self.target_title = target_title
        self._jumped = False

    # MarkdownViewer stops this message, so only a subclass sees it.
    def on_markdown_table_of_contents_updated(self, event: Markdown.TableOfContentsUpdated) -> None:
        if self._jumped or not self.target_title:
            return
        for _level, title, block_id in event.table_of_contents:
            if title.strip() == self.target_title and block_id:
                self._jumped = True
                self.call_after_refresh(self._scroll_to_block, block_id)
                return

    def _scroll_to_block(self, block_id: str, calm: int = 0, budget: int = FOLLOW_BUDGET) -> None:
        # The blocks above the heading (code, tables) take their final height over a few frames
        # (many on a busy machine), so follow the heading until it has rested at the top for a
        # while, unless the reader scrolls meanwhile.
        block = self.document.query_one(f"#{block_id}")
        if abs(block.region.y - block.styles.margin.top - self.content_region.y) > 1:
            self.scroll_to_widget(block, top=True, animate=False)
            calm = 0
        if calm < FOLLOW_CALM and budget > 0:
            landed = self.scroll_y
            self.set_timer(FOLLOW_SECONDS, lambda: self._follow(block_id, calm + 1, budget - 1, landed))

    def _follow(self, block_id: str, calm: int, budget: int, landed: float) -> None:
        if self.scroll_y == landed:  # the reader has not moved: keep the heading in place
            self._scroll_to_block(block_id, calm, budget)


NARROW_WIDTH = 110  # below this the contents start hidden: the text needs the room


class RunbookScreen(Screen):
    CSS_PATH = "runbook.tcss"
    BINDINGS = [
        Binding("escape,q,o", "app.pop_screen", "Back"),
        Binding("t", "toggle_toc", "Contents"),
        Binding("c", "copy_code", "Copy a command"),
    ]

    def __init__(self, runbooks: RunbookLibrary, item: Item | None, view: ItemView | None) -> None:
        super().__init__()
        self.markdown_text, self.target_title = document_for(runbooks, item, view)

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
        self.app.push_screen(CodeBlockPicker(code_blocks(self.markdown_text)))
