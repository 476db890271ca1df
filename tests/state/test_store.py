"""State: ticks, notes, N/A, waivers with expiry, comments kept, audit log, corrupt files kept aside."""

import json
import tomllib
from datetime import UTC, date, datetime

import pytest

from linkflow_console.state import record as state_record
from linkflow_console.checklist import load_checklist
from linkflow_console.errors import StateError, UserError
from linkflow_console.paths import bundled_checklist
from linkflow_console.state import StateStore
from linkflow_console.status import Shown, item_view
from tests.conftest import FROZEN, run_cli

ITEM = "security.network.tls-min-version"


@pytest.fixture
def store(state_path, frozen_clock):
    return StateStore(state_path, "production", "test", clock=frozen_clock)


def test_tick_records_who_when_note_and_history(store, state_path):
    state_record.tick(store, ITEM, "alice", "checked with openssl")
    data = tomllib.loads(state_path.read_text())
    entry = data["items"][ITEM]
    assert entry["done"] is True and entry["by"] == "alice" and entry["note"] == "checked with openssl"
    assert entry["at"] == FROZEN
    state_record.untick(store, ITEM, "bob", "regressed")
    state = StateStore(state_path, "production", "test").load()
    assert not state.item(ITEM).done
    assert [h.action for h in state.item(ITEM).history] == ["tick", "untick"]
    assert state.item(ITEM).history[1].by == "bob"


def test_na_and_waiver_need_reasons(store):
    with pytest.raises(UserError, match="reason is required"):
        state_record.set_na(store, ITEM, "alice", "  ")
    with pytest.raises(UserError, match="owner is required"):
        state_record.waive(store, ITEM, "alice", "accepted", "", date(2027, 1, 1))
    with pytest.raises(UserError, match="in the past"):
        state_record.waive(store, ITEM, "alice", "accepted", "bob", date(2020, 1, 1))


def test_expired_waiver_reopens_the_item(store):
    checklist = load_checklist(bundled_checklist())
    item = checklist.get(ITEM)
    state_record.waive(store, ITEM, "alice", "legacy clients until migration", "bob", date(2026, 12, 31))
    assert item_view(item, store.state, date(2026, 12, 31)).shown is Shown.WAIVED
    later = item_view(item, store.state, date(2027, 1, 1))
    assert later.shown is Shown.EXPIRED and later.waiver_expired and not later.complete


def test_comments_a_person_adds_survive_writes(store, state_path):
    state_record.tick(store, ITEM, "alice")
    text = state_path.read_text().replace(f'[items."{ITEM}"]', f'# verified from the bastion\n[items."{ITEM}"]')
    state_path.write_text("# team: platform\n" + text)
    state_record.add_note(store, ITEM, "bob", "again")
    state_record.tick(store, "security.network.cors", "bob")
    after = state_path.read_text()
    assert after.startswith("# team: platform\n")
    assert "# verified from the bastion" in after
    assert tomllib.loads(after)["items"]["security.network.cors"]["done"] is True


def test_every_change_is_in_the_audit_log(store):
    state_record.tick(store, ITEM, "alice")
    state_record.set_na(store, "dr.multi-region.failover-dns", "alice", "single region")
    state_record.waive(store, "security.network.cors", "bob", "frontend on same origin", "carol", date(2027, 1, 1))
    lines = [json.loads(line) for line in store.audit_path.read_text().splitlines()]
    assert [(l["kind"], l["target"], l["by"]) for l in lines] == [
        ("tick", ITEM, "alice"),
        ("na", "dr.multi-region.failover-dns", "alice"),
        ("waive", "security.network.cors", "bob"),
    ]
    assert lines[2]["fields"]["until"] == "2027-01-01" and lines[0]["checklist"] == "production"
    assert lines[0]["at"] == "2026-11-26T09:30:00+00:00" and len({l["id"] for l in lines}) == 3


