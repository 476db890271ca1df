"""The API's OpenAPI document (a URL or a local file, YAML or JSON) validates as OpenAPI 3.x."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.http import fetch, response_raw, snippet


async def load_document(ctx: ProbeContext, location: str) -> tuple[str, str, dict[str, str]]:
    """(text, base URI for relative $refs, raw evidence); unreachable or missing = error."""
    if location.startswith(("http://", "https://")):
        response = await fetch(ctx, location, headers={"Accept": "application/yaml, application/json, */*"})
        if response.status_code != 200:
            raise ProbeError(f"OpenAPI document not loaded: {location} answered {response.status_code}")
        return response.text, location, response_raw(response)
    path = Path(location)
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except FileNotFoundError:
        raise ProbeError(f"OpenAPI document not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProbeError(f"cannot read OpenAPI document {path}: {exc}") from None
    return text, path.resolve().as_uri(), {"file": str(path), "bytes": str(len(text.encode()))}


def parse_document(text: str) -> Any:
    """JSON is YAML, so one YAML parser reads both (the C loader when present: large documents)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return string_keys(yaml.load(text, Loader=loader))  # noqa: S506 - a safe loader


def string_keys(node: Any) -> Any:
    """YAML reads `200:` as an int key; OpenAPI means the string "200" (and the validator needs str)."""
    if isinstance(node, dict):
        return {str(key): string_keys(value) for key, value in node.items()}
    if isinstance(node, list):
        return [string_keys(item) for item in node]
    return node


def validator_for(version: str) -> Any:
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator, OpenAPIV32SpecValidator

    if version.startswith("3.0"):
        return OpenAPIV30SpecValidator
    if version.startswith("3.1"):
        return OpenAPIV31SpecValidator
    if version.startswith("3.2"):
        return OpenAPIV32SpecValidator
    return None


def first_error(document: dict[str, Any], version: str, base_uri: str) -> Any:
    from openapi_spec_validator import OpenAPIV2SpecValidator

    validator_class = validator_for(version) if not version.startswith("2") else OpenAPIV2SpecValidator
    return next(iter(validator_class(document, base_uri=base_uri).iter_errors()), None)


def error_path(error: Any) -> str:
    return str(getattr(error, "json_path", "") or "$." + ".".join(map(str, getattr(error, "path", []))))


@probe("http.openapi")
async def openapi_document(ctx: ProbeContext) -> Outcome:
    location = str(ctx.setting("api.openapi"))
    text, base_uri, raw = await load_document(ctx, location)
    try:
        document = await asyncio.to_thread(parse_document, text)
    except Exception as exc:  # yaml.YAMLError; imported lazily, so caught broadly
        problem = " ".join(str(exc).split())
        return outcome(Status.FAIL, f"OpenAPI document is not valid YAML/JSON: {snippet(problem, 200)}",
                       [Evidence("parses", "YAML or JSON", snippet(problem, 200), False)], raw=raw)
    if not isinstance(document, dict):
        return outcome(Status.FAIL, "OpenAPI document is not a mapping",
                       [Evidence("document", "an object", type(document).__name__, False)], raw=raw)
    version = str(document.get("openapi") or document.get("swagger") or "")
    paths = document.get("paths")
    path_count = len(paths) if isinstance(paths, dict) else 0
    version_line = Evidence("version", "OpenAPI 3.x", f"{'Swagger' if 'swagger' in document else 'OpenAPI'} "
                            f"{version or '(none)'}", version.startswith("3"))
    if not version.startswith(("2", "3")) or (version.startswith("3") and validator_for(version) is None):
        return outcome(Status.FAIL, f"not an OpenAPI document: version {version or 'missing'}",
                       [version_line], raw=raw)
    error = await asyncio.to_thread(first_error, document, version, base_uri)
    evidence = [
        version_line,
        Evidence("validation", "no errors",
                 f"{error_path(error)}: {snippet(error.message, 200)}" if error else "no errors", error is None),
        Evidence("paths", "", str(path_count), None),
    ]
    values = {"paths": float(path_count)}
    if version.startswith("2"):
        validity = "valid" if error is None else "invalid"
        return outcome(Status.WARN, f"Swagger {version} ({validity}, {path_count} paths): OpenAPI 3 recommended",
                       evidence, raw=raw, values=values)
    if error is not None:
        return outcome(Status.FAIL, f"OpenAPI {version} invalid at {error_path(error)}: {snippet(error.message, 120)}",
                       evidence, raw=raw, values=values)
    return outcome(Status.PASS, f"OpenAPI {version} valid, {path_count} paths", evidence, raw=raw, values=values)
