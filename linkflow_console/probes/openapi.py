"""The API's OpenAPI document (a URL or a local file, YAML or JSON) validates as OpenAPI 3.x."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from linkflow_console.limits import read_regular_text
from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.http import MAX_BODY_BYTES, fetch, response_raw, snippet, truncated


async def load_document(ctx: ProbeContext, location: str) -> tuple[str, str, dict[str, str]]:
    """(text, base URI for relative $refs, raw evidence); unreachable or missing = error."""
    if location.startswith(("http://", "https://")):
        response = await fetch(ctx, location, headers={"Accept": "application/yaml, application/json, */*"})
        if response.status_code != 200:
            raise ProbeError(f"OpenAPI document not loaded: {location} answered {response.status_code}")
        if truncated(response):
            raise ProbeError(f"OpenAPI document not loaded: {location} answered more than "
                             f"{MAX_BODY_BYTES // 2**20} MiB")
        return response.text, location, response_raw(response)
    path = Path(location)
    try:
        text = await asyncio.to_thread(read_regular_text, path, "OpenAPI document")
    except FileNotFoundError:
        raise ProbeError(f"OpenAPI document not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProbeError(f"cannot read OpenAPI document {path}: {exc}") from None
    except ValueError as exc:  # a pipe or device, or too large
        raise ProbeError(f"OpenAPI document not read: {exc}") from None
    return text, path.resolve().as_uri(), {"file": str(path), "bytes": str(len(text.encode()))}


MAX_NODES = 2_000_000  # far above any real API description; a YAML alias bomb expands beyond it


class HostileDocument(ValueError):
    """The document would expand without bound (alias bomb) or refers to itself (cyclic alias)."""


def parse_document(text: str) -> Any:
    """JSON is YAML, so one YAML parser reads both (the C loader when present: large documents)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    expanded_size(document)
    return string_keys(document, {})


def expanded_size(root: Any) -> int:
    """Nodes the document has once YAML aliases are expanded (validators walk the expansion); raises
    HostileDocument past MAX_NODES or on a cycle. Each shared node is counted once per use, computed once."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if not isinstance(node, (dict, list)) or (id(node) in sizes and not children_done):
            continue
        children = [c for c in (node.values() if isinstance(node, dict) else node) if isinstance(c, (dict, list))]
        if children_done:
            in_progress.discard(id(node))
            size = 1 + len(node) + sum(sizes[id(c)] for c in children)
            if size > MAX_NODES:
                raise HostileDocument(f"expands to more than {MAX_NODES:,} nodes (a YAML alias bomb)")
            sizes[id(node)] = size
            continue
        if id(node) in in_progress:
            raise HostileDocument("contains a cyclic YAML alias (a node inside itself)")
        in_progress.add(id(node))
        stack.append((node, True))
        for child in children:
            if id(child) in in_progress:
                raise HostileDocument("contains a cyclic YAML alias (a node inside itself)")
            stack.append((child, False))
    return sizes.get(id(root), 1)


def string_keys(node: Any, done: dict[int, Any]) -> Any:
    """YAML reads `200:` as an int key; OpenAPI means the string "200" (and the validator needs str).
    Shared (aliased) nodes are converted once and stay shared."""
    if not isinstance(node, (dict, list)):
        return node
    if id(node) not in done:
        if isinstance(node, dict):
            done[id(node)] = {str(key): string_keys(value, done) for key, value in node.items()}
        else:
            done[id(node)] = [string_keys(item, done) for item in node]
    return done[id(node)]


def validator_for(version: str) -> Any:
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator, OpenAPIV32SpecValidator

    if version.startswith("3.0"):
        return OpenAPIV30SpecValidator
    if version.startswith("3.1"):
        return OpenAPIV31SpecValidator
    if version.startswith("3.2"):
        return OpenAPIV32SpecValidator
    return None


class ExternalReference(Exception):
    """A $ref this probe does not follow (or that does not resolve): could not tell."""


def _refuse(uri: str) -> Any:
    raise ExternalReference(f"$ref {uri} not followed (a document fetched from a URL may only use "
                            "references inside itself)")


def first_error(document: dict[str, Any], version: str, base_uri: str) -> Any:
    """The validator's first error, or None. References that leave the document are followed only
    for a local file, and only to other local files: a document served by the target must not make
    us read our own files (file:///dev/zero, credentials) or fetch other URLs without our timeout."""
    from jsonschema_path.handlers import default_handlers
    from openapi_spec_validator import OpenAPIV2SpecValidator
    from referencing.exceptions import Unresolvable

    validator_class = validator_for(version) if not version.startswith("2") else OpenAPIV2SpecValidator
    local = base_uri.startswith("file:")
    handlers = {scheme: _refuse for scheme in ("<all_urls>", "http", "https", "file")}
    if local:
        handlers["file"] = default_handlers["file"]
    restricted = type(validator_class.__name__, (validator_class,), {"resolver_handlers": handlers})
    try:
        return next(iter(restricted(document, base_uri=base_uri).iter_errors()), None)
    except ExternalReference:
        raise
    except Unresolvable as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, ExternalReference):
            raise cause from None
        raise ExternalReference(f"$ref {exc} cannot be resolved") from None
    except Exception as exc:  # the validator's own surprises on odd documents: could not tell
        raise ExternalReference(f"the validator stopped: {type(exc).__name__}: {snippet(str(exc), 160)}") from None


def error_path(error: Any) -> str:
    return str(getattr(error, "json_path", "") or "$." + ".".join(map(str, getattr(error, "path", []))))


@probe("http.openapi")
async def openapi_document(ctx: ProbeContext) -> Outcome:
    location = str(ctx.setting("api.openapi"))
    text, base_uri, raw = await load_document(ctx, location)
    try:
        document = await asyncio.to_thread(parse_document, text)
    except HostileDocument as exc:
        return outcome(Status.FAIL, f"OpenAPI document {exc}",
                       [Evidence("parses", "YAML or JSON of bounded size", str(exc), False)], raw=raw)
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
    try:
        error = await asyncio.to_thread(first_error, document, version, base_uri)
    except ExternalReference as exc:
        raise ProbeError(f"OpenAPI {version}: {exc}; could not validate") from None
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
