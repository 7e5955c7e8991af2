"""Checking one YAML mapping into a record: each failure names the file, record and field.

Everything a later stage relies on is checked here, so that a bad record is reported as one
line before any RDF is made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jitarsa.errors import RecordError, shown
from jitarsa.records.dates import check_date, parse_date
from jitarsa.records.model import (
    ENTRY_LANGUAGES,
    ID_PATTERN,
    LANGUAGES,
    MATCH_METHODS,
    MAX_LENGTH,
    MAX_POSITION,
    NAME_BASES,
    QID_PATTERN,
    TH_NAME_BASES,
    URL_PATTERN,
    DatasetInfo,
    Kind,
    Record,
    Source,
    WikidataMatch,
)
from jitarsa.records.text import forbidden_character, nfc, unreadable
from jitarsa.records.yamlfile import NotDecimal, read_yaml
from jitarsa.resources import kinds_file


class _Checker:
    """Checks the fields of one mapping, naming the file, record and field on failure."""

    def __init__(self, data, file, record, allowed, required=()):
        self.file, self.record = file, record
        if not isinstance(data, dict):
            self.fail(f"expected a mapping of fields, got {_kind_of(data)}")
        unknown = data.keys() - allowed
        if unknown:
            self.fail(
                f"unknown field; allowed fields are: {', '.join(allowed)}", min(map(str, unknown))
            )
        for name in required:
            if data.get(name) in (None, "", [], {}):
                self.fail("is required but missing or empty", name)
        self.data = data

    def fail(self, message, name=None):
        raise RecordError(message, self.file, self.record, name)

    def text(self, value, name, limit="text") -> str:
        """Text of at most MAX_LENGTH[limit] characters, without invisible characters, in NFC."""
        if not isinstance(value, str):
            self.fail(f"expected text, got {_kind_of(value)}", name)
        value = value.strip()
        if len(value) > MAX_LENGTH[limit]:
            self.fail(
                f"is {len(value):,} characters long; at most {MAX_LENGTH[limit]:,} are allowed",
                name,
            )
        bad = forbidden_character(value)
        if bad:
            self.fail(f"contains a control or invisible character ({bad}); remove it", name)
        value = nfc(value)
        if not value:
            self.fail("is empty", name)
        problem = unreadable(value)
        if problem:
            self.fail(f"{problem}; write the text as it reads", name)
        return value

    def integer(self, value, name, high: int, what: str) -> int:
        """A whole number from 1 to HIGH, written in plain decimal digits (no 010, 1:20, 1_0:
        see yamlfile.NotDecimal); a number out of range is not quoted, however long."""
        if isinstance(value, NotDecimal):
            self.fail(value.problem, name)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"expected {what} (1, 2, …), got {shown(value)}", name)
        if not 1 <= value <= high:
            self.fail(f"is out of range: {what} is a whole number from 1 to {high:,}", name)
        return value

    def url(self, value, name) -> str:
        value = self.text(value, name, "url")
        if not URL_PATTERN.match(value):
            self.fail(f"{shown(value)} is not an http(s) URL", name)
        return value

    def slug(self, value, name) -> str:
        if isinstance(value, str) and len(value) > MAX_LENGTH["id"]:
            self.fail(
                f"is {len(value):,} characters long; an id has at most {MAX_LENGTH['id']}", name
            )
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.fail(
                f"{shown(value)} is not an id: use lowercase ASCII letters, digits and single "
                "hyphens, such as 'mirror-foundation'",
                name,
            )
        return value

    def slugs(self, value, name) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail(f"expected a list of ids, got {_kind_of(value)}", name)
        return tuple(self.slug(v, f"{name}[{i}]") for i, v in enumerate(value))

    def languages(self, value, name, many=False) -> dict:
        if not isinstance(value, dict):
            self.fail(
                f"expected a mapping of language to text (th: …, en: …), got {_kind_of(value)}",
                name,
            )
        out: dict[str, Any] = {}
        limit = name if name in MAX_LENGTH else "text"
        for lang, text in value.items():
            if lang not in LANGUAGES:
                self.fail(
                    f"language tag {shown(lang)} is not one of: {', '.join(LANGUAGES)}",
                    f"{name}.{lang}",
                )
            if many:
                items = [text] if isinstance(text, str) else text
                if not isinstance(items, list):
                    self.fail(f"expected a list of text, got {_kind_of(text)}", f"{name}.{lang}")
                out[lang] = tuple(
                    self.text(t, f"{name}.{lang}[{i}]", limit) for i, t in enumerate(items)
                )
            else:
                out[lang] = self.text(text, f"{name}.{lang}", limit)
        if len(out) < 2 or tuple(out) == LANGUAGES:
            return out  # already in the order of LANGUAGES, as most records write them
        return {lang: out[lang] for lang in LANGUAGES if lang in out}

    def day(self, value, name) -> str:
        """A full calendar date (xsd:date), such as 2026-11-25."""
        try:
            lexical, datatype = parse_date(value)
        except ValueError as err:
            self.fail(str(err), name)
        if not datatype.endswith("#date"):
            self.fail(f"{shown(value)} is not a full date: write it as YYYY-MM-DD", name)
        return lexical

    def choice(self, value, name, choices) -> str:
        if value not in choices:
            self.fail(f"{shown(value)} is not one of: {', '.join(choices)}", name)
        return value

    def sources(self, value, name="sources") -> tuple[Source, ...]:
        if not isinstance(value, list) or not value:
            self.fail("expected a list of sources, each with a url", name)
        found = []
        for i, item in enumerate(value):
            where = f"{name}[{i}]"
            check = _Checker(
                item,
                self.file,
                self.record,
                ("url", "entry", "position", "about", "retrieved", "entry_language"),
                ("url",),
            )
            src = check.data
            position = src.get("position")
            if ("entry" in src) != ("position" in src):
                self.fail(
                    "'entry' and 'position' go together: the verbatim text of the "
                    "source's list item and its number",
                    where,
                )
            if position is not None:
                self.integer(position, f"{where}.position", MAX_POSITION, "a list position")
            about = src.get("about", [])
            if not isinstance(about, list) or not all(isinstance(a, str) for a in about):
                self.fail("expected a list of field names", f"{where}.about")
            found.append(
                Source(
                    url=check.url(src["url"], f"{where}.url"),
                    entry=check.text(src["entry"], f"{where}.entry", "entry")
                    if "entry" in src
                    else None,
                    position=position,
                    about=tuple(about),
                    retrieved=check.day(src["retrieved"], f"{where}.retrieved")
                    if src.get("retrieved") is not None
                    else None,
                    entry_language=_entry_language(check, src, where),
                )
            )
        listing = [s.url for s in found if s.entry is not None]
        if len(listing) != len(set(listing)):
            self.fail("a source's list names a record once: one entry per source url", name)
        return tuple(found)


RECORD_FIELDS = (
    "id",
    "kind",
    "name",
    "name_en_basis",
    "alternate_names",
    "description",
    "member_of",
    "parent",
    "founded",
    "area_served",
    "url",
    "wikidata",
    "sources",
    "name_th_basis",
    "dissolved",
    "successor",
)


def check_record(data, file, kinds: dict[str, Kind], index: int = 0) -> Record:
    """One record from its YAML mapping, or a RecordError naming what is wrong."""
    label = (
        data.get("id")
        if isinstance(data, dict) and isinstance(data.get("id"), str)
        else f"#{index + 1}"
    )
    c = _Checker(data, file, label, RECORD_FIELDS, ("id", "kind", "name", "sources"))
    d = c.data
    record_id = c.slug(d["id"], "id")
    kind = c.choice(d["kind"], "kind", tuple(kinds))
    name = c.languages(d["name"], "name")
    basis = d.get("name_en_basis")
    if "en" in name and basis is None:
        c.fail(
            "say where the English name comes from: source, organisation, translation or "
            "romanisation",
            "name_en_basis",
        )
    sources = c.sources(d["sources"])
    for src in sources:
        for about in src.about:
            if about.split(".")[0] not in RECORD_FIELDS:
                c.fail(f"{shown(about)} is not a field of this record", "sources.about")
    return Record(
        id=record_id,
        kind=kind,
        name=name,
        sources=sources,
        file=str(file),
        name_en_basis=c.choice(basis, "name_en_basis", NAME_BASES) if basis else None,
        alternate_names=c.languages(
            d.get("alternate_names", {}) or {}, "alternate_names", many=True
        ),
        description=c.languages(d.get("description", {}) or {}, "description"),
        member_of=c.slugs(d.get("member_of", []) or [], "member_of"),
        parent=c.slug(d["parent"], "parent") if d.get("parent") is not None else None,
        founded=check_date(d["founded"], file, record_id, "founded")
        if d.get("founded") is not None
        else None,
        area_served=c.slugs(d.get("area_served", []) or [], "area_served"),
        url=c.url(d["url"], "url") if d.get("url") is not None else None,
        **_wikidata(c, d.get("wikidata"), sources),
        **_name_th_and_end(c, d, name),
    )


def _name_th_and_end(c: _Checker, d: dict, name: dict) -> dict:
    """The basis of the Thai name, and the end of an organisation: its date and successor."""
    out: dict[str, Any] = {}
    if d.get("name_th_basis") is not None:
        if "th" not in name:
            c.fail("there is no Thai name to give a basis for", "name_th_basis")
        out["name_th_basis"] = c.choice(d["name_th_basis"], "name_th_basis", TH_NAME_BASES)
    if d.get("dissolved") is not None:
        out["dissolved"] = check_date(d["dissolved"], c.file, c.record, "dissolved")
    if d.get("successor") is not None:
        if "dissolved" not in out:
            c.fail("an organisation with a successor has ended: say when (dissolved)", "successor")
        out["successor"] = c.slug(d["successor"], "successor")
    return out


def _entry_language(c: _Checker, src: dict, where: str) -> str | None:
    """`entry_language: en` marks a list entry written in English words in Latin script."""
    value = src.get("entry_language")
    if value is None:
        return None
    c.choice(value, f"{where}.entry_language", ENTRY_LANGUAGES)
    if "entry" not in src:
        c.fail("gives the language of a list entry: add the entry", f"{where}.entry_language")
    if Source(url="x", entry=str(src["entry"])).entry_tag == "th":
        c.fail("the entry is in Thai script, which is tagged th", f"{where}.entry_language")
    return value


def _qid(c: _Checker, value, name="wikidata") -> str:
    if not isinstance(value, str) or not QID_PATTERN.match(value):
        c.fail(f"{shown(value)} is not a Wikidata item id such as Q869", name)
    return value


def _wikidata(c: _Checker, value, sources: tuple[Source, ...]) -> dict:
    """`wikidata: Q…` (cited by a source `about: [wikidata]`) or a mapping with provenance."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        qid = _qid(c, value)
        if not any("wikidata" in s.about for s in sources):
            c.fail(
                "a QID needs its provenance: cite it with a source 'about: [wikidata]' or "
                "write {qid, method, matched_by, date} (see docs/wikidata.md)",
                "wikidata",
            )
        return {"wikidata": qid}
    m = _Checker(
        value,
        c.file,
        c.record,
        ("qid", "method", "matched_by", "date", "source"),
        ("qid", "method"),
    )
    method = m.choice(value["method"], "wikidata.method", MATCH_METHODS)
    if method == "cited-source" and not value.get("source"):
        m.fail("a QID from a cited source needs the source's url", "wikidata.source")
    if method != "cited-source" and not (value.get("matched_by") and value.get("date")):
        m.fail(f"say who matched the QID and when (matched_by, date) for {method}", "wikidata")
    match = WikidataMatch(
        qid=_qid(c, value["qid"], "wikidata.qid"),
        method=method,
        matched_by=m.text(value["matched_by"], "wikidata.matched_by")
        if value.get("matched_by") is not None
        else None,
        date=m.day(value["date"], "wikidata.date") if value.get("date") is not None else None,
        source=m.url(value["source"], "wikidata.source")
        if value.get("source") is not None
        else None,
    )
    return {"wikidata": match.qid, "wikidata_match": match}


