"""Markdown import, markdown/JSON export, and export -> import giving the same ticks."""

import json
from datetime import date

from linkflow_console.checklist import load_checklist
from tests.conftest import run_cli, seed_markdown


def test_import_seed_gives_a_loadable_checklist_with_all_items(tmp_path):
    out = tmp_path / "imported.toml"
    result = run_cli("import", str(seed_markdown()), "-o", str(out))
    assert result.returncode == 0, result.stderr
    checklist = load_checklist(out)
    assert len(list(checklist.items())) == 121
    assert len(checklist.sections) == 10
    key = next(i for i in checklist.items() if i.text == "Key metrics tracked:")
    assert [c.text for c in key.children][0] == "Request latency (p50, p95, p99)"


def test_import_x_boxes_as_ticks(tmp_path):
    source = tmp_path / "team.md"
    source.write_text(
        "# Team list\n\n## Ops\n\n### Daily\n- [x] Backups checked\n- [ ] Certs renewed\n  - staging\n  - production\n"
    )
    out, state = tmp_path / "team.toml", tmp_path / "team.state.toml"
    result = run_cli("import", str(source), "-o", str(out), "--ticks", "--state", str(state), "--operator", "ann")
    assert result.returncode == 0, result.stderr
    assert "recorded 1 ticks" in result.stdout
    exported = run_cli("export", "--format", "json", "--checklist", str(out), "--state", str(state))
    items = json.loads(exported.stdout)["sections"][0]["subsections"][0]["items"]
    assert [(i["text"], i["done"], i["by"]) for i in items] == [("Backups checked", True, "ann"), ("Certs renewed", False, None)]
    assert [c["text"] for c in items[1]["children"]] == ["staging", "production"]


def test_export_markdown_then_import_gives_the_same_ticks(tmp_path):
    state = tmp_path / "s.toml"
    ticked = ["security.network.tls-min-version", "infrastructure.redis.password-auth", "post-launch.first-week.post-mortems"]
    for item in ticked:
        assert run_cli("tick", item, "--note", "verified | by hand", "--state", str(state)).returncode == 0
    run_cli("na", "dr.multi-region.failover-dns", "--reason", "single region", "--state", str(state))
    run_cli("waive", "security.network.cors", "--reason", "same origin", "--owner", "bob", "--until", "2099-01-01", "--state", str(state))
    md = tmp_path / "export.md"
    assert run_cli("export", "--format", "markdown", "-o", str(md), "--state", str(state)).returncode == 0
    text = md.read_text()
    assert "- [x] TLS 1.2+ enforced" in text
    assert "N/A: single region" in text and "waived: same origin (owner bob, until 2099-01-01)" in text
    out, state2 = tmp_path / "again.toml", tmp_path / "again.state.toml"
    assert run_cli("import", str(md), "-o", str(out), "--ticks", "--state", str(state2)).returncode == 0
    reexported = json.loads(run_cli("export", "--format", "json", "--checklist", str(out), "--state", str(state2)).stdout)
    done_texts = {
        i["text"] for s in reexported["sections"] for sub in s["subsections"] for i in sub["items"] if i["done"]
    }
    original = load_checklist(__import__("linkflow_console.paths", fromlist=["x"]).bundled_checklist())
    assert done_texts == {original.get(i).text for i in ticked}


def test_json_export_fields(tmp_path):
    state = tmp_path / "s.toml"
    run_cli("tick", "security.auth.jwt-secret", "--state", str(state), "--operator", "zoe")
    data = json.loads(run_cli("export", "--format", "json", "--state", str(state), "--runbook-links").stdout)
    assert data["format"] == "linkflow-console.export/1"
    assert data["progress"] == {"done": 1, "total": 121}
    item = data["sections"][0]["subsections"][0]["items"][0]
    assert item["id"] == "security.auth.jwt-secret" and item["status"] == "done" and item["by"] == "zoe"
    assert item["history"][0]["action"] == "tick"
    assert item["runbook"].endswith("security-auth.md#security.auth.jwt-secret")
    assert data["sections"][0]["progress"] == {"done": 1, "total": 17}


def test_import_of_a_file_without_items_exits_2(tmp_path):
    source = tmp_path / "empty.md"
    source.write_text("# Nothing\n\nJust prose.\n")
    result = run_cli("import", str(source), "-o", str(tmp_path / "x.toml"))
    assert result.returncode == 2 and "no '- [ ]' items found" in result.stderr
