"""http.openapi: documents from files (tmp_path) and from the LinkFlow-like API over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

from linkflow_console.probes.base import Status
from tests.servers.api import ApiServer, evidence_line, run_with_profile

VALID_30 = """\
openapi: 3.0.3
info:
  title: LinkFlow API
  version: 1.0.0
paths:
  /api/v1/health:
    get:
      responses:
        200:
          description: healthy
  /api/v1/auth/login:
    post:
      responses:
        '401':
          description: bad password
"""
# `responses` must be an object: the validator reports it at $.paths['/api/v1/health'].get.responses
INVALID_30 = VALID_30.replace("      responses:\n        200:\n          description: healthy\n",
                              "      responses: [healthy]\n")
SWAGGER_20 = {"swagger": "2.0", "info": {"title": "old", "version": "1"},
              "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}}


async def run(openapi: str, tmp_path: Path):
    return await run_with_profile("http.openapi", f'[api]\nopenapi = "{openapi}"\n', tmp_path)


async def test_valid_yaml_file_passes_with_version_and_paths(tmp_path: Path) -> None:
    (tmp_path / "openapi.yaml").write_text(VALID_30)
    result = await run("openapi.yaml", tmp_path)
    assert result.status is Status.PASS, result.summary
    assert evidence_line(result, "version").actual == "OpenAPI 3.0.3"
    assert result.values["paths"] == 2


async def test_valid_31_json_file_passes(tmp_path: Path) -> None:
    document = {"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {}}
    (tmp_path / "openapi.json").write_text(json.dumps(document))
    result = await run("openapi.json", tmp_path)
    assert result.status is Status.PASS, result.summary
    assert "3.1.0" in result.summary


async def test_invalid_document_fails_with_json_path(tmp_path: Path) -> None:
    (tmp_path / "openapi.yaml").write_text(INVALID_30)
    result = await run("openapi.yaml", tmp_path)
    assert result.status is Status.FAIL
    assert evidence_line(result, "validation").actual.startswith("$.paths['/api/v1/health'].get.responses")


async def test_missing_required_field_fails(tmp_path: Path) -> None:
    (tmp_path / "openapi.yaml").write_text(VALID_30.replace("  version: 1.0.0\n", ""))
    result = await run("openapi.yaml", tmp_path)
    assert result.status is Status.FAIL
    assert "'version' is a required property" in evidence_line(result, "validation").actual


async def test_swagger_2_warns(tmp_path: Path) -> None:
    (tmp_path / "swagger.json").write_text(json.dumps(SWAGGER_20))
    result = await run("swagger.json", tmp_path)
    assert result.status is Status.WARN
    assert evidence_line(result, "version").actual == "Swagger 2.0"


async def test_broken_yaml_fails(tmp_path: Path) -> None:
    (tmp_path / "openapi.yaml").write_text("openapi: 3.0.3\ninfo: [unclosed\n")
    result = await run("openapi.yaml", tmp_path)
    assert result.status is Status.FAIL
    assert evidence_line(result, "parses").ok is False


async def test_not_openapi_fails(tmp_path: Path) -> None:
    (tmp_path / "openapi.yaml").write_text("name: a docker-compose file\nservices: {}\n")
    result = await run("openapi.yaml", tmp_path)
    assert result.status is Status.FAIL
    assert "version missing" in result.summary


async def test_missing_file_is_error(tmp_path: Path) -> None:
    result = await run("nowhere/openapi.yaml", tmp_path)
    assert result.status is Status.ERROR
    assert "not found" in result.summary


async def test_served_document_passes(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.openapi_text = VALID_30
    result = await run(f"{api.url}/docs/openapi.yaml", tmp_path)
    assert result.status is Status.PASS, result.summary
    assert result.raw["status_code"] == "200"


async def test_served_invalid_document_fails(api: ApiServer, tmp_path: Path) -> None:
    api.behaviour.openapi_text = INVALID_30
    result = await run(f"{api.url}/docs/openapi.yaml", tmp_path)
    assert result.status is Status.FAIL
    assert evidence_line(result, "validation").ok is False


async def test_url_not_served_is_error(api: ApiServer, tmp_path: Path) -> None:
    result = await run(f"{api.url}/docs/openapi.yaml", tmp_path)
    assert result.status is Status.ERROR
    assert "answered 404" in result.summary


async def test_refused_url_is_error(refused_port: int, tmp_path: Path) -> None:
    result = await run(f"http://127.0.0.1:{refused_port}/openapi.yaml", tmp_path)
    assert result.status is Status.ERROR
    assert "cannot connect" in result.summary


ALIAS_BOMB = "openapi: 3.0.3\ninfo: {title: bomb, version: '1'}\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 9)) + "paths: {}\n"


async def test_yaml_alias_bomb_fails_fast_instead_of_expanding(api: ApiServer, tmp_path: Path) -> None:
    # 10**9 nodes once expanded: the converter and the validator would run (and eat memory) far past
    # the probe's timeout, in a thread nobody can stop.
    api.behaviour.openapi_text = ALIAS_BOMB
    result = await run(f"{api.url}/docs/openapi.yaml", tmp_path)
    assert result.status is Status.FAIL, result.summary
    assert "alias bomb" in result.summary


async def test_cyclic_alias_fails_naming_it(tmp_path: Path) -> None:
    (tmp_path / "openapi.yaml").write_text("openapi: 3.0.3\ninfo: {title: t, version: '1'}\nx: &x\n  y: *x\npaths: {}\n")
    result = await run("openapi.yaml", tmp_path)
    assert result.status is Status.FAIL, result.summary
    assert "cyclic YAML alias" in result.summary


async def test_shared_aliases_of_a_real_document_still_validate(tmp_path: Path) -> None:
    document = VALID_30 + "components:\n  responses:\n    Ok: &ok {description: ok}\n    Fine: *ok\n"
    (tmp_path / "openapi.yaml").write_text(document)
    result = await run("openapi.yaml", tmp_path)
    assert result.status is Status.PASS, result.summary


async def test_document_from_a_url_cannot_make_us_read_local_files(api: ApiServer, tmp_path: Path) -> None:
    secret = tmp_path / "local-secret.yaml"
    secret.write_text("description: read from the operator's disk\n")
    api.behaviour.openapi_text = VALID_30.replace(
        "        200:\n          description: healthy\n", f"        200:\n          $ref: '{secret.as_uri()}'\n")
    result = await run(f"{api.url}/docs/openapi.yaml", tmp_path)
    assert result.status is Status.ERROR, result.summary
    assert "not followed" in result.summary or "cannot be resolved" in result.summary


async def test_local_file_may_refer_to_a_sibling_file(tmp_path: Path) -> None:
    (tmp_path / "responses.yaml").write_text("Healthy:\n  description: healthy\n")
    (tmp_path / "openapi.yaml").write_text(VALID_30.replace(
        "        200:\n          description: healthy\n", "        200:\n          $ref: 'responses.yaml#/Healthy'\n"))
    result = await run("openapi.yaml", tmp_path)
    assert result.status is Status.PASS, result.summary


async def test_unresolvable_reference_is_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "openapi.yaml").write_text(VALID_30.replace(
        "        200:\n          description: healthy\n", "        200:\n          $ref: 'missing.yaml#/Healthy'\n"))
    result = await run("openapi.yaml", tmp_path)
    assert result.status is Status.ERROR, result.summary
    assert "unexpectedly" not in result.summary


async def test_a_pipe_or_an_oversized_document_is_error_never_a_hang(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "openapi.yaml")
    result = await run("openapi.yaml", tmp_path)
    assert result.status is Status.ERROR
    assert "not a regular file" in result.summary
    (tmp_path / "openapi.yaml").unlink()
    with (tmp_path / "openapi.yaml").open("wb") as handle:
        handle.truncate(17 * 1024 * 1024)  # sparse: 17 MiB of zeros without writing them
    result = await run("openapi.yaml", tmp_path)
    assert result.status is Status.ERROR
    assert "too large for an OpenAPI document" in result.summary
