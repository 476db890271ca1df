"""Malformed imports and flags, and OS errors a user can cause: exit 2 with a fix, never 3."""

from tests.hardening.support import CHECKLIST, DIRECTORY, PROFILE, STATE, Case, Link

MD = "# Team\n\n## Ops\n\n### Deploy\n\n- [ ] First thing\n- [x] Second thing\n"
BASE = ["--checklist", "{d}/c.toml", "--state", "{d}/s.toml"]
VALID = {"c.toml": CHECKLIST, "s.toml": STATE}


def imp(id: str, files: dict, argv: list[str], fragment: str, names: str | None = None, line: int | None = None) -> Case:
    return Case(f"import-{id}", files, ["import", *argv], fragment, names, line)


def flag(id: str, argv: list[str], fragment: str, names: str | None = None, files: dict | None = None, **env: str) -> Case:
    return Case(f"flag-{id}", {**VALID, **(files or {})}, argv, fragment, names, None, env)


CASES = [
    imp("binary", {"in.md": b"\x00\x01PK\x03\x04"}, ["{d}/in.md", "-o", "{d}/out.toml"], "binary file", "in.md"),
    imp("not-utf8", {"in.md": b"# T\n- [ ] caf\xe9\n"}, ["{d}/in.md", "-o", "{d}/out.toml"], "not UTF-8", "in.md"),
    imp("missing", {}, ["{d}/in.md", "-o", "{d}/out.toml"], "not found", "in.md"),
    imp("source-directory", {"in.md": DIRECTORY}, ["{d}/in.md", "-o", "{d}/out.toml"], "is a directory", "in.md"),
    imp("source-device", {}, ["/dev/zero", "-o", "{d}/out.toml"], "too large", "/dev/zero"),
    imp("output-directory", {"in.md": MD, "out.toml": DIRECTORY}, ["{d}/in.md", "-o", "{d}/out.toml", "--force"],
        "directory", "out.toml"),
    imp("output-parent-missing", {"in.md": MD}, ["{d}/in.md", "-o", "{d}/nowhere/out.toml"], "does not exist", "nowhere/out.toml"),
    imp("output-parent-is-file", {"in.md": MD, "f": "x"}, ["{d}/in.md", "-o", "{d}/f/out.toml"], "not a directory", "f/out.toml"),
    imp("output-exists", {"in.md": MD, "out.toml": "keep me"}, ["{d}/in.md", "-o", "{d}/out.toml"], "not replaced", "out.toml"),
    imp("output-disk-full", {"in.md": MD}, ["{d}/in.md", "-o", "/dev/full", "--force", "--id", "team"], "No space left", "/dev/full"),
    imp("id-escapes", {"in.md": MD}, ["{d}/in.md", "-o", "{d}/out.toml", "--id", "../../x"], "not a valid checklist id"),
    imp("id-uppercase", {"in.md": MD}, ["{d}/in.md", "-o", "{d}/out.toml", "--id", "Team"], "not a valid checklist id"),
    imp("id-too-long", {"in.md": MD}, ["{d}/in.md", "-o", "{d}/out.toml", "--id", "t" * 80], "at most 64", "out.toml"),
    imp("no-items", {"in.md": "# Only a title\n\nprose\n"}, ["{d}/in.md", "-o", "{d}/out.toml"], "no '- [ ]' items found", "in.md"),
    imp("item-escape", {"in.md": MD + "- [ ] pwn \x1b]0;title\x07\n"}, ["{d}/in.md", "-o", "{d}/out.toml"],
        "control character", "in.md", 9),
    imp("heading-c1", {"in.md": "# T\n## S \x9b2J\n- [ ] x\n"}, ["{d}/in.md", "-o", "{d}/out.toml"],
        "control character", "in.md", 2),
    imp("output-in-device-dir", {"in.md": MD}, ["{d}/in.md", "-o", "/proc/self/x.toml"], "cannot write", "/proc/self/x.toml"),
    flag("env-escapes", [*BASE, "--env", "../../x", "status"], "cannot name a file"),
    flag("env-empty", [*BASE, "--env", "", "status"], "is empty"),
    flag("env-slash", ["--env", "a/b", "tick", "sec.sub.one"], "cannot name a file"),
    flag("env-trailing-newline", [*BASE, "--env", "prod\n", "status"], "cannot name a file"),
    flag("env-long", ["--env", "e" * 100, "status"], "at most 64"),
    flag("note-escape", [*BASE, "tick", "sec.sub.two", "--note", "ok \x1b]0;pwned\x07"], "control character"),
    flag("note-c1", [*BASE, "note", "sec.sub.two", "a \x9b2J b"], "control character"),
    flag("note-bidi", [*BASE, "note", "sec.sub.two", "a \u202e b"], "control character"),
    flag("reason-escape", [*BASE, "na", "sec.sub.two", "--reason", "\x1b[2J"], "control character"),
    flag("owner-newline", [*BASE, "waive", "sec.sub.two", "--reason", "r", "--owner", "bob\nmallory", "--until", "2099-01-01"],
         "one line"),
    flag("operator-escape", [*BASE, "--operator", "eve\x1b[8m", "tick", "sec.sub.two"], "control character"),
    flag("until-bad", [*BASE, "waive", "sec.sub.two", "--reason", "r", "--owner", "o", "--until", "soon"], "not a date"),
    flag("until-past", [*BASE, "waive", "sec.sub.two", "--reason", "r", "--owner", "o", "--until", "2000-01-01"], "in the past"),
    flag("unknown-item", [*BASE, "tick", "sec.sub.nine"], "unknown item id", "c.toml"),
    flag("data-dir-is-file", ["--checklist", "{d}/c.toml", "--env", "test", "tick", "sec.sub.one"], "not a directory",
         files={"datafile": "x"}, LINKFLOW_CONSOLE_DATA="{d}/datafile"),
    flag("data-dir-unwritable-parent", ["--checklist", "{d}/c.toml", "--env", "test", "tick", "sec.sub.one"], "not a directory",
         files={"datafile": "x"}, LINKFLOW_CONSOLE_DATA="{d}/datafile/sub"),
    flag("state-parent-is-file", ["--checklist", "{d}/c.toml", "--state", "{d}/c.toml/s.toml", "tick", "sec.sub.one"],
         "not a directory", "c.toml/s.toml"),
    flag("export-output-directory", [*BASE, "export", "-o", "{d}/outdir"], "directory", "outdir", files={"outdir": DIRECTORY}),
    flag("export-disk-full", [*BASE, "export", "-o", "/dev/full"], "No space left", "/dev/full"),
    flag("export-parent-missing", [*BASE, "export", "-o", "{d}/no/such/dir/x.md"], "does not exist", "no/such/dir/x.md"),
    flag("check-output-directory", [*BASE, "--profile", "{d}/p.toml", "check", "--only", "sec.sub.one", "-o", "{d}/outdir"],
         "directory", "outdir", files={"outdir": DIRECTORY, "p.toml": PROFILE}),
    flag("checklist-missing", ["--checklist", "{d}/nope.toml", "status"], "not found", "nope.toml"),
    flag("runbooks-missing", [*BASE, "--runbooks", "{d}/nope", "status"], "not found", "nope"),
    flag("launch-log-escape", [*BASE, "launch", "log", "all good \x1b[8m hidden"], "control character"),
    flag("launch-checkin-note-escape", [*BASE, "launch", "checkin", "x@1h", "--note", "\x1b]52;c;Zm9v\x07"], "control character"),
    flag("schedule-deep", [*BASE, "launch", "status", "--schedule", "{d}/sched.toml"], "levels deep", "sched.toml",
         files={"sched.toml": "x = " + "[" * 2000 + "]" * 2000 + "\n"}),
    flag("schedule-binary", [*BASE, "launch", "status", "--schedule", "{d}/sched.toml"], "binary file", "sched.toml",
         files={"sched.toml": b"\x00\x01\x02"}),
    flag("schedule-device", [*BASE, "launch", "status", "--schedule", "/dev/zero"], "too large", "/dev/zero"),
    flag("schedule-not-utf8", [*BASE, "launch", "status", "--schedule", "{d}/sched.toml"], "not UTF-8", "sched.toml",
         files={"sched.toml": b"[due]\ngrace_minutes = \xff\n"}),
    flag("state-symlink-loop", ["--checklist", "{d}/c.toml", "--state", "{d}/loop.toml", "tick", "sec.sub.one"],
         "symbolic links", "loop.toml", files={"loop.toml": Link("loop.toml")}),
    flag("checklist-symlink-loop", ["--checklist", "{d}/loop.toml", "status"], "symbolic links", "loop.toml",
         files={"loop.toml": Link("loop.toml")}),
    flag("profile-runbooks-loop", [*BASE, "--profile", "{d}/p.toml", "status"], "runbook directory not found", "loop",
         files={"loop": Link("loop"), "p.toml": 'name = "test"\nrunbooks = "loop"\n'}),
    flag("export-output-symlink-loop", [*BASE, "export", "-o", "{d}/loop.md"], "symbolic links", "loop.md",
         files={"loop.md": Link("loop.md")}),
    flag("unknown-command", ["frobnicate"], "invalid choice"),
    flag("format-bad", [*BASE, "export", "--format", "pdf"], "invalid choice"),
]
