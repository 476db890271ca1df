"""Reads Kubernetes manifests: files, directories, multi-document YAML, `kind: List` (kubectl get -o
yaml) and `helm template` output on stdin. A document that does not parse is reported with its
file:line as `error` (could not tell), never a crash. PyYAML is imported lazily."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from linkflow_console.errors import UserError
from linkflow_console.probes.base import ProbeError
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.profile import Profile

STDIN = "-"
STDIN_KEY = "kubernetes.stdin"  # set in memory by `check` only; a profile file cannot set it
SUFFIXES = (".yaml", ".yml", ".json")
SKIPPED_DIRS = {".git", "node_modules", "vendor", "charts"}  # charts/: unrendered Helm templates
MAX_FILE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class K8sObject:
    kind: str
    name: str
    namespace: str  # "" when the manifest leaves it to `kubectl apply -n`
    data: dict[str, Any]
    source: str  # file:line of the document (or of the List item's document)

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def labels(self) -> dict[str, str]:
        return _str_map((self.data.get("metadata") or {}).get("labels"))

    @property
    def annotations(self) -> dict[str, str]:
        return _str_map((self.data.get("metadata") or {}).get("annotations"))

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}


@dataclass
class Manifests:
    objects: list[K8sObject] = field(default_factory=list)
    documents: list[tuple[str, Any]] = field(default_factory=list)  # other YAML/JSON (dashboards...)
    sources: list[str] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[K8sObject]:
        return [o for o in self.objects if o.kind in kinds]

    def named(self, name: str, *kinds: str) -> list[K8sObject]:
        return [o for o in self.of_kind(*kinds) if o.name == name]


def _str_map(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


async def manifests(ctx: ProbeContext) -> Manifests:
    """The profile's manifests, read and parsed once per sweep (in a thread: files and YAML)."""
    entries = list(ctx.setting("kubernetes.manifests") or [])
    base = ctx.profile.path.parent if ctx.profile.path else Path.cwd()
    stdin_text = ctx.profile.values.get(STDIN_KEY)
    return await ctx.shared(("kubernetes.manifests",), lambda: asyncio.to_thread(load, entries, base, stdin_text))


def with_stdin(profile: Profile, stream: TextIO) -> Profile:
    """For `check`: when kubernetes.manifests names '-', the profile plus the manifests read from stdin."""
    if STDIN not in (profile.get("kubernetes.manifests") or []):
        return profile
    fix = "pipe them in: helm template deploy/chart | linkflow-console check --profile ..."
    if stream.isatty():
        raise UserError("kubernetes.manifests names '-' (stdin) but stdin is a terminal", path=profile.path, fix=fix)
    try:
        text = stream.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read manifests from stdin: {exc}", path=profile.path, fix=fix) from None
    return Profile({**profile.values, STDIN_KEY: text}, profile.path)


def load(entries: list[str], base: Path, stdin_text: str | None = None) -> Manifests:
    found = Manifests()
    for entry in entries:
        if entry == STDIN:
            if stdin_text is None:
                raise ProbeError(
                    "kubernetes.manifests '-' reads standard input, which only `check` does: "
                    "pipe them in (helm template . | linkflow-console check --profile ...) or name files"
                )
            _parse_into(found, stdin_text, "<stdin>")
            continue
        path = Path(entry) if Path(entry).is_absolute() else base / entry
        if not path.exists():
            raise ProbeError(f"kubernetes.manifests: {path} not found")
        for file in _files(path):
            _parse_into(found, _read(file), str(file))
    if not found.objects:
        raise ProbeError(f"no Kubernetes objects in kubernetes.manifests ({', '.join(entries) or 'empty list'})")
    return found


def _files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    for child in sorted(path.iterdir()):
        if child.is_dir() and child.name not in SKIPPED_DIRS and not child.name.startswith("."):
            yield from _files(child)
        elif child.is_file() and child.suffix.lower() in SUFFIXES:
            yield child


def _read(file: Path) -> str:
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise ProbeError(f"{file}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; not read")
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ProbeError(f"{file}: not UTF-8 text; fix the file or remove it from kubernetes.manifests") from None
    except OSError as exc:
        raise ProbeError(f"{file}: cannot read: {exc.strerror or exc}") from None


def parse_documents(text: str, source: str) -> Iterator[tuple[int, Any]]:
    """(1-based start line, value) per YAML document; a syntax error is ProbeError naming file:line."""
    import yaml

    from linkflow_console.probes.openapi import HostileDocument, expanded_size

    loader = yaml.SafeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            line = node.start_mark.line + 1
            value = loader.construct_document(node)
            try:
                expanded_size(value)
            except HostileDocument as exc:
                raise ProbeError(f"{source}:{line}: {exc}") from None
            yield line, value
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}" if mark else source
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        fix = ("a Helm template: render it (helm template ...) and list the output" if "{{" in text
               else "fix the file or remove it from kubernetes.manifests")
        raise ProbeError(f"{where}: YAML does not parse: {problem}; {fix}") from None
    except yaml.YAMLError as exc:
        raise ProbeError(f"{source}: YAML does not parse: {exc}") from None
    finally:
        loader.dispose()


def _parse_into(found: Manifests, text: str, source: str) -> None:
    found.sources.append(source)
    for line, document in parse_documents(text, source):
        where = f"{source}:{line}"
        for value in _flatten(document):
            obj = _object(value, where)
            if obj is not None:
                found.objects.append(obj)
            elif value is not None:
                found.documents.append((where, value))


def _flatten(document: Any) -> Iterator[Any]:
    """`kind: List` (and `DeploymentList`...) from kubectl get -o yaml holds objects in `items`."""
    if isinstance(document, dict) and str(document.get("kind", "")).endswith("List") and isinstance(document.get("items"), list):
        for item in document["items"]:
            yield from _flatten(item)
    else:
        yield document


def _object(value: Any, where: str) -> K8sObject | None:
    if not isinstance(value, dict) or not isinstance(value.get("kind"), str) or "apiVersion" not in value:
        return None
    metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
    return K8sObject(value["kind"], str(metadata.get("name", "")), str(metadata.get("namespace") or ""), value, where)
