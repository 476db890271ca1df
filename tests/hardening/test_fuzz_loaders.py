"""Fuzzing the checklist, profile and state loaders through the CLI: whatever the bytes, the
exit is 0 (it loaded) or 2 (refused with a message), never 3 and never a traceback."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening.support import CHECKLIST, PROFILE, STATE

SETTINGS = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
PIECES = st.one_of(
    st.text(st.sampled_from(list('[]{}"\'=.,#\n \\tuxe0123456789-+:TZ_abcdefghijklmnopqrstuvwyz\x00\x1bé\u202e')), min_size=1, max_size=4),
    st.sampled_from(["inf", "nan", "-inf", "1e308", '"', "[[", "\\u001b", "://", "@", "password=", "../"]),
)


@st.composite
def mutated(draw, base: str) -> bytes:
    """`base` with a few characters inserted, deleted or replaced (the malformations people and
    tools actually make), sometimes cut short or with invalid UTF-8 bytes spliced in."""
    text = base
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "repeat"]))
        piece = draw(PIECES)
        if op == "insert":
            text = text[:at] + piece + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)):]
        elif op == "replace":
            text = text[:at] + piece + text[at + len(piece):]
        else:  # a run of one piece: deep nesting, long lines
            text = text[:at] + piece * draw(st.integers(10, 3000)) + text[at:]
    blob = text.encode()
    if draw(st.booleans()) and draw(st.booleans()):
        at = draw(st.integers(0, len(blob)))
        blob = blob[:at] + draw(st.binary(min_size=1, max_size=4)) + blob[at:]
    return blob


def run(files: dict[str, bytes], command: list[str]) -> tuple[int, str]:
    from linkflow_console.cli import main

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, blob in files.items():
            (root / name).write_bytes(blob)
        argv = ["--checklist", str(root / "c.toml"), "--state", str(root / "s.toml")]
        if "p.toml" in files:
            argv += ["--profile", str(root / "p.toml")]
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            try:
                code = main([*argv, *command])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
        return code, err.getvalue()


def assert_clean(code: int, err: str) -> None:
    assert code in (0, 2), err
    assert "Traceback" not in err and "internal error" not in err
    assert "\x1b" not in err


@SETTINGS
@given(mutated(CHECKLIST))
def test_fuzzed_checklist_exits_0_or_2(blob: bytes) -> None:
    assert_clean(*run({"c.toml": blob, "s.toml": STATE.encode()}, ["status"]))


@SETTINGS
@given(mutated(PROFILE + '[api]\nbase_url = "https://api.example.com:8443"\n[postgres]\ndsn = "host=db dbname=x"\n'
               '[redis]\nurl = "redis://r:6379/0"\nsentinels = ["[::1]:26379"]\n'))
def test_fuzzed_profile_exits_0_or_2(blob: bytes) -> None:
    assert_clean(*run({"c.toml": CHECKLIST.encode(), "s.toml": STATE.encode(), "p.toml": blob}, ["status"]))


STATE_FULL = STATE + (
    '\n[[items."sec.sub.one".history]]\naction = "tick"\nby = "alice"\nat = 2026-11-26T09:00:00Z\n'
    '\n[results."http.tls-versions"]\nstatus = "pass"\nsummary = "ok"\nduration_ms = 3.0\n'
    'evidence = [{ label = "TLS 1.0", expected = "refused", actual = "refused", ok = true }]\n'
    '\n[launch]\nt0 = 2026-11-26T09:00:00Z\nstarted_by = "alice"\n'
)


@SETTINGS
@given(mutated(STATE_FULL), st.sampled_from([["status"], ["tick", "sec.sub.two"], ["export", "--format", "json"]]))
def test_fuzzed_state_exits_0_or_2(blob: bytes, command: list[str]) -> None:
    assert_clean(*run({"c.toml": CHECKLIST.encode(), "s.toml": blob}, command))


JSON_LEAF = st.one_of(st.integers(-(2**63), 2**63 - 1), st.floats(), st.booleans(), st.text(max_size=8),
                      st.datetimes(), st.dates())
TOML_VALUES = st.recursive(JSON_LEAF, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                              st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                           max_leaves=12)


@SETTINGS
@given(st.dictionaries(st.sampled_from(["schema", "checklist", "environment", "items", "results", "launch", "x"]),
                       TOML_VALUES, max_size=5))
def test_structured_state_values_exit_0_or_2(data: dict) -> None:
    import tomlkit

    try:
        blob = tomlkit.dumps(data).encode()
    except Exception:  # a value tomlkit cannot write is not a file anyone can hand us
        return
    assert_clean(*run({"c.toml": CHECKLIST.encode(), "s.toml": blob}, ["tick", "sec.sub.two"]))


MARKDOWN = "# Team\n\n## Ops\n\n### Deploy\n\n- [ ] First thing\n  - [x] a child\n- [x] Second thing\n  done by bob, 2026-11-26 09:00 UTC: ok\n"


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(MARKDOWN))
def test_fuzzed_markdown_import_exits_0_or_2(blob: bytes) -> None:
    from linkflow_console.cli import main

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "in.md").write_bytes(blob)
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = main(["import", str(root / "in.md"), "-o", str(root / "out.toml"), "--ticks", "--env", "fuzz",
                         "--state", str(root / "s.toml")])
        assert_clean(code, err.getvalue())
