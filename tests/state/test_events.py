"""Events: immutable values with a unique id and one JSON shape; the audit log is the event log, and
a state rebuilt from it alone is the same state with the same export."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from linkflow_console.checklist import load_checklist
from linkflow_console.launch import record as launch_record
from linkflow_console.launch.schedule import schedule_for
from linkflow_console.paths import bundled_checklist
from linkflow_console.probes.base import Evidence, ProbeResult, Status
from linkflow_console.reports import export
from linkflow_console.state import StateStore
from linkflow_console.state import events as ev
from linkflow_console.state import record
from linkflow_console.state.apply import fold, state_from_events
from linkflow_console.state.backend import copy_events
from linkflow_console.state.events import Event
from linkflow_console.state.model import build_state
from linkflow_console.status import all_views
from tests.conftest import FROZEN

ITEM = "security.network.tls-min-version"
CHECKIN = "post-launch.first-24h.monitor-error-rates@15m"


def test_an_event_is_immutable_json_with_exactly_the_contract_keys() -> None:
    event = Event.new(ev.WAIVE, ITEM, {"reason": "legacy", "owner": "bob", "until": date(2027, 1, 1)},
                      by="alice", at=FROZEN.replace(microsecond=123), checklist="production", environment="test")
    data = json.loads(event.to_json())
    assert set(data) == {"v", "id", "kind", "target", "fields", "by", "at", "checklist", "environment"}
    assert data["v"] == 1 and data["at"] == "2026-11-26T09:30:00+00:00" and len(data["id"]) == 32
    assert data["fields"] == {"reason": "legacy", "owner": "bob", "until": "2027-01-01"}
    assert Event.from_json(event.to_json()) == event
    with pytest.raises(TypeError):
        event.fields["reason"] = "changed"  # type: ignore[index]
    with pytest.raises(AttributeError):
        event.kind = "tick"  # type: ignore[misc]
    assert Event.new(ev.TICK, ITEM, {}, by="a", at=FROZEN).id != Event.new(ev.TICK, ITEM, {}, by="a", at=FROZEN).id


def test_an_audit_line_from_before_events_reads_as_an_event_with_a_stable_id() -> None:
    line = ('{"at": "2026-11-20T10:00:00+00:00", "action": "waive", "item": "security.network.cors", "by": "bob", '
            '"reason": "same origin", "owner": "carol", "until": "2027-01-01", "checklist": "production", "environment": "test"}')
    event = Event.from_json(line)
    assert (event.kind, event.target, event.by, event.environment) == (ev.WAIVE, "security.network.cors", "bob", "test")
    assert event.field_dict() == {"reason": "same origin", "owner": "carol", "until": "2027-01-01"}
    assert Event.from_json(line).id == event.id
    checkin = Event.from_json('{"at": "2026-11-26T09:45:00+00:00", "action": "launch-checkin", "checkin": "x@15m", "by": "a", "note": ""}')
    assert (checkin.kind, checkin.target) == (ev.CHECKIN_DONE, "x@15m")
    decision = Event.from_json('{"at": "2026-11-26T09:45:00+00:00", "action": "launch-log", "by": "a", "kind": "decision", '
                               '"decision": "go", "text": "clear"}')
    assert decision.kind == ev.DECISION


def test_an_old_state_and_its_old_audit_log_open_unchanged_and_replay_to_the_same_items(state_path) -> None:
    """A state file and audit log written before events existed: the file opens as it is, and
    its audit log alone rebuilds the same items."""
    state_path.write_text(
        "# kept by hand\nschema = 1\nchecklist = \"production\"\nenvironment = \"test\"\n\n"
        f'[items."{ITEM}"]\ndone = true\nby = "alice"\nat = 2026-11-20T09:00:00Z\nnote = "openssl"\n'
        '[[items."' + ITEM + '".history]]\naction = "tick"\nby = "alice"\nat = 2026-11-20T09:00:00Z\ntext = "openssl"\n'
    )
    audit = state_path.with_name("production.test.state.audit.jsonl")
    audit.write_text(json.dumps({"at": "2026-11-20T09:00:00+00:00", "action": "tick", "item": ITEM, "by": "alice",
                                 "note": "openssl", "checklist": "production", "environment": "test"}) + "\n")
    old = StateStore(state_path, "production", "test")
    fresh = StateStore(state_path.with_name("replayed.toml"), "production", "test")
    copy_events(old, fresh)
    assert fresh.load().items == old.load().items
    record.untick(old, ITEM, "bob")  # an old file takes new events; its comment survives
    assert state_path.read_text().startswith("# kept by hand") and not old.state.item(ITEM).done


def _record_a_launch_day(store: StateStore) -> None:
    checklist = load_checklist(bundled_checklist())
    schedule = schedule_for(checklist, bundled_checklist())
    record.tick(store, ITEM, "alice", "checked with openssl")
    record.add_note(store, ITEM, "bob", "cert renewed")
    record.set_na(store, "dr.multi-region.failover-dns", "alice", "single region")
    record.clear_na(store, "dr.multi-region.failover-dns", "carol")
    record.waive(store, "security.network.cors", "bob", "same origin", "carol", date(2027, 1, 1))
    record.waive(store, "security.network.https-redirect", "bob", "edge does it", "dave", date(2027, 2, 1))
    record.unwaive(store, "security.network.https-redirect", "bob")
    record.untick(store, ITEM, "dave", "regressed")
    failing = ProbeResult("http.tls-versions", Status.FAIL, "TLS 1.0 accepted",
                          (Evidence("TLS 1.0", "refused", "accepted", False),), {"negotiated": "TLSv1.3"}, {}, 84.0, FROZEN)
    record.record_results(store, [failing])
    launch_record.start_clock(store, "alice", FROZEN - timedelta(minutes=20))
    launch_record.complete_checkin(store, schedule, CHECKIN, "alice", "0.3 %")
    launch_record.reopen_checkin(store, schedule, CHECKIN, "bob")
    launch_record.complete_checkin(store, schedule, CHECKIN, "bob")
    launch_record.add_log_entry(store, "carol", "incident", "webhook 502s")
    launch_record.add_log_entry(store, "carol", "incident-resolved", "webhooks back")
    launch_record.add_log_entry(store, "dave", "decision", "all clear", "go")
    sample = ProbeResult("prometheus.error-rate", Status.PASS, "ok", values={"error_rate": 0.004}, started_at=FROZEN)
    launch_record.record_samples(store, [sample], {"prometheus.error-rate": [CHECKIN]})


def _export(store: StateStore) -> str:
    checklist = load_checklist(bundled_checklist())
    state = store.load()
    views = all_views(checklist, state, FROZEN.date())
    return export.to_json(checklist, views, state, environment=store.environment, now=FROZEN)


def test_a_state_rebuilt_from_its_audit_log_alone_is_the_same_state_and_export(state_path, frozen_clock) -> None:
    store = StateStore(state_path, "production", "test", clock=frozen_clock)
    _record_a_launch_day(store)
    events, cursor = store.events_since(0)
    assert len(events) == 17 and cursor == store.audit_path.stat().st_size
    assert {e.kind for e in events} == ev.KINDS - {ev.CARRY_OVER}

    replayed = StateStore(state_path.with_name("replayed.state.toml"), "production", "test", clock=frozen_clock)
    for event in events:
        replayed.append(event)
    assert replayed.load() == store.load()
    assert _export(replayed) == _export(store)
    assert '"t0": "2026-11-26T09:10:00+00:00"' in _export(store)  # launch times in ISO 8601 with T

    in_memory = state_from_events(events, checklist="production", environment="test")  # a backend without a file
    assert in_memory == store.state
    assert build_state(dict(fold(events)), "", state_path).items == store.state.items


def test_events_since_a_cursor_gives_only_the_new_ones_and_copying_twice_adds_nothing(state_path, frozen_clock) -> None:
    store = StateStore(state_path, "production", "test", clock=frozen_clock)
    record.tick(store, ITEM, "alice")
    first, cursor = store.events_since(0)
    record.add_note(store, ITEM, "bob", "again")
    later, _ = store.events_since(cursor)
    assert [e.kind for e in first] == ["tick"] and [e.kind for e in later] == ["note"]
    target = StateStore(state_path.with_name("copy.state.toml"), "production", "test", clock=frozen_clock)
    assert copy_events(store, target) == 2
    assert copy_events(store, target) == 0
    assert [e.id for e in target.events_since(0)[0]] == [e.id for e in first + later]


def test_an_event_of_another_environment_is_refused_by_the_file(state_path, frozen_clock) -> None:
    store = StateStore(state_path, "production", "test", clock=frozen_clock)
    stray = Event.new(ev.TICK, ITEM, {}, by="alice", at=FROZEN, checklist="production", environment="staging")
    with pytest.raises(Exception, match="environment 'staging' cannot be recorded"):
        store.append(stray)
    assert not state_path.exists() and not store.audit_path.exists()


def test_a_refused_event_leaves_the_file_and_the_audit_log_untouched(state_path, frozen_clock) -> None:
    store = StateStore(state_path, "production", "test", clock=frozen_clock)
    launch_record.start_clock(store, "alice", FROZEN)
    before = (state_path.read_text(), store.audit_path.read_text())
    with pytest.raises(Exception, match="already started"):
        launch_record.start_clock(store, "bob", FROZEN)
    assert (state_path.read_text(), store.audit_path.read_text()) == before


def test_a_state_and_audit_log_written_by_the_console_before_events_open_and_replay(tmp_path, frozen_clock) -> None:
    """tests/state/data holds a state file and audit log written by the previous release (a full
    launch day). Both open unchanged; the audit log alone rebuilds the same items and launch
    record (old lines carry probe results and samples only as counts: those caches are not rebuilt)."""
    import shutil

    from tests.conftest import REPO

    data = REPO / "tests" / "state" / "data"
    for name in ("production.default.state.toml", "production.default.state.audit.jsonl"):
        shutil.copy(data / name, tmp_path / name)
    old = StateStore(tmp_path / "production.default.state.toml", "production", "default", clock=frozen_clock)
    events, _ = old.events_since(0)
    assert len(events) == 20 and len({e.id for e in events}) == 20
    replayed = StateStore(tmp_path / "replayed.toml", "production", "default", clock=frozen_clock)
    copy_events(old, replayed)
    state, again = old.load(), replayed.load()
    assert again.items == state.items
    assert {k: v for k, v in again.launch.items() if k != "samples"} == {k: v for k, v in state.launch.items() if k != "samples"}
    assert state.results and not again.results
    record.tick(old, "security.network.cors", "erin")  # the old file takes new events
    assert old.load().item("security.network.cors").done and old.state.item(ITEM).history == state.item(ITEM).history


def test_watch_tells_a_change_made_by_another_backend_on_the_same_state(state_path, frozen_clock) -> None:
    mine = StateStore(state_path, "production", "test", clock=frozen_clock)
    theirs = StateStore(state_path, "production", "test", clock=frozen_clock)
    mine.load()
    assert not mine.watch(timeout=0.05, interval=0.01)
    record.tick(theirs, ITEM, "bob")
    assert mine.watch(timeout=1, interval=0.01) and mine.refresh_if_changed()
    assert mine.state.item(ITEM).done and not mine.changed()
