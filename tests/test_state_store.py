"""State: ticks, notes, N/A, waivers with expiry, comments kept, audit log, corrupt files kept aside."""

import json
import tomllib
from datetime import UTC, date, datetime

import pytest

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
    store.tick(ITEM, "alice", "checked with openssl")
    data = tomllib.loads(state_path.read_text())
    entry = data["items"][ITEM]
    assert entry["done"] is True and entry["by"] == "alice" and entry["note"] == "checked with openssl"
    assert entry["at"] == FROZEN
    store.untick(ITEM, "bob", "regressed")
    state = StateStore(state_path, "production", "test").load()
    assert not state.item(ITEM).done
    assert [h.action for h in state.item(ITEM).history] == ["tick", "untick"]
    assert state.item(ITEM).history[1].by == "bob"


def test_na_and_waiver_need_reasons(store):
    with pytest.raises(UserError, match="reason is required"):
        store.set_na(ITEM, "alice", "  ")
    with pytest.raises(UserError, match="owner is required"):
        store.waive(ITEM, "alice", "accepted", "", date(2027, 1, 1))
    with pytest.raises(UserError, match="in the past"):
        store.waive(ITEM, "alice", "accepted", "bob", date(2020, 1, 1))


def test_expired_waiver_reopens_the_item(store):
    checklist = load_checklist(bundled_checklist())
    item = checklist.get(ITEM)
    store.waive(ITEM, "alice", "legacy clients until migration", "bob", date(2026, 12, 31))
    assert item_view(item, store.state, date(2026, 12, 31)).shown is Shown.WAIVED
    later = item_view(item, store.state, date(2027, 1, 1))
    assert later.shown is Shown.EXPIRED and later.waiver_expired and not later.complete


def test_comments_a_person_adds_survive_writes(store, state_path):
    store.tick(ITEM, "alice")
    text = state_path.read_text().replace(f'[items."{ITEM}"]', f'# verified from the bastion\n[items."{ITEM}"]')
    state_path.write_text("# team: platform\n" + text)
    store.add_note(ITEM, "bob", "again")
    store.tick("security.network.cors", "bob")
    after = state_path.read_text()
    assert after.startswith("# team: platform\n")
    assert "# verified from the bastion" in after
    assert tomllib.loads(after)["items"]["security.network.cors"]["done"] is True


def test_every_change_is_in_the_audit_log(store):
    store.tick(ITEM, "alice")
    store.set_na("dr.multi-region.failover-dns", "alice", "single region")
    store.waive("security.network.cors", "bob", "frontend on same origin", "carol", date(2027, 1, 1))
    lines = [json.loads(line) for line in store.audit_path.read_text().splitlines()]
    assert [(l["action"], l["item"], l["by"]) for l in lines] == [
        ("tick", ITEM, "alice"),
        ("na", "dr.multi-region.failover-dns", "alice"),
        ("waive", "security.network.cors", "bob"),
    ]
    assert lines[2]["until"] == "2027-01-01" and lines[0]["checklist"] == "production"


def test_corrupt_state_is_kept_aside_and_never_overwritten(store, state_path):
    store.tick(ITEM, "alice")
    broken = state_path.read_text().replace("done = true", "done = tru e")
    state_path.write_text(broken)
    fresh = StateStore(state_path, "production", "test")
    with pytest.raises(StateError) as caught:
        fresh.load()
    assert caught.value.line == broken.splitlines().index("done = tru e") + 1
    kept = list(state_path.parent.glob(state_path.name + ".corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == broken
    with pytest.raises(StateError):
        fresh.tick("security.network.cors", "alice")
    assert state_path.read_text() == broken


def test_wrong_value_type_names_the_item_line(store, state_path):
    store.tick(ITEM, "alice")
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
        store.tick(f"security.auth.item-{n}", "alice")
    leftovers = [p.name for p in state_path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_other_writer_is_seen_by_refresh(state_path):
    one = StateStore(state_path, "production", "test")
    two = StateStore(state_path, "production", "test")
    one.load()
    two.load()
    two.tick(ITEM, "bob")
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
    store.record_results([result])
    loaded = StateStore(store.path, "production", "test").load().results["http.tls-versions"]
    assert loaded.status is Status.FAIL and loaded.evidence[0].actual == "accepted"
    assert loaded.raw == {"negotiated": "TLSv1"} and loaded.started_at == result.started_at
