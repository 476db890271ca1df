"""Work recorded in one environment, opened in another: the session finds it, the CLI says so and
names the command, and `state copy --from-env` carries it over as one audited event."""

from __future__ import annotations

import json
from datetime import date

from linkflow_console.paths import default_state_path
from linkflow_console.probes.base import ProbeResult, Status
from linkflow_console.session import open_session, other_environments_with_work
from linkflow_console.state import record
from linkflow_console.state.backend import carry_over
from tests.conftest import FROZEN, run_cli

ITEM = "security.network.tls-min-version"


def _default_with_work():
    default = open_session(operator="alice", clock=lambda: FROZEN)
    record.tick(default.store, ITEM, "alice", "openssl s_client")
    record.waive(default.store, "security.network.cors", "alice", "same origin", "bob", date(2027, 1, 1))
    record.record_results(default.store, [ProbeResult("http.cors", Status.FAIL, "reflects origins")])
    return default


def test_an_empty_environment_finds_the_one_with_work_and_carries_it_over() -> None:
    default = _default_with_work()
    tiny = open_session(operator="carol", environment="tiny", clock=lambda: FROZEN)
    others = other_environments_with_work(tiny)
    assert [o.environment for o in others] == ["default"]
    assert others[0].location == str(default.store.path)

    event = carry_over(others[0], tiny.store, "carol")
    state = tiny.store.load()
    assert state.item(ITEM).done and state.item(ITEM).by == "alice"  # who ticked it stays who ticked it
    assert state.item("security.network.cors").waiver.owner == "bob"
    assert state.results == {}  # probe results measured the other deployment: not carried
    assert other_environments_with_work(tiny) == []  # it has work now: nothing more to offer
    line = json.loads(tiny.store.audit_path.read_text().splitlines()[-1])
    assert (line["kind"], line["target"], line["by"], line["environment"]) == ("carry-over", "default", "carol", "tiny")
    assert line["fields"]["from_environment"] == "default" and line["fields"]["count"] == 2 == event.fields["count"]


def test_the_cli_names_the_command_and_state_copy_carries_the_work_once() -> None:
    _default_with_work()
    status = run_cli("status", "--env", "tiny")
    assert status.returncode == 0
    assert "state copy --from-env default --env tiny" in status.stderr and "state copy" not in status.stdout
    assert "# environment\ttiny" in status.stdout  # piped: the data names its environment and state once
    assert "environment tiny, state " not in status.stderr

    copied = run_cli("state", "copy", "--from-env", "default", "--env", "tiny", "--operator", "carol")
    assert copied.returncode == 0, copied.stderr
    assert "carried 2 change(s) over from environment 'default'" in copied.stdout
    exported = json.loads(run_cli("export", "--format", "json", "--env", "tiny").stdout)
    done = [i["id"] for s in exported["sections"] for sub in s["subsections"] for i in sub["items"] if i["done"]]
    assert done == [ITEM]
    assert "state copy" not in run_cli("status", "--env", "tiny").stderr

    again = run_cli("state", "copy", "--from-env", "default", "--env", "tiny")
    assert again.returncode == 2 and "carried over already, by carol" in again.stderr and "--again" in again.stderr
    assert default_state_path("production", "tiny").exists()


def test_state_copy_from_an_environment_without_state_is_a_clear_error() -> None:
    result = run_cli("state", "copy", "--from-env", "nowhere", "--env", "tiny")
    assert result.returncode == 2 and "no state for environment 'nowhere'" in result.stderr and "Traceback" not in result.stderr
    same = run_cli("state", "copy", "--from-env", "tiny", "--env", "tiny")
    assert same.returncode == 2 and "is this environment" in same.stderr


def test_a_state_without_an_audit_log_is_carried_over_from_its_items() -> None:
    default = _default_with_work()
    default.store.audit_path.unlink()  # written by hand, or its log lost
    tiny = open_session(operator="carol", environment="tiny", clock=lambda: FROZEN)
    event = carry_over(other_environments_with_work(tiny)[0], tiny.store, "carol")
    assert event is not None and event.fields["count"] == 2
    state = tiny.store.load()
    assert state.item(ITEM).done and state.item(ITEM).by == "alice" and state.item(ITEM).note == "openssl s_client"
    assert state.item("security.network.cors").waiver.until == date(2027, 1, 1)
