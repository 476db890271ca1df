"""Command palette provider: jump to any item by fuzzy text or id."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ItemJumpProvider(Provider):
    def _items(self):
        session = self.app.session  # type: ignore[attr-defined]
        for item in session.checklist.all_items():
            section, subsection = session.checklist.location(item.id)
            yield item, f"{item.text}  ({section} › {subsection})"

    def _jump(self, item_id: str) -> None:
        self.app.jump_to_item(item_id)  # type: ignore[attr-defined]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for item, text in self._items():
            score = max(matcher.match(text), matcher.match(item.id))
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self._jump, item.id), help=item.id)

    async def discover(self) -> Hits:
        for item, text in list(self._items())[:30]:
            yield DiscoveryHit(text, partial(self._jump, item.id), help=item.id)
