"""The tree measures its lines without building styled labels; the measure must be Tree's own."""

from __future__ import annotations

from textual.widgets import Tree

from linkflow_console.tui.widgets.checklist_tree import ChecklistTree
from tests.tui.conftest import workers_done


async def test_label_widths_are_what_tree_would_measure(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await workers_done(pilot)
        tree = app.screen.query_one(ChecklistTree)
        tree.action_expand_all()
        for node in list(tree.section_nodes.values())[1:3]:
            node.collapse()  # folded sections show the other icon
        await pilot.pause()
        nodes = list(tree._tree_nodes.values())
        assert len(nodes) > 150
        assert [tree.get_label_width(n) for n in nodes] == [Tree.get_label_width(tree, n) for n in nodes]
        assert tree.virtual_size.width == max(line._get_guide_width(tree.guide_depth, tree.show_root) + tree.get_label_width(line.node) for line in tree._tree_lines)
