"""The two lines atop the checklist: what is open (checklist, environment, state, operator), then
how far along it is (overall progress on the left; the probes' age or the team store's status on
the right, which is never cut: the progress gives way first).

One widget that draws both lines, rather than three labels in two rows: every widget costs the
first frame its own styling and layout. Everything shown is Text, never markup: titles, file
names and store notices come from files and other people."""

from __future__ import annotations

from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

SWEEP_GAP = 2  # spaces between the progress and the probes' age


class ScreenHeader(Widget):
    COMPONENT_CLASSES = {"screen-header--title", "screen-header--progress", "screen-header--sweep"}
    DEFAULT_CSS = """
    ScreenHeader {
        height: 2;
    }
    ScreenHeader > .screen-header--title {
        background: $panel;
        text-style: bold;
    }
    ScreenHeader > .screen-header--progress {
        text-style: bold;
    }
    ScreenHeader > .screen-header--sweep {
        color: $text-muted;
    }
    """

    def __init__(self, title: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.title_text = title
        self.progress = Text()
        self.sweep = ""

    def show_progress(self, progress: Text) -> None:
        self.progress = progress
        self.refresh()

    def show_sweep(self, sweep: str) -> None:
        self.sweep = sweep
        self.refresh()

    @property
    def progress_line(self) -> str:
        """The second line as plain text (for tests and scripts)."""
        return f"{self.progress.plain}{' ' * SWEEP_GAP}{self.sweep}"

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            line = Text(self.title_text, end="")
            line.truncate(width, overflow="ellipsis")
            line.align("center", width)
            base += self.get_component_rich_style("screen-header--title", partial=True)  # the padding too
        elif y == 1:
            line = self._progress_text(width)
        else:
            return Strip.blank(width, base)
        # NO_COLOR's monochrome filter expects a style on every segment: the widget's goes under all
        segments = list(line.render(self.app.console))
        return Strip(segments).apply_style(base).extend_cell_length(width, base).crop(0, width)

    def _progress_text(self, width: int) -> Text:
        inner = max(0, width - 2)  # one cell of margin on each side
        sweep = Text(self.sweep, end="")
        # whole style: $text-muted is translucent, blended over the background only in the whole one
        sweep.stylize(self.get_component_rich_style("screen-header--sweep"))  # a span: Text.render drops a base style
        sweep.truncate(inner, overflow="ellipsis")
        progress = self.progress.copy()
        progress.stylize_before(self.get_component_rich_style("screen-header--progress", partial=True))
        room = inner - sweep.cell_len - SWEEP_GAP if sweep.cell_len else inner
        if room > 0:
            progress.truncate(room, overflow="ellipsis")
        else:
            progress = Text()
        line = Text(" ", end="")
        line.append_text(progress)
        line.append(" " * max(0, inner - progress.cell_len - sweep.cell_len))
        line.append_text(sweep)
        return line
