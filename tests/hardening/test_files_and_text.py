"""State writes keep mode, owner and symlinks; names never leave the data directory; text from
files and people reaches no terminal raw; OS errors a user causes are exit 2."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from linkflow_console.state import record as state_record
from linkflow_console.state import StateStore
from tests.hardening.support import CHECKLIST, STATE, run_main


def test_a_write_keeps_a_group_shared_mode(tmp_path: Path, frozen_clock) -> None:
    path = tmp_path / "s.toml"
    path.write_text(STATE)
    path.chmod(0o660)
    state_record.tick(StateStore(path, "hard", "test", clock=frozen_clock), "sec.sub.two", "bob")
    assert stat.S_IMODE(path.stat().st_mode) == 0o660
    assert "sec.sub.two" in path.read_text()


def test_a_new_state_file_follows_the_umask_not_0600(tmp_path: Path, frozen_clock) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / "new.toml"
        state_record.tick(StateStore(path, "hard", "test", clock=frozen_clock), "sec.sub.one", "bob")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_symlinked_state_is_written_through_and_stays_a_link(tmp_path: Path, frozen_clock) -> None:
    real_dir = tmp_path / "synced"
    real_dir.mkdir()
    real = real_dir / "real.state.toml"
    real.write_text(STATE)
    link = tmp_path / "link.state.toml"
    link.symlink_to(real)
    store = StateStore(link, "hard", "test", clock=frozen_clock)
    state_record.tick(store, "sec.sub.two", "bob", "through the link")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert "through the link" in real.read_text()
    # the lock and the audit log follow the real file: two paths to one file share one lock
    assert (real_dir / "real.state.toml.lock").exists() and not (tmp_path / "link.state.toml.lock").exists()
    assert store.audit_path == real_dir / "real.state.audit.jsonl" and store.audit_path.exists()
    assert not list(tmp_path.glob(".link*")) and not list(real_dir.glob("*.tmp"))


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_a_write_keeps_the_owner(tmp_path: Path, frozen_clock) -> None:
    path = tmp_path / "s.toml"
    path.write_text(STATE)
    os.chown(path, 4321, 4322)
    state_record.tick(StateStore(path, "hard", "test", clock=frozen_clock), "sec.sub.two", "bob")
    assert (path.stat().st_uid, path.stat().st_gid) == (4321, 4322)


def test_a_profile_name_cannot_put_a_state_outside_the_data_directory(tmp_path: Path, capsys, monkeypatch) -> None:
    escape = tmp_path / "elsewhere"
    data = tmp_path / "data" / "deeper"
    monkeypatch.setenv("LINKFLOW_CONSOLE_DATA", str(data))
    (tmp_path / "c.toml").write_text(CHECKLIST)
    profile = tmp_path / "p.toml"
    profile.write_text(f'name = "x/../../../elsewhere/pwned"\n')
    code, _, err = run_main(["--checklist", str(tmp_path / "c.toml"), "--profile", str(profile), "tick", "sec.sub.one"], capsys)
    assert code == 2 and f"{profile}:1" in err
    assert not escape.exists() and not data.exists()


def test_default_state_path_refuses_any_name_that_is_not_a_plain_file_name() -> None:
    from linkflow_console.errors import UserError
    from linkflow_console.paths import data_dir, default_state_path

    assert default_state_path("hard", "prod-eu.1").parent == data_dir()
    for bad in ("", ".", "..", "a/b", "../x", "a\\b", "a\x00b", "x" * 65, "ok\n"):
        with pytest.raises(UserError):
            default_state_path("hard", bad)
    with pytest.raises(UserError):
        default_state_path("../hard", "prod")


def test_markdown_export_escapes_another_consoles_control_characters(tmp_path: Path, capsys) -> None:
    state = tmp_path / "s.toml"
    state.write_text(STATE.replace('note = "checked"', 'note = "ok \\u001b]0;pwned\\u0007 \\u009b2J [red]x[/red]"'))
    (tmp_path / "c.toml").write_text(CHECKLIST)
    code, out, _ = run_main(["--checklist", str(tmp_path / "c.toml"), "--state", str(state), "export"], capsys)
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "ok \\x1b]0;pwned\\x07 \\x9b2J [red]x[/red]" in out  # visible, and markup left as text


def test_status_names_unknown_state_items_without_their_escapes(tmp_path: Path, capsys) -> None:
    state = tmp_path / "s.toml"
    state.write_text(STATE + '\n[items."evil\\u001b[2J"]\ndone = true\n')
    (tmp_path / "c.toml").write_text(CHECKLIST)
    code, out, err = run_main(["--checklist", str(tmp_path / "c.toml"), "--state", str(state), "status"], capsys)
    assert code == 0 and "evil\\x1b[2J" in err and "\x1b" not in err


def test_safe_text_and_rich_text() -> None:
    from rich.console import Console

    from linkflow_console.text import has_control, refused_control, rich_text, safe_text

    assert safe_text("a\x1b[31mb\tc\nd\x7f\u202e") == "a\\x1b[31mb\tc\nd\\x7f\\u202e"
    assert safe_text("a\nb\tc", one_line=True) == "a\\x0ab\\x09c"
    assert safe_text("Sécurité ✓ 日本") == "Sécurité ✓ 日本"
    assert has_control("x\x9b") and not has_control("x\ny")
    assert "position 3" in (refused_control("ab\x1b", "the note") or "")
    console = Console(width=80, record=True, color_system=None, file=open(os.devnull, "w"))
    console.print(rich_text("[bold red]not markup[/] \x1b[2J"))
    assert console.export_text().strip() == "[bold red]not markup[/] \\x1b[2J"


def test_check_report_to_a_full_disk_is_exit_2(tmp_path: Path, capsys) -> None:
    (tmp_path / "c.toml").write_text(CHECKLIST)
    (tmp_path / "p.toml").write_text('name = "test"\n')
    code, _, err = run_main(["--checklist", str(tmp_path / "c.toml"), "--state", str(tmp_path / "s.toml"),
                             "--profile", str(tmp_path / "p.toml"), "check", "--format", "json", "-o", "/dev/full"], capsys)
    assert code == 2 and "/dev/full" in err and "No space left" in err and "fix:" in err


def test_audit_entries_skip_hostile_lines(tmp_path: Path, frozen_clock) -> None:
    store = StateStore(tmp_path / "s.toml", "hard", "test", clock=frozen_clock)
    state_record.tick(store, "sec.sub.one", "bob")
    with store.audit_path.open("a") as handle:
        handle.write("[" * 100000 + "\n")  # json's own recursion limit
        handle.write(json.dumps({"note": "x" * (2 * 1024 * 1024)}) + "\n")
        handle.write("5\n")
    entries = store.audit_entries()
    assert [e["kind"] for e in entries] == ["tick"]


def test_an_unreadable_profile_gets_the_friendly_reader(tmp_path: Path) -> None:
    from linkflow_console.errors import ProfileError
    from linkflow_console.probes.profile import load_profile

    path = tmp_path / "p.toml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert "binary file" in caught.value.message and caught.value.fix and "--profile" in caught.value.fix


def test_junit_report_of_a_hostile_summary_is_valid_xml_without_escapes(tmp_path: Path, frozen_clock) -> None:
    from xml.etree import ElementTree

    from linkflow_console.checklist import load_checklist
    from linkflow_console.paths import bundled_checklist
    from linkflow_console.reports import check as report
    from linkflow_console.state.model import build_state
    from linkflow_console.status import all_views

    text = ('[results."http.tls-versions"]\nstatus = "fail"\nsummary = "bad \\u001b[2J\\u0007 [red]x[/red]"\n'
            'evidence = [{ label = "TLS 1.0\\u001b", expected = "refused", actual = "accepted", ok = false }]\n')
    import tomllib

    state = build_state(tomllib.loads(text), text, tmp_path / "s.toml")
    checklist = load_checklist(bundled_checklist())
    views = all_views(checklist, state, frozen_clock().date())
    xml = report.to_junit(report.rows(checklist, views, None), "test", frozen_clock(), frozen_clock())
    assert "\x1b" not in xml and "\x07" not in xml and "bad \\x1b[2J\\x07 [red]x[/red]" in xml
    ElementTree.fromstring(xml.encode())  # well-formed


def test_rich_markup_in_a_checklist_title_is_shown_not_interpreted(tmp_path: Path, capsys) -> None:
    checklist = tmp_path / "c.toml"
    checklist.write_text(CHECKLIST.replace('title = "Section"', 'title = "Sec [/red] tion"').replace('title = "Mini"', 'title = "[bold]Mini"'))
    code, out, err = run_main(["--checklist", str(checklist), "--state", str(tmp_path / "s.toml"), "status"], capsys)
    assert code == 0, err  # an unbalanced [/red] was a MarkupError: exit 3
    assert "Sec [/red] tion" in out
    code, out, err = run_main(["--checklist", str(checklist), "--state", str(tmp_path / "s.toml"), "status", "--format", "json"], capsys)
    assert code == 0, err
    assert json.loads(out)["checklist"]["title"] == "[bold]Mini"  # the checklist's title, as written


def test_launch_status_shows_a_hand_written_log_entry_without_its_escapes(tmp_path: Path, capsys) -> None:
    state = tmp_path / "s.toml"
    state.write_text(STATE.replace('"hard"', '"production"') + '\n[launch]\nt0 = 2026-11-26T09:00:00Z\nstarted_by = "alice"\n[[launch.log]]\n'
                     'at = 2026-11-26T09:10:00Z\nby = "eve\\u001b[8m"\nkind = "decision"\ndecision = "go"\ntext = "fine\\u001b]0;x\\u0007"\n')
    code, out, err = run_main(["--state", str(state), "launch", "status", "--exit-zero"], capsys)  # the bundled checklist and schedule
    assert code == 0, err  # NO-GO would be exit 1; this test is about the text
    assert "\x1b" not in out and "\x07" not in out and "eve\\x1b[8m" in out
