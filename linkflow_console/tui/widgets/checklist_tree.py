"""The checklist as a tree: sections with progress, subsections, items with status glyphs.

Big checklists build section contents lazily, when a section is first expanded."""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from linkflow_console.checklist.model import Checklist, Item, Section
from linkflow_console.status import COMPLETE, FILTERS, ItemView, Shown, probe_counts, section_progress
from linkflow_console.tui.messages import ItemHighlighted

LAZY_THRESHOLD = 400  # items; above this, sections fill in when expanded

SHOWN_STYLES: dict[Shown, str] = {
    Shown.FAIL: "bold red",
    Shown.ERROR: "magenta",
    Shown.WARN: "yellow",
    Shown.OPEN: "",
    Shown.EXPIRED: "bold yellow",
    Shown.PENDING: "italic cyan",
    Shown.PASS: "green",
    Shown.DONE: "green",
    Shown.NA: "dim",
    Shown.WAIVED: "blue",
}

NodeData = tuple[str, str]  # (kind, id): ("section", id) / ("sub", id) / ("item", id)


def item_label(view: ItemView) -> Text:
    label = Text()
    label.append(f"{view.glyph} ", style=SHOWN_STYLES[view.shown])
    text_style = "dim" if view.shown in (Shown.NA, Shown.WAIVED) else ""
    if view.item.severity == "blocker" and view.shown not in COMPLETE:
        label.append("⚑ ", style="bold")
    label.append(view.item.text, style=text_style)
    return label


def section_label(section: Section, views: dict[str, ItemView]) -> Text:
    progress = section_progress(section, views)
    counts = probe_counts(views[i.id] for i in section.items())
    label = Text(section.title, style="bold")
    label.append(f"  {progress}", style="green" if progress.done == progress.total else "")
    if counts:
        label.append(f"  {counts.short}", style="bold red" if counts.failing else "magenta")
    return label


