"""An independent parser of QuickStatements V1 lines, as Help:QuickStatements describes them.

Written from the help page, not from jitarsa's code, so that the export is checked against the
grammar rather than against itself. A line is `CREATE`, or `entity TAB command`: a term
(`Lxx`/`Dxx`/`Axx` + quoted text), a sitelink (`Sxxwiki` + quoted title) or a statement
(`Pn value`, then `Pn value` qualifier pairs, then `Sn value` reference pairs).
"""

import re
from dataclasses import dataclass, field

ENTITY = re.compile(r"^(?:LAST|Q[1-9][0-9]*)$")
ITEM = re.compile(r"^Q[1-9][0-9]*$")
TIME = re.compile(r"^[+-]\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/(\d{1,2})$")
STRING = re.compile(r'^"([^"\t\n]*)"$')
MONOLINGUAL = re.compile(r'^([a-z]{2,3}(?:-[a-z0-9]+)*):"([^"\t\n]*)"$')
TERM = re.compile(r"^([LDA])([a-z]{2,3})$")
SITELINK = re.compile(r"^S([a-z_]+wiki)$")
PROPERTY = re.compile(r"^([PS])([1-9][0-9]*)$")

#: The datatype of each property jitarsa may write (checked on wikidata.org, see issue 4).
DATATYPES = {
    "31": "item",
    "17": "item",
    "463": "item",
    "749": "item",
    "527": "item",
    "571": "time",
    "576": "time",
    "1366": "item",
    "813": "time",
    "1448": "monolingual",
    "1813": "monolingual",
    "856": "url",
    "854": "url",
    "4656": "url",
    "143": "item",
    "1810": "string",
}


class V1Error(ValueError):
    pass


@dataclass
class Line:
    entity: str | None  # None for CREATE
    kind: str  # "create", "term" or "statement"
    term: tuple[str, str, str] | None = None  # (L/D/A, language, text)
    prop: str | None = None
    value: tuple | None = None
    reference: list[tuple[str, tuple]] = field(default_factory=list)
    qualifiers: list[tuple[str, tuple]] = field(default_factory=list)
    sitelink: tuple[str, str] | None = None  # (site, title)


def parse_value(text: str, datatype: str) -> tuple:
    if datatype == "item":
        if not ITEM.match(text):
            raise V1Error(f"expected an item, got {text!r}")
        return ("item", text)
    if datatype == "time":
        m = TIME.match(text)
        if not m or int(m.group(1)) not in range(0, 15):
            raise V1Error(f"expected a time +YYYY-MM-DDT00:00:00Z/p, got {text!r}")
        return ("time", text)
    if datatype == "monolingual":
        m = MONOLINGUAL.match(text)
        if not m:
            raise V1Error(f'expected lang:"text", got {text!r}')
        return ("monolingual", m.group(1), m.group(2))
    m = STRING.match(text)
    if not m:
        raise V1Error(f"expected a quoted string, got {text!r}")
    if datatype == "url" and not re.match(r"^https?://\S+$", m.group(1)):
        raise V1Error(f"expected a URL, got {text!r}")
    return ("string", m.group(1))


def parse_line(line: str) -> Line:
    if line == "CREATE":
        return Line(None, "create")
    cells = line.split("\t")
    if len(cells) < 3 or not ENTITY.match(cells[0]):
        raise V1Error(f"not a V1 command: {line!r}")
    term = TERM.match(cells[1])
    if term:
        if len(cells) != 3:
            raise V1Error(f"a term takes one value: {line!r}")
        m = STRING.match(cells[2])
        if not m or not m.group(1).strip():
            raise V1Error(f"a term needs quoted text: {line!r}")
        return Line(cells[0], "term", term=(term.group(1), term.group(2), m.group(1)))
    site = SITELINK.match(cells[1])
    if site:
        m = STRING.match(cells[2]) if len(cells) == 3 else None
        if not m or not m.group(1).strip():
            raise V1Error(f"a sitelink takes one quoted title: {line!r}")
        return Line(cells[0], "sitelink", sitelink=(site.group(1), m.group(1)))
    prop = PROPERTY.match(cells[1])
    if not prop or prop.group(1) != "P":
        raise V1Error(f"expected a property: {line!r}")
    if prop.group(2) not in DATATYPES:
        raise V1Error(f"unexpected property P{prop.group(2)}")
    result = Line(
        cells[0],
        "statement",
        prop="P" + prop.group(2),
        value=parse_value(cells[2], DATATYPES[prop.group(2)]),
    )
    rest = cells[3:]
    if len(rest) % 2:
        raise V1Error(f"reference pairs are incomplete: {line!r}")
    for key, value in zip(rest[::2], rest[1::2], strict=True):
        ref = PROPERTY.match(key)
        if not ref or ref.group(2) not in DATATYPES:
            raise V1Error(f"expected a qualifier P… or a source property S…, got {key!r}")
        pair = ("P" + ref.group(2), parse_value(value, DATATYPES[ref.group(2)]))
        if ref.group(1) == "S":
            result.reference.append(pair)
        elif result.reference:  # qualifiers come before the reference
            raise V1Error(f"a qualifier after the reference: {line!r}")
        else:
            result.qualifiers.append(pair)
    return result


def parse_batch(text: str) -> list[Line]:
    """Every line of a batch; LAST is valid only after a CREATE."""
    if text and not text.endswith("\n"):
        raise V1Error("the batch should end with a newline")
    lines = [parse_line(line) for line in text.splitlines()]
    created = False
    for line in lines:
        created = created or line.kind == "create"
        if line.entity == "LAST" and not created:
            raise V1Error("LAST before any CREATE")
    return lines