def load_kinds(path: Path | None = None) -> dict[str, Kind]:
    """The record kinds and their classes, from ontology/kinds.yaml."""
    path = path or kinds_file()
    data = read_yaml(path)
    return {
        name: Kind(
            name=name,
            label=spec["label"],
            types=tuple(spec["types"]),
            organisation=bool(spec["organisation"]),
            wikidata=spec.get("wikidata"),
        )
        for name, spec in data.items()
    }


def check_info(data, file) -> DatasetInfo:
    """The dataset metadata from dataset.yaml."""
    c = _Checker(
        data,
        file,
        "dataset",
        ("title", "description", "version", "base", "license", "network", "sources"),
        ("title", "version", "base", "license", "network", "sources"),
    )
    d = c.data
    return DatasetInfo(
        title=c.languages(d["title"], "title"),
        description=c.languages(d.get("description", {}) or {}, "description"),
        version=c.text(str(d["version"]), "version"),
        base=check_base(d["base"], file),
        license=c.url(d["license"], "license"),
        network=c.slug(d["network"], "network"),
        sources=c.sources(d["sources"]),
    )


def check_base(base, file=None) -> str:
    """A base IRI: http(s), ending in '/' or '#' so that ids can follow it."""
    if not isinstance(base, str) or not URL_PATTERN.match(base) or base[-1] not in "/#":
        raise RecordError(
            f"{shown(base)} is not a base IRI: use an http(s) IRI ending in '/', "
            "such as https://w3id.org/jitarsa/",
            file,
            "dataset",
            "base",
        )
    return base


def _kind_of(value) -> str:
    if value is None:
        return "nothing"
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)
