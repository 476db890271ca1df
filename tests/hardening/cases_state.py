"""Malformed state files: refused whole, with file:line, before any write (a tick is tried)."""

import zlib

from tests.hardening.support import CHECKLIST, DIRECTORY, Case

RUN = ["--checklist", "{d}/c.toml", "--state", "{d}/s.toml", "tick", "sec.sub.two", "--note", "n"]
HEAD = 'schema = 1\nchecklist = "hard"\nenvironment = "test"\n'  # lines 1-3


def case(id: str, text: object, fragment: str, line: int | None = None) -> Case:
    return Case(f"state-{id}", {"c.toml": CHECKLIST, "s.toml": text}, RUN, fragment, "s.toml", line)


def launch(body: str, fragment: str, line: int | None) -> Case:
    """[launch] on line 4."""
    return case(f"launch-{fragment.split()[0]}-{zlib.crc32(body.encode()) % 10000}", HEAD + "[launch]\n" + body, fragment, line)


RESULT = '[results."http.tls-versions"]\nstatus = "pass"\nsummary = "ok"\nduration_ms = 3.0\nstarted_at = 2026-11-26T09:00:00Z\n'


def result(old: str, new: str, fragment: str, line: int | None) -> Case:
    return case(f"result-{fragment.split()[0]}-{zlib.crc32(new.encode()) % 10000}", HEAD + RESULT.replace(old, new), fragment, line)


CASES = [
    case("schema-newer", HEAD.replace("schema = 1", "schema = 2"), "newer", 1),
    case("schema-zero", HEAD.replace("schema = 1", "schema = 0"), "unknown", 1),
    case("schema-text", HEAD.replace("schema = 1", 'schema = "1"'), "whole number", 1),
    case("schema-float", HEAD.replace("schema = 1", "schema = 1.5"), "whole number", 1),
    case("environment-escapes", HEAD.replace('"test"', '"../../x"'), "cannot name a file", 3),
    case("environment-not-text", HEAD.replace('"test"', "7"), "belongs to environment 7", 3),
    case("checklist-not-text", HEAD.replace('checklist = "hard"', "checklist = [1]"), "belongs to checklist [1]", 2),
    launch('t0 = "yesterday"\n', "t0 must be a date and time", 5),
    launch("t0 = 5\n", "t0 must be a date and time", 5),
    launch("t0 = 2026-11-26\n", "t0 must be a date and time", 5),
    launch("t0 = 09:30:00\n", "t0 must be a date and time", 5),
    launch("started_by = 5\n", "started_by must be text", 5),
    launch("checkins = 3\n", "checkins must be a table", 5),
    launch('[launch.checkins."a@1h"]\nby = "x"\n', "check-in 'a@1h'", 4),
    launch('[[launch.log]]\nkind = "note"\ntext = "x"\n', "every log entry", 4),
    launch('[[launch.log]]\nat = 2026-11-26T09:00:00Z\ntext = "x"\n', "every log entry needs kind", 4),
    launch("log = 5\n", "log must be a list", 5),
    launch("samples = {}\n", "samples must be a list", 5),
    launch('[[launch.samples]]\nat = 2026-11-26T09:00:00Z\nvalues = 3\n', "a sample's values", 7),
    case("launch-not-table", HEAD + "launch = 5\n", "launch: must be a table", 4),
    result('status = "pass"', 'status = "bogus"', "does not exist", 5),
    result('status = "pass"', 'status = "PASS"', "does not exist", 5),
    result('status = "pass"\n', "", "does not exist", 4),
    result('started_at = 2026-11-26T09:00:00Z', 'started_at = "never"', "started_at must be", 8),
    result('duration_ms = 3.0', 'duration_ms = "fast"', "duration_ms must be", 7),
    result('summary = "ok"', 'summary = "ok"\nevidence = 5', "evidence must be", 7),
    result('summary = "ok"', 'summary = "ok"\nevidence = [{ label = "x" }]', "evidence must be", 7),
    result('summary = "ok"', 'summary = "ok"\nvalues = { p95 = "slow" }', "values must hold numbers", 7),
    result('summary = "ok"', 'summary = "ok"\nraw = 5', "raw must be a table", 7),
    case("results-not-table", HEAD + "results = [1]\n", "'results' must be a table", 4),
    case("result-not-table", HEAD + '[results]\n"http.tls-versions" = 5\n', "must be a table", 5),
    case("items-not-table", HEAD + "items = 5\n", "'items' must be a table"),
    case("done-text", HEAD + '[items."sec.sub.one"]\ndone = "yes"\n', "done must be true or false", 5),
    case("waiver-until-bad", HEAD + '[items."sec.sub.one"]\nwaiver = { reason = "r", owner = "o", until = "soon" }\n',
         "waiver.until", 5),
    case("waiver-not-table", HEAD + '[items."sec.sub.one"]\nwaiver = "yes"\n', "waiver must be a table", 5),
    case("history-not-list", HEAD + '[items."sec.sub.one"]\nhistory = 5\n', "history must be a list", 5),
    case("history-no-action", HEAD + '[items."sec.sub.one"]\n[[items."sec.sub.one".history]]\nby = "x"\n', "missing 'action'"),
    case("item-at-bad", HEAD + '[items."sec.sub.one"]\nat = "noon"\n', "at must be a date and time", 5),
    case("note-a-table", HEAD + '[items."sec.sub.one"]\nnote = { a = 1 }\n', "must be text", 5),
    case("deep", HEAD + "x = " + "[" * 4000 + "]" * 4000 + "\n", "levels deep"),
    case("deep-parseable", HEAD + "x = " + "[" * 50 + "]" * 50 + "\n", "levels deep"),
    case("binary", b"schema = 1\n\x00\x00\x00", "not valid TOML"),
    case("not-utf8", b"schema = 1\nchecklist = \"\xff\"\n", "not UTF-8"),
    case("syntax-error", HEAD + "[items\n", "not valid TOML", 4),
    case("other-checklist", HEAD.replace('"hard"', '"other"'), "belongs to checklist 'other'", 2),
    case("is-a-directory", DIRECTORY, "is a directory"),
]
CASES.append(Case("state-device-too-large", {"c.toml": CHECKLIST},
                  ["--checklist", "{d}/c.toml", "--state", "/dev/zero", "tick", "sec.sub.two"], "too large", "/dev/zero"))
