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


def _all_items(data):
    def walk(items):
        for item in items:
            yield item
            yield from walk(item["children"])

    return [i for s in data["sections"] for sub in s["subsections"] for i in walk(sub["items"])]


def test_import_odd_shapes(tmp_path):
    source = tmp_path / "odd.md"
    source.write_bytes(
        (
            "- [x] Before any heading\n"
            "# Équipe 🚀 launch\n"
            "## Sécurité 🔒\n"
            "* [X] Chiffrement au repos\n"
            "+ [ ] Plus bullet\n"
            "### Réseau\n"
            "- [x] Same text\n"
            "- [ ] Same text\n"
            "- [ ] 🚀🚀\n"
            "\t- [x] Tabbed child\n"
            "    - [ ] Grandchild\n"
            "- [ ] Linked ([runbook](runbooks/x.md#a))\n"
        ).replace("\n", "\r\n").encode()
    )
    out, state = tmp_path / "odd.toml", tmp_path / "odd.state.toml"
    result = run_cli("import", str(source), "-o", str(out), "--ticks", "--state", str(state))
    assert result.returncode == 0, result.stderr
    checklist = load_checklist(out)
    texts = [i.text for i in checklist.all_items()]
    assert texts == [
        "Before any heading", "Chiffrement au repos", "Plus bullet", "Same text", "Same text", "🚀🚀",
        "Tabbed child", "Grandchild", "Linked",
    ]
    ids = [i.id for i in checklist.all_items()]
    assert len(set(ids)) == len(ids)
    assert "securite.reseau.same-text" in ids and "securite.reseau.same-text-2" in ids  # accents dropped, not mangled
    assert [s.title for s in checklist.sections] == ["General", "Sécurité 🔒"]
    data = json.loads(run_cli("export", "--format", "json", "--checklist", str(out), "--state", str(state)).stdout)
    assert {i["text"] for i in _all_items(data) if i["done"]} == {
        "Before any heading", "Chiffrement au repos", "Same text", "Tabbed child",
    }


def test_export_import_round_trip_keeps_child_ticks_and_multiline_notes(tmp_path):
    source = tmp_path / "team.md"
    source.write_text("# Team\n## Ops\n### Daily\n- [ ] Certs renewed\n  - [ ] staging\n  - [ ] production\n- [ ] Backups\n")
    out, state = tmp_path / "team.toml", tmp_path / "team.state.toml"
    assert run_cli("import", str(source), "-o", str(out)).returncode == 0
    ids = [i.id for i in load_checklist(out).all_items()]
    child = ids[1]
    common = ["--checklist", str(out), "--state", str(state)]
    assert run_cli("tick", child, "--note", 'ok "quoted" ]]\n## not a heading\n- [x] not an item', *common).returncode == 0
    assert run_cli("tick", ids[3], *common).returncode == 0
    md = tmp_path / "export.md"
    assert run_cli("export", "-o", str(md), *common).returncode == 0
    assert "  - [x] staging" in md.read_text()
    again, state2 = tmp_path / "again.toml", tmp_path / "again.state.toml"
    assert run_cli("import", str(md), "-o", str(again), "--ticks", "--state", str(state2)).returncode == 0
    reimported = load_checklist(again)
    assert [i.text for i in reimported.all_items()] == ["Certs renewed", "staging", "production", "Backups"]
    data = json.loads(run_cli("export", "--format", "json", "--checklist", str(again), "--state", str(state2)).stdout)
    assert {i["text"] for i in _all_items(data) if i["done"]} == {"staging", "Backups"}


def test_markdown_export_with_runbook_links_imports_the_plain_texts(tmp_path):
    state = tmp_path / "s.toml"
    assert run_cli("tick", "security.auth.jwt-secret", "--state", str(state)).returncode == 0
    md = tmp_path / "export.md"
    assert run_cli("export", "--runbook-links", "-o", str(md), "--state", str(state)).returncode == 0
    assert "([runbook](" in md.read_text()
    out = tmp_path / "again.toml"
    assert run_cli("import", str(md), "-o", str(out)).returncode == 0
    original = load_checklist(__import__("linkflow_console.paths", fromlist=["x"]).bundled_checklist())
    assert [i.text for i in load_checklist(out).all_items()] == [i.text for i in original.all_items()]


def test_import_never_replaces_an_existing_checklist_without_force(tmp_path):
    source = tmp_path / "team.md"
    source.write_text("# Team\n\n## Ops\n\n### Launch\n\n- [ ] Page the on-call\n")
    out = tmp_path / "team.toml"
    out.write_text("# hand-edited, do not lose\n")
    refused = run_cli("import", str(source), "-o", str(out))
    assert refused.returncode == 2 and "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert out.read_text() == "# hand-edited, do not lose\n"
    assert run_cli("import", str(source), "-o", str(out), "--force").returncode == 0
    assert "Page the on-call" in out.read_text()
