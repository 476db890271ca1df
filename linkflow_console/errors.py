"""Errors a user can fix. Each names the file, the line and what to do; the CLI turns them
into a message and exit code 2, the TUI into an error screen. Never a traceback."""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """Bad input from the user: a file, a flag, an id. Exit code 2."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        fix: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.fix = fix

    @property
    def where(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else str(self.path)

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


class ChecklistError(UserError):
    """The checklist TOML is malformed."""


class StateError(UserError):
    """The state file cannot be read; it is never overwritten while in this condition."""


class ProfileError(UserError):
    """The profile TOML is malformed or holds a literal secret."""


def suggest(name: str, known: list[str], otherwise: str) -> str:
    """A 'did you mean' fix for an unknown id: close spellings, else ids containing it."""
    import difflib

    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5) or [k for k in known if name.lower() in k][:3]
    return f"did you mean {', '.join(close)}?" if close else otherwise


def required_text(value: str, name: str, fix: str) -> str:
    """The stripped value, or a UserError saying it is required."""
    value = (value or "").strip()
    if not value:
        raise UserError(f"{name} is required", fix=fix)
    return value


def read_text_file(path: Path, what: str, error: type[UserError], flag: str, encoding: str = "utf-8") -> str:
    """The text of a file the user named (`what`: "checklist"); each way it cannot be read
    becomes `error` saying what to pass with `flag` instead."""
    from linkflow_console.limits import decoded_text, max_bytes, read_bounded, too_large

    try:
        blob = read_bounded(path, what)
        if len(blob) > max_bytes(what):
            raise error(too_large(what, path.stat().st_size or len(blob)), path=path,
                        fix=f"pass the {what} file itself with {flag}, not a larger file or a device")
        if b"\0" in blob:
            raise error(f"{what} is a binary file, not text", path=path, fix=f"pass the {what} TOML/text file with {flag}")
        return decoded_text(blob, encoding)
    except FileNotFoundError:
        raise error(f"{what} file not found", path=path, fix=f"pass an existing file with {flag}") from None
    except IsADirectoryError:
        raise error(f"the {what} path is a directory", path=path, fix=f"pass the {what} file itself with {flag}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{what} is not UTF-8 text ({exc.reason} at byte {exc.start})", path=path,
                    fix="save the file as UTF-8") from None
    except OSError as exc:
        raise error(f"cannot read the {what}: {exc.strerror or exc}", path=path,
                    fix=f"check the file's permissions, or pass another file with {flag}") from None


def parse_toml(text: str, path: Path | str, error: type[UserError]) -> dict:
    """tomllib.loads, with a syntax error turned into `error` naming the file and line."""
    import tomllib

    from linkflow_console.limits import MAX_DEPTH, depth_of

    try:
        data = tomllib.loads(text)
    except RecursionError:  # a few hundred nested [ exhaust the parser's stack
        data = None
    except tomllib.TOMLDecodeError as exc:
        line = toml_error_line(exc, text)
        fix = "correct the TOML syntax at that line"
        if "end of document" in str(exc):
            fix = "close the array, table or string opened at that line (a missing ], } or quote)"
        raise error(f"not valid TOML: {exc}", path=path, line=line, fix=fix) from None
    if data is None or depth_of(data) > MAX_DEPTH:
        raise error(f"nests tables or arrays more than {MAX_DEPTH} levels deep", path=path,
                    fix="flatten the nesting: no file the console reads needs that depth")
    return data


def toml_error_line(exc: Exception, text: str | None = None) -> int | None:
    """The line a TOML error names. tomllib names none "at end of document": then, given the
    text, the line where the construct left open began (else the last line)."""
    import re

    match = re.search(r"line (\d+)", str(exc))
    if match:
        return int(match.group(1))
    return unclosed_line(text) if text is not None else None


def unclosed_line(text: str) -> int:
    """The line of the outermost [ or { (or quote) never closed; else the last line."""
    depth, opened_at, quote = 0, None, ""
    lines = text.splitlines() or [""]
    for number, line in enumerate(lines, start=1):
        index = 0
        while index < len(line):
            char = line[index]
            if quote:
                if char == "\\" and quote == '"':
                    index += 1
                elif char == quote:
                    quote = ""
            elif char in "\"'":
                quote = char
                if depth == 0:
                    opened_at = number
            elif char == "#":
                break
            elif char in "[{":
                if depth == 0:
                    opened_at = number
                depth += 1
            elif char in "]}":
                depth = max(0, depth - 1)
            index += 1
        if quote and depth == 0:
            return number  # a one-line string left open
        quote = ""
    return opened_at if depth and opened_at else len(lines)



def line_of(text: str, needle: str, start_line: int = 1) -> int | None:
    """1-based line of the first occurrence of `needle` at or after `start_line`."""
    lines = text.splitlines()
    for number in range(max(start_line, 1), len(lines) + 1):
        if needle in lines[number - 1]:
            return number
    return None
