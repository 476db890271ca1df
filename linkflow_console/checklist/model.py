"""Immutable checklist model: sections hold subsections hold items (items may hold children)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    BLOCKER = "blocker"
    HIGH = "high"
    NORMAL = "normal"


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    text: str
    severity: Severity = Severity.NORMAL
    probes: tuple[str, ...] = ()
    runbook: str | None = None
    children: tuple[Item, ...] = ()
    section_id: str = ""
    subsection_id: str = ""


@dataclass(frozen=True, slots=True)
class Subsection:
    id: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    subsections: tuple[Subsection, ...]

    def items(self) -> Iterator[Item]:
        for subsection in self.subsections:
            yield from subsection.items


@dataclass(frozen=True, slots=True)
class Checklist:
    id: str
    title: str
    sections: tuple[Section, ...]
    description: str = ""
    _index: dict[str, Item] = field(default_factory=dict, compare=False, repr=False)
    _titles: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for section in self.sections:
            for subsection in section.subsections:
                for item in subsection.items:
                    for node in (item, *item.children):
                        self._index[node.id] = node
                        self._titles[node.id] = (section.title, subsection.title)

    def items(self) -> Iterator[Item]:
        """Top-level items in order (the ones progress counts)."""
        for section in self.sections:
            yield from section.items()

    def all_items(self) -> Iterator[Item]:
        """Items and their children, in order."""
        for item in self.items():
            yield item
            yield from item.children

    def get(self, item_id: str) -> Item | None:
        return self._index.get(item_id)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._index

    def location(self, item_id: str) -> tuple[str, str]:
        """(section title, subsection title) of an item."""
        return self._titles[item_id]

    def section_of(self, item_id: str) -> Section:
        item = self._index[item_id]
        return next(s for s in self.sections if s.id == item.section_id)

    def probe_ids(self) -> set[str]:
        return {probe for item in self.all_items() for probe in item.probes}
