"""A broken checklist gives one clear message naming file:line and the fix; the CLI exits 2."""

from pathlib import Path

import pytest

from linkflow_console.checklist import load_checklist
from linkflow_console.errors import ChecklistError
from tests.conftest import run_cli

GOOD = """\
id = "mini"
title = "Mini"

[[sections]]
id = "sec"
title = "Section"

[[sections.subsections]]
id = "sub"
title = "Sub"

[[sections.subsections.items]]
id = "sec.sub.one"
text = "First"
severity = "blocker"

[[sections.subsections.items]]
id = "sec.sub.two"
text = "Second"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "checklist.toml"
    path.write_text(text)
    return path


def error_for(tmp_path: Path, text: str) -> ChecklistError:
    with pytest.raises(ChecklistError) as caught:
        load_checklist(write(tmp_path, text))
    return caught.value


def test_good_file_loads(tmp_path):
    checklist = load_checklist(write(tmp_path, GOOD))
    assert [i.id for i in checklist.items()] == ["sec.sub.one", "sec.sub.two"]


def test_bad_toml_names_the_line(tmp_path):
    error = error_for(tmp_path, GOOD.replace('text = "Second"', 'text = "Second'))
    assert error.line == 19
    assert "not valid TOML" in error.message


def test_an_array_left_open_at_the_end_names_the_line_it_opened(tmp_path):
    error = error_for(tmp_path, GOOD + 'probes = ["http.cors",\n  "http.tls-versions"\n')
    assert error.line == 20  # where it opened; tomllib itself only says "end of document"
    assert "]" in error.fix


def test_duplicate_id_names_the_second_occurrence(tmp_path):
    error = error_for(tmp_path, GOOD.replace('"sec.sub.two"', '"sec.sub.one"'))
    assert "duplicate item id 'sec.sub.one'" in error.message
    assert error.line == 18
    assert "first at line 13" in error.message


def test_unknown_key(tmp_path):
    error = error_for(tmp_path, GOOD.replace('severity = "blocker"', 'severity = "blocker"\nowner = "bob"'))
    assert "unknown key 'owner'" in error.message
    assert error.line == 16
    assert "allowed keys" in (error.fix or "")


def test_missing_text(tmp_path):
    error = error_for(tmp_path, GOOD.replace('text = "Second"\n', ""))
    assert "missing 'text'" in error.message
    assert error.line == 18


def test_wrong_type(tmp_path):
    error = error_for(tmp_path, GOOD.replace('text = "First"', "text = 42"))
    assert "must be a string" in error.message
    assert error.line == 14


def test_dangling_probe_reference(tmp_path):
    error = error_for(tmp_path, GOOD.replace('severity = "blocker"', 'severity = "blocker"\nprobes = ["http.nope"]'))
    assert "unknown probe 'http.nope'" in error.message
    assert error.line == 16


def test_bad_severity(tmp_path):
    error = error_for(tmp_path, GOOD.replace('"blocker"', '"critical"'))
    assert "severity 'critical'" in error.message and error.line == 15


def test_cli_reports_and_exits_2_without_traceback(tmp_path):
    path = write(tmp_path, GOOD.replace('"sec.sub.two"', '"sec.sub.one"'))
    result = run_cli("status", "--checklist", str(path), "--state", str(tmp_path / "s.toml"))
    assert result.returncode == 2
    assert f"{path}:18" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "fix:" in result.stderr


def test_cli_missing_file_exits_2(tmp_path):
    result = run_cli("status", "--checklist", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert "checklist file not found" in result.stderr


def test_large_checklists_load_from_the_parse_cache_and_survive_a_bad_cache(tmp_path):
    from linkflow_console.checklist import parse_cache

    items = "\n".join(
        f'[[sections.subsections.items]]\nid = "sec.sub.item-{n}"\ntext = "Item number {n} with some words"\n'
        for n in range(2000)
    )
    text = 'id = "big"\ntitle = "Big"\n[[sections]]\nid = "sec"\ntitle = "S"\n[[sections.subsections]]\nid = "sub"\ntitle = "U"\n' + items
    assert len(text) > parse_cache.MIN_CACHED_BYTES
    path = write(tmp_path, text)
    first = load_checklist(path)
    cached = list(parse_cache._cache_file("x").parent.glob("checklist-*.marshal"))
    assert len(cached) == 1
    assert load_checklist(path) == first
    cached[0].write_bytes(parse_cache.FORMAT + b"\x00garbage")
    assert load_checklist(path) == first  # a broken cache is only a parse
    path.write_text(text.replace("Item number 7 ", "Item seven "))
    assert load_checklist(path).get("sec.sub.item-7").text.startswith("Item seven")  # keyed by content


def test_duplicate_section_id(tmp_path):
    text = GOOD + '\n[[sections]]\nid = "sec"\ntitle = "Again"\n\n[[sections.subsections]]\nid = "other"\ntitle = "O"\n\n[[sections.subsections.items]]\nid = "sec.other.x"\ntext = "X"\n'
    err = error_for(tmp_path, text)
    assert "duplicate section id 'sec'" in err.message
    assert err.line == text.splitlines().index('id = "sec"', 5) + 1


def test_duplicate_subsection_id_in_one_section(tmp_path):
    text = GOOD + '\n[[sections.subsections]]\nid = "sub"\ntitle = "Again"\n\n[[sections.subsections.items]]\nid = "sec.sub.three"\ntext = "Third"\n'
    err = error_for(tmp_path, text)
    assert "duplicate subsection id 'sub'" in err.message and err.line is not None


def test_grandchildren_are_refused_not_silently_hidden(tmp_path):
    """They used to load, yet no command could find them (unknown item id)."""
    text = GOOD + '\n[[sections.subsections.items.children]]\nid = "sec.sub.two.c"\ntext = "C"\n\n[[sections.subsections.items.children.children]]\nid = "sec.sub.two.c.d"\ntext = "D"\n'
    err = error_for(tmp_path, text)
    assert "only one level of children" in err.message
    assert err.line == text.splitlines().index('id = "sec.sub.two.c"') + 1


def test_checklist_not_utf8_or_a_directory(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(GOOD.replace("First", "Premi\xe8re").encode("latin-1"))
    with pytest.raises(ChecklistError, match="not UTF-8"):
        load_checklist(path)
    result = run_cli("status", "--checklist", str(tmp_path))
    assert result.returncode == 2 and "is a directory" in result.stderr and "Traceback" not in result.stderr
