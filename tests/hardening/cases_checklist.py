"""Malformed checklists: each is refused with exit 2, naming c.toml (and the line)."""

from tests.hardening.support import CHECKLIST, DIRECTORY, STATE, Case

RUN = ["--checklist", "{d}/c.toml", "--state", "{d}/s.toml", "status"]
ITEM = '[[sections.subsections.items]]\nid = "sec.sub.one"\n'


def case(id: str, text: object, fragment: str, line: int | None = None) -> Case:
    return Case(f"checklist-{id}", {"c.toml": text, "s.toml": STATE}, RUN, fragment, "c.toml", line)


def item(extra: str) -> str:
    """The valid checklist with one more item holding `extra` (from line 22)."""
    return CHECKLIST + '\n[[sections.subsections.items]]\nid = "sec.sub.three"\n' + extra


CASES = [
    case("deep-arrays", "x = " + "[" * 5000 + "]" * 5000 + "\n", "levels deep"),
    case("deep-but-parseable", "x = " + "[" * 60 + "]" * 60 + "\n", "levels deep"),
    case("deep-inline-tables", "x = " + "{a = " * 60 + "1" + "}" * 60 + "\n", "levels deep"),
    case("deep-dotted-header", "[" + ".".join(["a"] * 200) + "]\n", "levels deep"),
    case("deep-dotted-key", ".".join(["k"] * 200) + " = 1\n", "levels deep"),
    case("binary", b"\x00\x01\x02id = 1\x00", "binary file"),
    case("not-utf8", b'id = "\xff\xfe"\n', "not UTF-8"),
    case("empty", "", "has no sections"),
    case("syntax-error", 'id = "hard"\ntitle = "x"\n[[sections]\n', "not valid TOML", 3),
    case("unclosed-array", 'id = "hard"\nx = [1, 2,\n', "not valid TOML", 2),
    case("unclosed-string", 'id = "hard\n', "not valid TOML", 1),
    case("duplicate-item", CHECKLIST.replace('"sec.sub.two"', '"sec.sub.one"'), "duplicate item id", 18),
    case("id-with-slash", CHECKLIST.replace('id = "hard"', 'id = "../../etc/x"'), "not a valid id", 1),
    case("id-trailing-newline", CHECKLIST.replace('id = "hard"', 'id = "hard\\n"'), "not a valid id", 1),
    case("item-id-trailing-newline", CHECKLIST.replace('"sec.sub.two"', '"sec.sub.two\\n"'), "not a valid id"),
    case("id-uppercase", CHECKLIST.replace('id = "hard"', 'id = "Hard"'), "not a valid id", 1),
    case("id-too-long", CHECKLIST.replace('id = "hard"', f'id = "{"h" * 70}"'), "at most 64", 1),
    case("id-not-string", CHECKLIST.replace('id = "hard"', "id = 5"), "must be a string", 1),
    case("text-escape", item('text = "red \\u001b[31m alert"\n'), "control character"),
    case("title-bell", CHECKLIST.replace('title = "Mini"', 'title = "ding \\u0007"'), "control character", 2),
    case("title-c1-csi", CHECKLIST.replace('title = "Sub"', 'title = "x \\u009b2J"'), "control character"),
    case("title-bidi", CHECKLIST.replace('title = "Section"', 'title = "abc \\u202e def"'), "control character"),
    case("unknown-key", CHECKLIST + "colour = \"red\"\n", "unknown key 'colour'", 20),
    case("bad-severity", item('text = "x"\nseverity = "urgent"\n'), "severity 'urgent'", 24),
    case("unknown-probe", item('text = "x"\nprobes = ["nope.never"]\n'), "unknown probe 'nope.never'", 24),
    case("probes-not-list", item('text = "x"\nprobes = "http.tls-versions"\n'), "probes must be a list", 22),
    case("runbook-not-string", item('text = "x"\nrunbook = 5\n'), "runbook must be a string", 22),
    case("empty-text", item('text = "   "\n'), "empty text", 22),
    case("items-not-tables", 'id = "hard"\n[[sections]]\nid = "s"\ntitle = "S"\n[[sections.subsections]]\nid = "u"\ntitle = "U"\nitems = 5\n',
         "must be an array of tables", 8),
    case("subsections-missing", 'id = "hard"\n[[sections]]\nid = "s"\ntitle = "S"\n', "has no subsections"),
    case("sections-not-tables", 'id = "hard"\nsections = [1, 2]\n', "must be an array of tables", 2),
    case("grandchildren", item('text = "x"\n[[sections.subsections.items.children]]\nid = "c.one"\ntext = "c"\n'
                               '[[sections.subsections.items.children.children]]\nid = "c.two"\ntext = "g"\n'),
         "only one level of children"),
    case("is-a-directory", DIRECTORY, "is a directory"),
    case("huge-number-of-levels-in-string", 'id = "hard"\nx = "' + "[" * 100 + '"\n', "unknown key 'x'", 2),
]
CASES.append(Case("checklist-missing", {"s.toml": STATE}, RUN, "not found", "c.toml"))
CASES.append(Case("checklist-device-too-large", {"s.toml": STATE},
                  ["--checklist", "/dev/zero", "--state", "{d}/s.toml", "status"], "too large", "/dev/zero"))
