"""Import a markdown checklist of the seed's shape into checklist TOML.

Shape: `#` title, `##` sections, `###` subsections, `- [ ]` / `- [x]` items (`*` and `+` bullets
too), nested bullets as children (deeper levels are flattened into the item's children). Items
above any heading go into a section named after the title; items right under a `##` into a
subsection named after the section. Indented lines that are not bullets (notes, as written by
`export`) are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import tomlkit

from linkflow_console.errors import ChecklistError
from linkflow_console.text import refused_control

_ITEM = re.compile(r"^[-*+] \[( |x|X)\] (.+)$")
_CHILD = re.compile(r"^\s{2,}[-*+] (?:\[( |x|X)\] )?(.+)$")
_RUNBOOK_LINK = re.compile(r"\s*\(\[runbook\]\([^)]*\)\)$")  # added by `export --runbook-links`


@dataclass
class ImportedItem:
    text: str
    checked: bool
    line: int
    children: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class ImportedChecklist:
    title: str = "Checklist"
    description: str = ""
    sections: list[tuple[str, list[tuple[str, list[ImportedItem]]]]] = field(default_factory=list)


def slug(text: str, limit: int = 40) -> str:
    import unicodedata

    # accents are dropped (Sécurité -> securite); other scripts and emoji give no letters
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = text.lower().replace("&", " and ").replace("+", " plus ")
    words = re.findall(r"[a-z0-9]+", text)
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    return out or "item"


def parse_markdown(text: str, path: Path) -> ImportedChecklist:
    result = ImportedChecklist()
    description: list[str] = []
    title_seen = False

    def current_items() -> list[ImportedItem]:
        if not result.sections:  # items above any heading
            result.sections.append((result.title if title_seen else "General", []))
        subsections = result.sections[-1][1]
        if not subsections:  # items right under a '##' heading
            subsections.append((result.sections[-1][0], []))
        return subsections[-1][1]

    for number, raw_line in enumerate(text.splitlines(), 1):
        line = raw_line.replace("\t", "    ").rstrip()
        control = refused_control(line, "the line")
        if control:  # it would reach the checklist, then every terminal that shows the item
            raise ChecklistError(control, path=path, line=number, fix="remove the control character from the markdown")
        stripped = line.lstrip("\ufeff")
        if not stripped.strip():
            continue
        if stripped.startswith("# "):
            result.title = stripped[2:].strip() or result.title
            title_seen = True
        elif stripped.startswith("## "):
            result.sections.append((stripped[3:].strip() or f"Section {len(result.sections) + 1}", []))
        elif stripped.startswith("### "):
            if not result.sections:
                result.sections.append((result.title if title_seen else "General", []))
            result.sections[-1][1].append((stripped[4:].strip() or "General", []))
        elif match := _ITEM.match(stripped):
            current_items().append(ImportedItem(_item_text(match.group(2)), match.group(1) in "xX", number))
        elif match := _CHILD.match(line):
            items = result.sections[-1][1][-1][1] if result.sections and result.sections[-1][1] else []
            if not items:
                raise ChecklistError(
                    "nested bullet without an item above it", path=path, line=number,
                    fix="put a '- [ ] item' line above it, or remove its indentation",
                )
            items[-1].children.append((_item_text(match.group(2)), (match.group(1) or " ") in "xX"))
        elif not result.sections and not line.startswith(" "):
            description.append(stripped)
    result.description = " ".join(description)
    if not any(items for _, subs in result.sections for _, items in subs):
        raise ChecklistError("no '- [ ]' items found", path=path, fix="use the shape: ## Section, ### Subsection, - [ ] item")
    return result


def _item_text(text: str) -> str:
    return _RUNBOOK_LINK.sub("", text.strip()).strip() or text.strip()


def to_toml(imported: ImportedChecklist, checklist_id: str) -> tuple[str, dict[str, bool]]:
    """(checklist TOML text, {item id: checked}) with generated, unique, readable ids."""
    doc = tomlkit.document()
    doc.add(tomlkit.comment("Imported by `linkflow-console import`. Ids are generated once: keep them stable."))
    doc.add("id", checklist_id)
    doc.add("title", imported.title)
    if imported.description:
        doc.add("description", imported.description)
    sections = tomlkit.aot()
    checked: dict[str, bool] = {}
    used: set[str] = set()

    def unique(base: str) -> str:
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}-{n}", n + 1
        used.add(candidate)
        return candidate

    for title, subsections in imported.sections:
        section_id = unique(slug(title, 20))
        section = tomlkit.table()
        section.update({"id": section_id, "title": title})
        subs = tomlkit.aot()
        for sub_title, items in subsections:
            sub_id = slug(sub_title, 20)
            subsection = tomlkit.table()
            subsection.update({"id": sub_id, "title": sub_title})
            rows = tomlkit.aot()
            for item in items:
                item_id = unique(f"{section_id}.{sub_id}.{slug(item.text)}")
                checked[item_id] = item.checked
                row = tomlkit.table()
                row.update({"id": item_id, "text": item.text, "severity": "normal"})
                if item.children:
                    children = tomlkit.aot()
                    for child_text, child_checked in item.children:
                        child_id = unique(f"{item_id}.{slug(child_text, 24)}")
                        checked[child_id] = child_checked
                        child = tomlkit.table()
                        child.update({"id": child_id, "text": child_text})
                        children.append(child)
                    row["children"] = children
                rows.append(row)
            subsection["items"] = rows
            subs.append(subsection)
        section["subsections"] = subs
        sections.append(section)
    doc["sections"] = sections
    return tomlkit.dumps(doc), checked
