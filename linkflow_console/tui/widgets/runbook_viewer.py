"""A whole runbook as markdown with its contents, opened at one heading."""

from __future__ import annotations

from textual.widgets import Markdown, MarkdownViewer

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
