"""Table-driven: every malformed checklist, profile, state, import and flag ends in exit 2 with
a message naming the file (and line where there is one), and no file is changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hardening import cases_checklist, cases_import_flags, cases_profile, cases_state
from tests.hardening.support import Case, expand, lay_out, run_main, snapshot, unchanged

ALL: list[Case] = [*cases_checklist.CASES, *cases_profile.CASES, *cases_state.CASES, *cases_import_flags.CASES]


def test_there_are_at_least_100_cases_with_unique_ids() -> None:
    ids = [case.id for case in ALL]
    assert len(ids) >= 100 and len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", ALL, ids=[case.id for case in ALL])
def test_malformed_input_is_refused(case: Case, tmp_path: Path, capsys, monkeypatch) -> None:
    root = tmp_path / "case"
    root.mkdir()
    monkeypatch.setenv("LINKFLOW_CONSOLE_DATA", str(tmp_path / "data"))
    for name, value in case.env.items():
        monkeypatch.setenv(name, value.replace("{d}", str(root)))
    lay_out(root, case.files)
    before = snapshot(tmp_path)

    code, out, err = run_main(expand(case.argv, root), capsys)

    assert code == case.code, f"exit {code}, stderr: {err}"
    assert "Traceback" not in err and "internal error" not in err
    assert case.fragment in err
    if case.names:
        named = case.names if case.names.startswith("/") else str(root / case.names)
        where = f"{named}:{case.line}" if case.line else named
        assert where in err, f"{where!r} not in {err!r}"
    assert "\x1b" not in err and "\x9b" not in err  # a refused text is never echoed raw
    assert unchanged(before, snapshot(tmp_path)) == []
    assert not (tmp_path / "data" / "crash.log").exists()