def test_corrupt_state_is_kept_aside_and_never_overwritten(store, state_path):
    state_record.tick(store, ITEM, "alice")
    broken = state_path.read_text().replace("done = true", "done = tru e")
    state_path.write_text(broken)
    fresh = StateStore(state_path, "production", "test")
    with pytest.raises(StateError) as caught:
        fresh.load()
    assert caught.value.line == broken.splitlines().index("done = tru e") + 1
    kept = list(state_path.parent.glob(state_path.name + ".corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == broken
    with pytest.raises(StateError):
        state_record.tick(fresh, "security.network.cors", "alice")
    assert state_path.read_text() == broken


def test_wrong_value_type_names_the_item_line(store, state_path):
    state_record.tick(store, ITEM, "alice")
    state_path.write_text(state_path.read_text().replace("done = true", 'done = "yes"'))
    with pytest.raises(StateError, match="done must be true or false") as caught:
        StateStore(state_path, "production", "test").load()
    assert caught.value.line is not None


def test_cli_on_corrupt_state_exits_2_and_keeps_file(tmp_path):
    state = tmp_path / "s.toml"
    state.write_text("[items\nbroken")
    result = run_cli("tick", ITEM, "--state", str(state))
    assert result.returncode == 2
    assert f"{state}:1" in result.stderr and "copy is kept" in result.stderr
    assert "Traceback" not in result.stderr
    assert state.read_text() == "[items\nbroken"


def test_atomic_write_leaves_no_temp_files(store, state_path):
    for n in range(5):
        state_record.tick(store, f"security.auth.item-{n}", "alice")
    leftovers = [p.name for p in state_path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_other_writer_is_seen_by_refresh(state_path):
    one = StateStore(state_path, "production", "test")
    two = StateStore(state_path, "production", "test")
    one.load()
    two.load()
    state_record.tick(two, ITEM, "bob")
    assert one.changed_on_disk()
    assert one.refresh_if_changed() and one.state.item(ITEM).done
    assert not one.changed_on_disk()


def test_recorded_results_round_trip(store):
    from linkflow_console.probes.base import Evidence, ProbeResult, Status

    result = ProbeResult(
        "http.tls-versions", Status.FAIL, "server accepts TLS 1.0",
        (Evidence("TLS 1.0", "refused", "accepted", False),), {"negotiated": "TLSv1"}, {}, 12.5,
        datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
    )
    state_record.record_results(store, [result])
    loaded = StateStore(store.path, "production", "test").load().results["http.tls-versions"]
    assert loaded.status is Status.FAIL and loaded.evidence[0].actual == "accepted"
    assert loaded.raw == {"negotiated": "TLSv1"} and loaded.started_at == result.started_at


# -- a hand-edited state file ----------------------------------------------------------------


def test_hand_edited_wrong_type_is_refused_before_anything_is_written(store, state_path):
    """The write path used to apply the change, write the file and the audit line, and only
    then complain that the file was bad ("nothing was written")."""
    state_record.tick(store, ITEM, "alice")
    edited = state_path.read_text().replace("done = true", 'done = "yes"')
    state_path.write_text(edited)
    audit_before = store.audit_path.read_text()
    with pytest.raises(StateError, match="done must be true or false") as caught:
        state_record.tick(StateStore(state_path, "production", "test"), "security.network.cors", "bob")
    assert caught.value.line == edited.splitlines().index('done = "yes"') + 1  # the key's line, not the table's
    assert state_path.read_text() == edited
    assert store.audit_path.read_text() == audit_before


@pytest.mark.parametrize(
    ("entry", "message", "key"),
    [
        ('waiver = { reason = "legacy", owner = "bob" }', "waiver has no 'until' date", "waiver ="),
        ('waiver = { reason = "legacy", owner = "bob", until = "soon" }', "waiver.until must be a date", "waiver ="),
        ('waiver = "yes"', "waiver must be a table", "waiver ="),
        ('at = "yesterday"', "at must be a date and time", "at ="),
    ],
)
def test_hand_edited_bad_values_name_the_line_and_the_fix(state_path, entry, message, key):
    text = f'checklist = "production"\n\n[items."{ITEM}"]\nnote = "x"\n{entry}\n'
    state_path.write_text(text)
    with pytest.raises(StateError, match=message) as caught:
        StateStore(state_path, "production", "test").load()
    assert caught.value.line == 5 and "by hand" in (caught.value.fix or "")
    assert "Error:" not in str(caught.value)  # no Python exception names in a user's message


def test_naive_timestamp_and_bare_date_are_read_as_utc(state_path):
    state_path.write_text(
        f'checklist = "production"\n[items."{ITEM}"]\ndone = true\nat = 2026-11-26T09:30:00\n'
        '[items."security.network.cors"]\nat = 2026-11-20\n'
    )
    state = StateStore(state_path, "production", "test").load()
    assert state.item(ITEM).at == FROZEN
    assert state.item("security.network.cors").at == datetime(2026, 11, 20, tzinfo=UTC)


def test_unknown_items_keys_and_comments_survive_a_write(store, state_path):
    state_path.write_text(
        '# kept: top comment\nchecklist = "production"\nenvironment = "test"\nowner_team = "platform"\n\n'
        '# kept: an item this checklist no longer has\n[items."security.removed-item"]\ndone = true\nextra = 5\n'
    )
    state_record.tick(store, ITEM, "alice")
    after = state_path.read_text()
    data = tomllib.loads(after)
    assert data["owner_team"] == "platform"
    assert data["items"]["security.removed-item"] == {"done": True, "extra": 5}
    assert "# kept: top comment" in after and "# kept: an item this checklist" in after
    assert data["items"][ITEM]["done"] is True


def test_hand_written_inline_tables_get_a_valid_file(store, state_path):
    """tomlkit used to write `x = { ..., history = action = "tick" ... }`: invalid TOML, so the
    very next read found the state corrupt."""
    state_path.write_text(
        'checklist = "production"\n[items]\n'
        f'"{ITEM}" = {{ done = true, by = "ann", history = [{{ action = "tick", by = "ann", at = 2026-11-01T00:00:00Z }}] }}\n'
        '"security.network.cors" = { note = "inline" }\n'
    )
    state_record.untick(store, ITEM, "bob", "regressed")
    state_record.tick(store, "security.network.cors", "bob")
    data = tomllib.loads(state_path.read_text())  # parses
    assert [h["by"] for h in data["items"][ITEM]["history"]] == ["ann", "bob"]
    assert data["items"]["security.network.cors"]["note"] == "inline" and data["items"]["security.network.cors"]["done"]
    state = StateStore(state_path, "production", "test").load()
    assert not state.item(ITEM).done and state.item("security.network.cors").done


def test_top_level_inline_items_table_gets_a_valid_file(store, state_path):
    state_path.write_text(f'items = {{ "{ITEM}" = {{ done = true }} }}\nchecklist = "production"\n')
    state_record.tick(store, "security.network.cors", "bob")
    data = tomllib.loads(state_path.read_text())
    assert data["checklist"] == "production" and data["items"][ITEM] == {"done": True}
    assert data["items"]["security.network.cors"]["done"] is True


def test_comment_only_file_gets_its_header_and_keeps_the_comment(store, state_path):
    state_path.write_text("# started by hand\n")
    state_record.tick(store, ITEM, "alice")
    text = state_path.read_text()
    assert text.startswith("# started by hand\n")
    data = tomllib.loads(text)
    assert (data["checklist"], data["environment"]) == ("production", "test")


def test_state_of_another_environment_is_refused(state_path):
    state_record.tick(StateStore(state_path, "production", "staging"), ITEM, "alice")
    before = state_path.read_text()
    with pytest.raises(StateError, match="environment 'staging', not 'production'") as caught:
        state_record.tick(StateStore(state_path, "production", "production"), "security.network.cors", "bob")
    assert caught.value.line == before.splitlines().index('environment = "staging"') + 1
    assert state_path.read_text() == before


def test_not_utf8_state_is_kept_aside(state_path):
    state_path.write_bytes(b'checklist = "production"\nnote = "\xff\xfe"\n')
    with pytest.raises(StateError, match="not UTF-8") as caught:
        StateStore(state_path, "production", "test").load()
    assert "copy is kept" in str(caught.value)
    assert len(list(state_path.parent.glob(state_path.name + ".corrupt-*"))) == 1


def test_unexpected_end_of_file_names_the_last_line(state_path):
    state_path.write_text('checklist = "production"\nitems = [\n')
    with pytest.raises(StateError) as caught:
        StateStore(state_path, "production", "test").load()
    assert caught.value.line == 2


def test_state_path_that_is_a_directory_is_a_clear_error(tmp_path):
    folder = tmp_path / "state.toml"
    folder.mkdir()
    with pytest.raises(StateError, match="is a directory") as caught:
        StateStore(folder, "production", "test").load()
    assert "--state" in (caught.value.fix or "")


def test_unwritable_state_location_is_a_user_error_and_records_nothing(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a directory should be")
    store = StateStore(blocker / "s.toml", "production", "test")
    with pytest.raises(StateError, match="cannot write the state there") as caught:
        state_record.tick(store, ITEM, "alice")
    assert "LINKFLOW_CONSOLE_DATA" in (caught.value.fix or "")
    assert blocker.read_text() == "a file where a directory should be"


def test_tick_without_a_note_keeps_the_items_note(store):
    state_record.add_note(store, ITEM, "alice", "cert renewed 2026-11-01")
    state_record.tick(store, ITEM, "bob")
    assert store.state.item(ITEM).note == "cert renewed 2026-11-01"
    state_record.untick(store, ITEM, "bob", "cipher list regressed")
    assert store.state.item(ITEM).note == "cipher list regressed"


def test_toml_special_and_unicode_notes_round_trip(store, state_path):
    note = 'he said "ok" ]] [[items]] \\n literal\nsecond line ✓ 日本語 🚀 \t tab # not a comment'
    state_record.tick(store, ITEM, "zoë", note)
    reread = StateStore(state_path, "production", "test").load().item(ITEM)
    assert reread.note == note and reread.by == "zoë" and reread.history[-1].text == note
