"""Process start to first painted screen: linkflow-console vs a bare Textual app showing the same
tree, both measured in this run; then a generated 10,000-item checklist. Prints ratios and peak RSS.

Targets: bundled checklist within 1.3x of bare Textual; 10,000 items within 2x of the bundled
checklist and under 150 MiB.  Usage: python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Both children exit right after their first screen has been painted (call_after_refresh from the
# app's mount, the same in both), and report the time since the interpreter started.
CONSOLE = r"""
import sys, time, resource
start = time.perf_counter()
from linkflow_console.session import open_session
from linkflow_console.tui.app import LinkflowConsole
from linkflow_console.tui.widgets.checklist_tree import ChecklistTree

class Timed(LinkflowConsole):
    def _on_mount(self, event):  # Textual also runs the base class's on_mount
        self.call_after_refresh(self._done)  # exactly as the bare app below
    def _done(self):
        self.elapsed = time.perf_counter() - start
        tree = self.screen.query_one(ChecklistTree)
        # the frame just painted held the laid-out tree, or this measured too early
        assert tree.root.children and tree.region.height > 0, "measured before the tree was painted"
        self.exit()

session = open_session(checklist=sys.argv[1] or None, state=sys.argv[2], operator="bench")
app = Timed(session)
app.run(headless=True, size=(120, 40))
print(app.elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

BARE = r"""
import sys, time, resource, tomllib
start = time.perf_counter()
from textual.app import App
from textual.widgets import Tree

class Bare(App):
    def compose(self):
        data = tomllib.loads(open(sys.argv[1]).read())
        tree = Tree(data["title"])
        for section in data["sections"]:
            node = tree.root.add(section["title"], expand=True)
            for sub in section["subsections"]:
                child = node.add(sub["title"], expand=True)
                for item in sub["items"]:
                    child.add_leaf(item["text"])
        tree.root.expand()
        yield tree
    def on_mount(self):
        self.call_after_refresh(self._done)
    def _done(self):
        self.elapsed = time.perf_counter() - start
        self.exit()

app = Bare()
app.run(headless=True, size=(120, 40))
print(app.elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def run(code: str, *args: str) -> tuple[float, float]:
    """(seconds from interpreter start to first paint, peak RSS MiB) of one child process."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{done.stderr[-2000:]}")
    seconds, rss_kib = done.stdout.split()[-2:]
    return float(seconds), int(rss_kib) / 1024


def generate(items: int, path: Path) -> None:
    lines = ['id = "generated"', 'title = "Generated"', ""]
    per_section, per_sub = items // 10, items // 100
    for s in range(10):
        lines += ["[[sections]]", f'id = "s{s}"', f'title = "Section {s}"', ""]
        for u in range(10):
            lines += ["[[sections.subsections]]", f'id = "u{u}"', f'title = "Subsection {s}.{u}"', ""]
            for i in range(per_sub):
                lines += ["[[sections.subsections.items]]", f'id = "s{s}.u{u}.item-{i}"', f'text = "Generated item {s}.{u}.{i}"', ""]
    assert per_section * 10 == items
    path.write_text("\n".join(lines))


def measure_interleaved(cases: list[tuple[str, list[str]]], runs: int) -> list[tuple[float, float]]:
    """Run the cases in turn, `runs` rounds, so drift in machine load hits them alike; return
    each case's median seconds and peak RSS."""
    samples: list[list[tuple[float, float]]] = [[] for _ in cases]
    for _ in range(runs):
        for index, (code, args) in enumerate(cases):
            samples[index].append(run(code, *args))
    return [(statistics.median(s[0] for s in case), max(s[1] for s in case)) for case in samples]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    # An installed console has bytecode (pip compiles it), as Textual's does here: compile ours too,
    # or a machine with PYTHONDONTWRITEBYTECODE would time our compiler, not our start-up.
    compileall.compile_dir(REPO / "linkflow_console", quiet=1)
    bundled = str(REPO / "checklists" / "production.toml")
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.toml"
        generate(10_000, big)
        cases = [(BARE, [bundled]), (CONSOLE, ["", str(Path(tmp) / "a.toml")]), (CONSOLE, [str(big), str(Path(tmp) / "b.toml")])]
        for code, case_args in cases:  # warm the disk cache (and the checklist parse cache)
            run(code, *case_args)
        (bare, bare_rss), (ours, ours_rss), (large, large_rss) = measure_interleaved(cases, args.runs)
    report = {
        "bare_textual_s": round(bare, 3),
        "console_bundled_s": round(ours, 3),
        "console_10k_s": round(large, 3),
        "ratio_bundled_vs_bare": round(ours / bare, 2),
        "ratio_10k_vs_bundled": round(large / ours, 2),
        "peak_rss_mib": {"bare": round(bare_rss, 1), "bundled": round(ours_rss, 1), "10k": round(large_rss, 1)},
        "targets": {"ratio_bundled_vs_bare": "<= 1.3", "ratio_10k_vs_bundled": "<= 2.0", "peak_rss_10k_mib": "< 150"},
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