class ChecklistTree(Tree[NodeData]):
    BINDINGS = [
        Binding("plus", "expand_all", "Expand all", show=False),
        Binding("minus", "collapse_all", "Collapse all", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_home", "First line", show=False),
        Binding("G", "scroll_end", "Last line", show=False),
    ]

    def __init__(self, checklist: Checklist, views: dict[str, ItemView], **kwargs) -> None:
        super().__init__(checklist.title, data=("root", ""), **kwargs)
        self.show_root = False
        self.guide_depth = 2
        self.checklist = checklist
        self.views = views
        self.text_filter = ""
        self.status_filter = "all"
        self.selected_item: str | None = None  # the last item the cursor was on (kept while folded away)
        self.item_nodes: dict[str, TreeNode[NodeData]] = {}
        self.section_nodes: dict[str, TreeNode[NodeData]] = {}
        self._filled: set[str] = set()
        self.lazy = sum(1 for _ in checklist.items()) > LAZY_THRESHOLD
        # Built before mounting, so the first layout already holds the nodes (no second paint).
        self._populate()

    # -- building -----------------------------------------------------------------------
    def matches(self, item: Item) -> bool:
        allowed = FILTERS[self.status_filter]
        if not allowed(self.views[item.id]) and not any(allowed(self.views[c.id]) for c in item.children):
            return False
        needle = self.text_filter.lower()
        return not needle or needle in item.text.lower() or needle in item.id or any(
            needle in c.text.lower() for c in item.children
        )

    def section_items(self, section: Section) -> list[tuple[str, list[Item]]]:
        return [
            (sub.title, [i for i in sub.items if self.matches(i)]) for sub in section.subsections
        ]

    def rebuild(self) -> None:
        """Rebuild after a filter change; keeps the cursor on the same item where possible."""
        current = self.current_item_id() or self.selected_item
        self.clear()
        self.item_nodes.clear()
        self.section_nodes.clear()
        self._filled.clear()
        self._populate()
        if current and self.select_item(current):
            return
        # The selected item is filtered out: move to the first one shown, so the detail pane
        # never describes an item the tree no longer lists.
        first = next(iter(self.item_nodes), None)
        if first is None or not self.select_item(first):
            self.post_message(ItemHighlighted(None))

    def _populate(self) -> None:
        filtering = bool(self.text_filter) or self.status_filter != "all"
        for index, section in enumerate(self.checklist.sections):
            if filtering and not any(items for _, items in self.section_items(section)):
                continue
            filled_now = not self.lazy or filtering or index == 0
            # Opened as it is added: expand() would post a NodeExpanded per section to the
            # opening screen, whose handler has nothing left to fill.
            node = self.root.add(section_label(section, self.views), data=("section", section.id), expand=filled_now)
            self.section_nodes[section.id] = node
            if filled_now:
                self.fill(section.id)

    def fill(self, section_id: str) -> None:
        if section_id in self._filled:
            return
        self._filled.add(section_id)
        section = next(s for s in self.checklist.sections if s.id == section_id)
        section_node = self.section_nodes[section_id]
        for (title, items), sub in zip(self.section_items(section), section.subsections):
            if not items:
                continue
            sub_node = section_node.add(title, data=("sub", sub.id), expand=True)
            for item in items:
                if item.children:
                    node = sub_node.add(item_label(self.views[item.id]), data=("item", item.id), expand=True)
                    for child in item.children:
                        self.item_nodes[child.id] = node.add_leaf(item_label(self.views[child.id]), data=("item", child.id))
                else:
                    node = sub_node.add_leaf(item_label(self.views[item.id]), data=("item", item.id))
                self.item_nodes[item.id] = node

    def get_label_width(self, node: TreeNode[NodeData]) -> int:
        """What Tree's render_label would measure, without building the styled label: Tree measures
        every line at each rebuild of its lines (five times while the console opens)."""
        icon = (self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE) if node.allow_expand else ""
        return cell_len(icon) + node.label.cell_len

    def built_now(self, node: TreeNode[NodeData]) -> bool:
        """False for a node a later rebuild (a filter change) has replaced: its events can still
        arrive, e.g. after filter keys that came in one read rebuilt the tree several times."""
        kind, node_id = node.data or ("", "")
        nodes = self.item_nodes if kind == "item" else self.section_nodes if kind == "section" else None
        return nodes is None or nodes.get(node_id) is node

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeData]) -> None:
        kind, node_id = event.node.data or ("", "")
        if kind == "section" and self.built_now(event.node):
            self.fill(node_id)

    # -- updating -----------------------------------------------------------------------
    def update_views(self, views: dict[str, ItemView], changed: set[str] | None = None) -> None:
        """New statuses: relabel in place (cheap); rebuild only when a filter would hide items."""
        self.views = views
        if self.status_filter != "all":
            self.rebuild()
            return
        ids = changed if changed is not None else set(self.item_nodes)
        for item_id in ids:
            node = self.item_nodes.get(item_id)
            if node is not None:
                node.set_label(item_label(views[item_id]))
        touched_sections = {self.checklist.get(i).section_id for i in ids if i in self.checklist} if changed is not None else set(self.section_nodes)
        for section in self.checklist.sections:
            if section.id in touched_sections and section.id in self.section_nodes:
                self.section_nodes[section.id].set_label(section_label(section, views))

    def set_filters(self, text: str | None = None, status: str | None = None) -> None:
        if text is not None:
            self.text_filter = text
        if status is not None:
            self.status_filter = status
        self.rebuild()

    # -- cursor -------------------------------------------------------------------------
    def current_item_id(self) -> str | None:
        node = self.cursor_node
        if node is None or node.data is None:
            return None
        kind, node_id = node.data
        return node_id if kind == "item" else None

    def select_item(self, item_id: str) -> bool:
        item = self.checklist.get(item_id)
        if item is None:
            return False
        if item_id not in self.item_nodes and item.section_id in self.section_nodes:
            self.fill(item.section_id)
            self.section_nodes[item.section_id].expand()
        node = self.item_nodes.get(item_id)
        if node is None:
            return False
        parent = node.parent
        while parent is not None and not parent.is_root:  # the hidden root's state shows nothing
            if not parent.is_expanded:  # each expand() costs a message and a rebuild of the lines
                parent.expand()
            parent = parent.parent
        # Expanding invalidates the line cache; rebuild it now so the cursor lands at once
        # (waiting for a refresh left the cursor unset for a moment on a busy machine).
        self._tree_lines  # noqa: B018 - the property rebuilds node line numbers
        line_before = self.cursor_line
        self.selected_item = item_id
        self.move_cursor(node)
        if self.cursor_line == line_before:  # Tree says NodeHighlighted only when the line changes
            self.post_message(ItemHighlighted(item_id))
        # Scrolling needs the new virtual size laid out first.
        self.call_after_refresh(self.scroll_to_node, node, animate=False)
        return True

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[NodeData]) -> None:
        event.stop()
        if not self.built_now(event.node):  # the detail never describes an item no longer listed
            return
        kind, node_id = event.node.data or ("", "")
        if kind == "item":
            self.selected_item = node_id
        self.post_message(ItemHighlighted(node_id if kind == "item" else None))

    def action_expand_all(self) -> None:
        with self.prevent(Tree.NodeHighlighted):  # the selection does not change: no message
            for section_id, node in self.section_nodes.items():
                self.fill(section_id)
                node.expand_all()
            self.keep_cursor_on(self.selected_item)

    def action_collapse_all(self) -> None:
        with self.prevent(Tree.NodeHighlighted):
            for node in self.section_nodes.values():
                node.collapse()
            self.keep_cursor_on(self.selected_item)

    def keep_cursor_on(self, item_id: str | None) -> None:
        """After lines came or went: the cursor goes on the item, or on its section when the item
        is folded away (the nearest line shown). Textual would otherwise keep the old line number,
        which now holds an unrelated node. Callers hold NodeHighlighted back: nothing was chosen."""
        if item_id is None:
            return
        self._tree_lines  # noqa: B018 - rebuild the lines now, inside the caller's prevent()
        node = self.item_nodes.get(item_id)
        if node is None or not _shown(node):
            item = self.checklist.get(item_id)
            node = self.section_nodes.get(item.section_id) if item else None
        if node is not None:
            self.move_cursor(node)
            self.call_after_refresh(self.scroll_to_node, node, animate=False)

    def next_item(self, wanted: Callable[[ItemView], bool]) -> str | None:
        """The next item after the cursor (wrapping round), in checklist order, whose view is
        `wanted`; under a filter, only among the items shown."""
        filtering = bool(self.text_filter) or self.status_filter != "all"
        order = [item.id for item in self.checklist.all_items() if not filtering or item.id in self.item_nodes]
        current = self.current_item_id()
        start = order.index(current) + 1 if current in order else 0
        return next((i for i in order[start:] + order[:start] if wanted(self.views[i])), None)


def _shown(node: TreeNode[NodeData]) -> bool:
    """Every parent expanded (Tree keeps a stale line number on folded-away nodes)."""
    parent = node.parent
    while parent is not None and not parent.is_root:
        if not parent.is_expanded:
            return False
        parent = parent.parent
    return True
