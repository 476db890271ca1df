"""Repository probes on releases and documents: a semver tag on the deployed version, a CHANGELOG
entry for it, configuration committed and pushed, an architecture document."""

from __future__ import annotations

import re
from pathlib import Path

from linkflow_console.probes.base import Evidence, Outcome, ProbeError, Status, outcome, probe
from linkflow_console.probes.context import ProbeContext
from linkflow_console.probes.repository.git import Version, git, read_text, root, semver, semver_tags, tracked_files

CHANGELOGS = ("CHANGELOG.md", "CHANGELOG", "CHANGELOG.rst", "CHANGELOG.txt", "CHANGES.md", "CHANGES.rst", "HISTORY.md",
              "NEWS.md", "docs/CHANGELOG.md")
COMPONENTS = {
    "api": r"\bapi\b", "worker": r"\bworkers?\b", "scheduler": r"\bscheduler\b", "PostgreSQL": r"postgres",
    "Redis": r"\bredis\b", "object storage": r"\bs3\b|object storage|minio",
}


async def _deployed_image_tag(ctx: ProbeContext) -> tuple[str, str] | None:
    """(object, tag) of the api image in the manifests, when the profile names manifests."""
    if not ctx.setting("kubernetes.manifests"):
        return None
    from linkflow_console.probes.kubernetes.loader import manifests
    from linkflow_console.probes.kubernetes.objects import containers, role_name, workload

    try:
        found = await manifests(ctx)
    except ProbeError:
        return None  # the manifest probes report why; the tags still tell
    api = workload(found, role_name(ctx, "api"))
    if api is None or not containers(api):
        return None
    image = str(containers(api)[0].get("image", ""))
    tag = image.split("@")[0].rsplit("/", 1)[-1].partition(":")[2]
    return api.ref, tag or "latest"


@probe("repo.version-tag")
async def version_tag(ctx: ProbeContext) -> Outcome:
    tags = await semver_tags(ctx)
    lines = [Evidence("semver tags", ">= 1 (v1.2.3)", f"{len(tags)}, newest {tags[0].tag}" if tags else "none", bool(tags))]
    if not tags:
        return outcome(Status.FAIL, "no semver tag in the repository: releases are not versioned", lines)
    _, at_head = await git(ctx, "tag", "--points-at", "HEAD")
    head_tags = [v for v in (semver(t) for t in at_head.splitlines()) if v]
    deployed = await _deployed_image_tag(ctx)
    raw = {"tags": ", ".join(v.tag for v in tags[:10])}
    if deployed is not None:
        ref, tag = deployed
        known = {v.number for v in tags}
        matches = semver(tag) is not None and semver(tag).number in known  # type: ignore[union-attr]
        lines.append(Evidence(f"{ref} image tag", "a semver tag of this repository", tag, matches))
        if not matches:
            return outcome(Status.FAIL, f"the deployed api image is {tag!r}, not a release tag", lines, raw)
        return outcome(Status.PASS, f"the deployed api image is release {tag}", lines, raw)
    if head_tags:
        lines.append(Evidence("HEAD", "at a semver tag", head_tags[0].tag, True))
        return outcome(Status.PASS, f"HEAD is release {head_tags[0].tag}", lines, raw)
    _, count = await git(ctx, "rev-list", "--count", f"{tags[0].tag}..HEAD")
    lines.append(Evidence("HEAD", "at a semver tag", f"{count.strip()} commit(s) after {tags[0].tag}", False))
    return outcome(Status.WARN, f"HEAD is {count.strip()} commit(s) past {tags[0].tag}: an untagged build", lines, raw)


def entry_line(text: str, version: Version) -> int | None:
    """The line of the changelog heading for `version` (with or without the v; not 1.2.30 for 1.2.3)."""
    pattern = re.compile(rf"(?<![\w.])v?\[?{re.escape(version.number)}\]?(?![\w-]|\.\d)")
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        heading = stripped.startswith(("#", "[", "v", "V", "*", "Release", "release")) or stripped[:1].isdigit()
        if heading and pattern.search(stripped):
            return number
    return None


