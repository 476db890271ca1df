"""Text that came from a file or another person, made safe to show.

A note, reason, name or log entry may hold terminal escape sequences (another console's text,
a hand-edited state): shown raw they could move the cursor, retitle the window or hide lines.
Every such character is written as a visible escape (`\\x1b`); newlines and tabs stay. Rich
markup is never interpreted: text for a Rich console goes through `rich_text`.
"""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls and DEL, except tab and newline; plus the format characters that reorder
# or hide text (bidi overrides and isolates, zero-width joiners are harmless and kept).
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(value: object, *, one_line: bool = False) -> str:
    """`value` as text with every control character shown as an escape; `one_line` escapes
    newlines and tabs too (a name, an id, a table cell)."""
    text = value if isinstance(value, str) else str(value)
    pattern = _UNSAFE_ONE_LINE if one_line else _UNSAFE
    return pattern.sub(_escape, text)


def has_control(value: str, *, allow_newlines: bool = True) -> bool:
    pattern = _UNSAFE if allow_newlines else _UNSAFE_ONE_LINE
    return bool(pattern.search(value))


def rich_text(value: object, *, one_line: bool = False, style: str = ""):
    """A rich Text (never parsed as markup) holding `safe_text(value)`."""
    from rich.text import Text

    return Text(safe_text(value, one_line=one_line), style=style)


def refused_control(value: str, what: str) -> str | None:
    """Why `value` (a note, reason, name typed by a user) cannot be recorded, or None."""
    match = _UNSAFE.search(value)
    if match is None:
        return None
    name = unicodedata.name(match.group(), "control character")
    return f"{what} holds a control character ({_escape(match)}, {name.lower()}) at position {match.start() + 1}"


def user_text_arg(text: str) -> str:
    """argparse type of a note or reason typed by a user: control characters (terminal escapes)
    are refused, so they never reach the state, another console or a terminal; line breaks and
    tabs are fine."""
    import argparse

    problem = refused_control(text, "the text")
    if problem:
        raise argparse.ArgumentTypeError(f"{problem}; type plain text")
    return text


def one_line_arg(text: str) -> str:
    """argparse type of a name (an owner, an operator): one line of plain text."""
    import argparse

    if "\n" in text or "\t" in text:
        raise argparse.ArgumentTypeError("a name is one line of text, without line breaks or tabs")
    return user_text_arg(text)