@probe("repo.changelog")
async def changelog(ctx: ProbeContext) -> Outcome:
    files = set(await tracked_files(ctx))
    path = next((c for c in CHANGELOGS if c in files), None)
    if path is None:
        return outcome(Status.FAIL, "no CHANGELOG committed",
                       [Evidence("changelog", " or ".join(CHANGELOGS[:2]) + "...", "none", False)])
    text = read_text(ctx, path) or ""
    tags = await semver_tags(ctx)
    if not tags:
        return outcome(Status.WARN, f"{path} exists but no semver tag to match it against",
                       [Evidence(path, "an entry for the latest tag", "no semver tag", None)])
    line = entry_line(text, tags[0])
    lines = [Evidence(f"{path} entry for {tags[0].tag}", "a heading for the latest tag",
                      f"line {line}" if line else "missing", line is not None)]
    if line is None:
        return outcome(Status.FAIL, f"{path} has no entry for the latest tag {tags[0].tag}", lines)
    return outcome(Status.PASS, f"{path} records {tags[0].tag} (line {line})", lines)


def _config_paths(ctx: ProbeContext) -> list[str]:
    """Manifest paths inside the repository (what `git status` should find committed)."""
    base = root(ctx).resolve()
    profile_dir = ctx.profile.path.parent if ctx.profile.path else Path.cwd()
    paths = []
    for entry in ctx.setting("kubernetes.manifests") or []:
        if entry == "-":
            continue
        path = (profile_dir / entry).resolve()
        if path.is_relative_to(base):
            paths.append(str(path.relative_to(base)) or ".")
    return paths


@probe("repo.config-in-git")
async def config_in_git(ctx: ProbeContext) -> Outcome:
    _, remotes = await git(ctx, "remote")
    scope = _config_paths(ctx)
    # Untracked files count inside the manifests; across a whole repository they are build output.
    untracked = "--untracked-files=normal" if scope else "--untracked-files=no"
    _, status = await git(ctx, "status", "--porcelain", untracked, "--", *(scope or ["."]))
    changed = [line[3:] for line in status.splitlines() if line.strip()]
    code, ahead = await git(ctx, "rev-list", "--count", "@{upstream}..HEAD", check=False)
    where = ", ".join(scope) if scope else "the repository"
    lines = [
        Evidence("git remote", "at least one (a copy off this machine)", ", ".join(remotes.split()) or "none", bool(remotes.strip())),
        Evidence(f"uncommitted changes in {where}", "none", f"{len(changed)}: {', '.join(changed[:5])}" if changed else "none", not changed),
        Evidence("commits not pushed", "0", ahead.strip() if code == 0 else "no upstream branch", code == 0 and ahead.strip() == "0"),
    ]
    if not remotes.strip():
        return outcome(Status.FAIL, "the configuration repository has no remote: its only copy is this checkout", lines)
    problems = [line.label for line in lines if line.ok is False]
    if problems:
        return outcome(Status.WARN, f"configuration not fully backed up: {', '.join(problems)}", lines)
    return outcome(Status.PASS, f"{where} committed and pushed to {remotes.split()[0]}", lines)


@probe("repo.architecture-doc")
async def architecture_doc(ctx: ProbeContext) -> Outcome:
    files = await tracked_files(ctx)
    docs = [p for p in files if re.search(r"architecture|(^|/)adr/|design", p, re.IGNORECASE) and p.endswith((".md", ".rst", ".adoc", ".txt"))]
    if not docs:
        return outcome(Status.FAIL, "no architecture document committed",
                       [Evidence("architecture document", "ARCHITECTURE.md, docs/architecture*.md or ADRs", "none", False)])
    text = "\n".join(read_text(ctx, p) or "" for p in docs[:20])
    lines = [Evidence("documents", "", ", ".join(docs[:5]))]
    missing = []
    for name, pattern in COMPONENTS.items():
        found = re.search(pattern, text, re.IGNORECASE) is not None
        lines.append(Evidence(f"component {name}", "described", "mentioned" if found else "not mentioned", found))
        if not found:
            missing.append(name)
    if missing:
        return outcome(Status.WARN, f"{docs[0]} does not describe {', '.join(missing)}", lines)
    return outcome(Status.PASS, f"{docs[0]} describes every LinkFlow component", lines)
