"""Read and check the source records: the YAML a curator edits.

A data folder holds `dataset.yaml` (metadata), `network.yaml` (the network) and any number of
YAML files in `organisations/` and `places/`. A file holds one record (a mapping) or a list of
records. Everything a later stage relies on is checked here, so that a bad record is reported
as one line naming the file, the record and the field, before any RDF is made.
"""

from __future__ import annotations

import pickle
import re
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from pathlib import Path

from .dates import check_date, parse_date
from .errors import RecordError
from .resources import kinds_file
from .text import forbidden_character, nfc
from .yamlfile import read_yaml

LANGUAGES = ("th", "en")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QID_PATTERN = re.compile(r"^Q[1-9][0-9]*$")
URL_PATTERN = re.compile(r"^https?://[^\s/?#<>\"{}|\\^`]+[^\s<>\"{}|\\^`]*$")
NAME_BASES = ("source", "organisation", "translation")
RECORD_FOLDERS = ("organisations", "places")


def _by_fields(self):
    """Pickle a slotted record as its class and field values: unpickling is then one call,
    not dataclasses' Python `__setstate__` (3x slower; records cross processes in bulk)."""
    cls = type(self)
    fields = _FIELDS.get(cls) or _FIELDS.setdefault(cls, attrgetter(*cls.__slots__))
    return (cls, fields(self))


_FIELDS: dict = {}  # class → attrgetter of its fields, in order: one C call per record


@dataclass(frozen=True, slots=True)  # slots: a registry holds millions
class Source:
    """Where a record comes from; `entry`/`position` quote its line in the source's list."""

    url: str
    entry: str | None = None
    position: int | None = None
    about: tuple[str, ...] = ()
    retrieved: str | None = None  # xsd:date the source was read; Wikidata's S813

    __reduce__ = _by_fields


#: How a QID came into a record (`wikidata: {qid, method, …}`): never guessed.
MATCH_METHODS = ("openrefine-reconciliation", "quickstatements-create", "cited-source")


@dataclass(frozen=True, slots=True)  # slots: a registry holds millions
class WikidataMatch:
    """Who linked a record to its Wikidata item, how and when (and from which source)."""

    qid: str
    method: str
    matched_by: str | None = None
    date: str | None = None
    source: str | None = None

    __reduce__ = _by_fields


@dataclass(frozen=True, slots=True)  # slots: a registry holds millions
class Record:
    """One organisation or place, checked and NFC-normalised."""

    id: str
    kind: str
    name: dict[str, str]
    sources: tuple[Source, ...]
    file: str
    name_en_basis: str | None = None
    alternate_names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    member_of: tuple[str, ...] = ()
    parent: str | None = None
    founded: tuple[str, str] | None = None
    area_served: tuple[str, ...] = ()
    url: str | None = None
    wikidata: str | None = None
    wikidata_match: WikidataMatch | None = None

    __reduce__ = _by_fields

    @property
    def listed(self) -> Source | None:
        """The source whose list names this record, if any."""
        return next((s for s in self.sources if s.entry is not None), None)


@dataclass(frozen=True)
class Kind:
    """A record kind and the classes it is published with (ontology/kinds.yaml)."""

    name: str
    label: dict[str, str]
    types: tuple[str, ...]
    organisation: bool
    wikidata: str | None = None


@dataclass(frozen=True)
class DatasetInfo:
    """The dataset's own metadata (data/dataset.yaml)."""

    title: dict[str, str]
    description: dict[str, str]
    version: str
    base: str
    license: str
    network: str
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Dataset:
    """Every record of a data folder, sorted by id, with its metadata and kinds."""

    info: DatasetInfo
    records: tuple[Record, ...]
    kinds: dict[str, Kind]

    def get(self, record_id: str) -> Record:
        return self._by_id[record_id]

    @cached_property
    def _by_id(self) -> dict[str, Record]:
        return {r.id: r for r in self.records}

    @property
    def network(self) -> Record:
        return self.get(self.info.network)

    @property
    def members(self) -> list[Record]:
        """The network's members in the order of the source list."""
        found = [r for r in self.records if self.info.network in r.member_of]
        return sorted(found, key=lambda r: (r.listed.position if r.listed else 0, r.id))


class _Checker:
    """Checks the fields of one mapping, naming the file, record and field on failure."""

    def __init__(self, data, file, record, allowed, required=()):
        self.file, self.record = file, record
        if not isinstance(data, dict):
            self.fail(f"expected a mapping of fields, got {_kind_of(data)}")
        unknown = data.keys() - allowed
        if unknown:
            self.fail(f"unknown field; allowed fields are: {', '.join(allowed)}",
                      min(map(str, unknown)))
        for name in required:
            if data.get(name) in (None, "", [], {}):
                self.fail("is required but missing or empty", name)
        self.data = data

    def fail(self, message, name=None):
        raise RecordError(message, self.file, self.record, name)

    def text(self, value, name) -> str:
        if not isinstance(value, str):
            self.fail(f"expected text, got {_kind_of(value)}", name)
        bad = forbidden_character(value)
        if bad:
            self.fail(f"contains a control or invisible character ({bad}); remove it", name)
        value = nfc(value.strip())
        if not value:
            self.fail("is empty", name)
        return value

    def url(self, value, name) -> str:
        value = self.text(value, name)
        if not URL_PATTERN.match(value):
            self.fail(f"{value!r} is not an http(s) URL", name)
        return value

    def slug(self, value, name) -> str:
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.fail(f"{value!r} is not an id: use lowercase ASCII letters, digits and single "
                      "hyphens, such as 'mirror-foundation'", name)
        return value

    def slugs(self, value, name) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail(f"expected a list of ids, got {_kind_of(value)}", name)
        return tuple(self.slug(v, f"{name}[{i}]") for i, v in enumerate(value))

    def languages(self, value, name, many=False) -> dict:
        if not isinstance(value, dict):
            self.fail(f"expected a mapping of language to text (th: …, en: …), got "
                      f"{_kind_of(value)}", name)
        out = {}
        for lang, text in value.items():
            if lang not in LANGUAGES:
                self.fail(f"language tag {lang!r} is not one of: {', '.join(LANGUAGES)}",
                          f"{name}.{lang}")
            if many:
                items = [text] if isinstance(text, str) else text
                if not isinstance(items, list):
                    self.fail(f"expected a list of text, got {_kind_of(text)}", f"{name}.{lang}")
                out[lang] = tuple(self.text(t, f"{name}.{lang}[{i}]")
                                  for i, t in enumerate(items))
            else:
                out[lang] = self.text(text, f"{name}.{lang}")
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
            self.fail(f"{value!r} is not a full date: write it as YYYY-MM-DD", name)
        return lexical

    def choice(self, value, name, choices) -> str:
        if value not in choices:
            self.fail(f"{value!r} is not one of: {', '.join(choices)}", name)
        return value

    def sources(self, value, name="sources") -> tuple[Source, ...]:
        if not isinstance(value, list) or not value:
            self.fail("expected a list of sources, each with a url", name)
        found = []
        for i, item in enumerate(value):
            where = f"{name}[{i}]"
            check = _Checker(item, self.file, self.record,
                             ("url", "entry", "position", "about", "retrieved"), ("url",))
            src = check.data
            position = src.get("position")
            if ("entry" in src) != ("position" in src):
                self.fail("'entry' and 'position' go together: the verbatim text of the "
                          "source's list item and its number", where)
            if position is not None and (isinstance(position, bool) or
                                         not isinstance(position, int) or position < 1):
                self.fail(f"expected a list position (1, 2, …), got {position!r}",
                          f"{where}.position")
            about = src.get("about", [])
            if not isinstance(about, list) or not all(isinstance(a, str) for a in about):
                self.fail("expected a list of field names", f"{where}.about")
            found.append(Source(
                url=check.url(src["url"], f"{where}.url"),
                entry=check.text(src["entry"], f"{where}.entry") if "entry" in src else None,
                position=position,
                about=tuple(about),
                retrieved=check.day(src["retrieved"], f"{where}.retrieved")
                if src.get("retrieved") is not None else None,
            ))
        if sum(s.entry is not None for s in found) > 1:
            self.fail("only one source may give the record's list entry", name)
        return tuple(found)


RECORD_FIELDS = ("id", "kind", "name", "name_en_basis", "alternate_names", "description",
                 "member_of", "parent", "founded", "area_served", "url", "wikidata", "sources")


def check_record(data, file, kinds: dict[str, Kind], index: int = 0) -> Record:
    """One record from its YAML mapping, or a RecordError naming what is wrong."""
    label = data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) \
        else f"#{index + 1}"
    c = _Checker(data, file, label, RECORD_FIELDS, ("id", "kind", "name", "sources"))
    d = c.data
    record_id = c.slug(d["id"], "id")
    kind = c.choice(d["kind"], "kind", tuple(kinds))
    name = c.languages(d["name"], "name")
    basis = d.get("name_en_basis")
    if "en" in name and basis is None:
        c.fail("say where the English name comes from: source, organisation or translation",
               "name_en_basis")
    sources = c.sources(d["sources"])
    for src in sources:
        for about in src.about:
            if about.split(".")[0] not in RECORD_FIELDS:
                c.fail(f"{about!r} is not a field of this record", "sources.about")
    return Record(
        id=record_id,
        kind=kind,
        name=name,
        sources=sources,
        file=str(file),
        name_en_basis=c.choice(basis, "name_en_basis", NAME_BASES) if basis else None,
        alternate_names=c.languages(d.get("alternate_names", {}) or {}, "alternate_names",
                                    many=True),
        description=c.languages(d.get("description", {}) or {}, "description"),
        member_of=c.slugs(d.get("member_of", []) or [], "member_of"),
        parent=c.slug(d["parent"], "parent") if d.get("parent") is not None else None,
        founded=check_date(d["founded"], file, record_id, "founded")
        if d.get("founded") is not None else None,
        area_served=c.slugs(d.get("area_served", []) or [], "area_served"),
        url=c.url(d["url"], "url") if d.get("url") is not None else None,
        **_wikidata(c, d.get("wikidata"), sources),
    )


def _qid(c: _Checker, value, name="wikidata") -> str:
    if not isinstance(value, str) or not QID_PATTERN.match(value):
        c.fail(f"{value!r} is not a Wikidata item id such as Q869", name)
    return value


def _wikidata(c: _Checker, value, sources: tuple[Source, ...]) -> dict:
    """`wikidata: Q…` (cited by a source `about: [wikidata]`) or a mapping with provenance."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        qid = _qid(c, value)
        if not any("wikidata" in s.about for s in sources):
            c.fail("a QID needs its provenance: cite it with a source 'about: [wikidata]' or "
                   "write {qid, method, matched_by, date} (see docs/wikidata.md)", "wikidata")
        return {"wikidata": qid}
    m = _Checker(value, c.file, c.record, ("qid", "method", "matched_by", "date", "source"),
                 ("qid", "method"))
    method = m.choice(value["method"], "wikidata.method", MATCH_METHODS)
    if method == "cited-source" and not value.get("source"):
        m.fail("a QID from a cited source needs the source's url", "wikidata.source")
    if method != "cited-source" and not (value.get("matched_by") and value.get("date")):
        m.fail(f"say who matched the QID and when (matched_by, date) for {method}",
               "wikidata")
    match = WikidataMatch(
        qid=_qid(c, value["qid"], "wikidata.qid"),
        method=method,
        matched_by=m.text(value["matched_by"], "wikidata.matched_by")
        if value.get("matched_by") is not None else None,
        date=m.day(value["date"], "wikidata.date") if value.get("date") is not None else None,
        source=m.url(value["source"], "wikidata.source")
        if value.get("source") is not None else None,
    )
    return {"wikidata": match.qid, "wikidata_match": match}


def load_kinds(path: Path | None = None) -> dict[str, Kind]:
    """The record kinds and their classes, from ontology/kinds.yaml."""
    path = path or kinds_file()
    data = read_yaml(path)
    return {name: Kind(name=name, label=spec["label"], types=tuple(spec["types"]),
                       organisation=bool(spec["organisation"]), wikidata=spec.get("wikidata"))
            for name, spec in data.items()}


def check_info(data, file) -> DatasetInfo:
    """The dataset metadata from dataset.yaml."""
    c = _Checker(data, file, "dataset", ("title", "description", "version", "base", "license",
                                         "network", "sources"),
                 ("title", "version", "base", "license", "network", "sources"))
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
        raise RecordError(f"{base!r} is not a base IRI: use an http(s) IRI ending in '/', "
                          "such as https://w3id.org/jitarsa/", file, "dataset", "base")
    return base


def record_files(data_dir: Path) -> list[Path]:
    """The record files of a data folder, in a stable order."""
    files = [data_dir / "network.yaml"]
    for folder in RECORD_FOLDERS:
        files += sorted((data_dir / folder).glob("*.yaml")) + \
            sorted((data_dir / folder).glob("*.yml"))
    return [f for f in files if f.exists()]


def load_dataset(data_dir: Path | str, base: str | None = None, progress=None) -> Dataset:
    """Read, check and cross-check every record of a data folder (`progress`: a
    jitarsa.progress.Progress to report the files read to)."""
    from .progress import SILENT

    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise RecordError("is not a data folder (it should hold dataset.yaml and network.yaml)",
                          data_dir)
    info_file = data_dir / "dataset.yaml"
    if not info_file.exists():
        raise RecordError("is missing: every data folder needs its dataset metadata", info_file)
    info = check_info(read_yaml(info_file), info_file)
    if base is not None:
        info = DatasetInfo(**{**info.__dict__, "base": check_base(base)})
    kinds = load_kinds()
    records: dict[str, Record] = {}
    files = record_files(data_dir)
    with (progress or SILENT).stage("load", len(files), "files") as stage:
        for path, found, error in _read_all(files, kinds):
            for record in found:
                if record.id in records:
                    raise RecordError(f"duplicate id: already used in "
                                      f"{records[record.id].file}", path, record.id, "id")
                records[record.id] = record
            if error is not None:
                raise error
            stage.advance()
    dataset = Dataset(info, tuple(records[k] for k in sorted(records)), kinds)
    _cross_check(dataset, info_file)
    return dataset


#: From this many record files on, two processes read and check them (one file each at a time
#: in order, so errors and duplicates are reported exactly as one process reports them).
PARALLEL_FROM = 16


def _read_files(files: list[Path], kinds: dict[str, Kind]) -> list:
    """(file, its checked records, the RecordError that stopped it or None) for each file, up
    to and including the first failing one."""
    out = []
    for path in files:
        found: list[Record] = []
        try:
            items = read_yaml(path)
            for i, item in enumerate(items if isinstance(items, list) else [items]):
                found.append(check_record(item, path, kinds, i))
        except RecordError as err:
            out.append((path, found, err))
            break
        out.append((path, found, None))
    return out


def _read_all(files: list[Path], kinds: dict[str, Kind]):
    """`_read_files` over every file: in a second process for the last part of a large folder
    (forked, see jitarsa.background), yielding results in file order.

    That process also pickles its records to send them, which this one then unpickles, about a
    tenth of the cost of reading them each: so it takes 46% of the files, not half, and the two
    finish together."""
    from .background import can_fork, forked

    if len(files) < PARALLEL_FROM or not can_fork():
        for path in files:
            yield from _read_files([path], kinds)
        return
    split = len(files) * 54 // 100
    second = forked(_read_pickled, files[split:], kinds)
    try:
        for path in files[:split]:
            result = _read_files([path], kinds)
            yield from result
            if result[-1][2] is not None:
                return
        for data in second():
            yield from pickle.loads(data)
    finally:
        second.cancel()


def _read_pickled(files: list[Path], kinds: dict[str, Kind]) -> list[bytes]:
    """`_read_files`, pickled a file at a time: twice as fast as pickling the whole list at
    once, whose pickler remembers every object it has written."""
    out = []
    for path in files:
        result = _read_files([path], kinds)
        out.append(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
        if result[-1][2] is not None:
            break
    return out


def _cross_check(dataset: Dataset, info_file: Path) -> None:
    """Rules that span records: references resolve, the list has no gaps or repeats."""
    by_id = {r.id: r for r in dataset.records}
    network = by_id.get(dataset.info.network)
    if network is None:
        raise RecordError(f"no record has the id {dataset.info.network!r}", info_file,
                          "dataset", "network")
    positions: dict[int, Record] = {}
    qids: dict[str, Record] = {}
    for r in dataset.records:
        if r.wikidata in qids:
            raise RecordError(f"{r.wikidata} is already the item of {qids[r.wikidata].id!r} "
                              f"({qids[r.wikidata].file}): one item, one record",
                              r.file, r.id, "wikidata")
        if r.wikidata:
            qids[r.wikidata] = r

        def fail(message, name, r=r):
            raise RecordError(message, r.file, r.id, name)
        is_org = dataset.kinds[r.kind].organisation
        for target in r.member_of:
            if target not in by_id or not dataset.kinds[by_id[target].kind].organisation:
                fail(f"{target!r} is not the id of an organisation", "member_of")
        if r.parent is not None:
            if r.parent not in by_id or not dataset.kinds[by_id[r.parent].kind].organisation:
                fail(f"{r.parent!r} is not the id of an organisation", "parent")
            _check_no_cycle(r, by_id)
        for place in r.area_served:
            if place not in by_id or by_id[place].kind != "country":
                fail(f"{place!r} is not the id of a place", "area_served")
        if not is_org and (r.member_of or r.parent):
            fail("a place cannot be a member or have a parent organisation", "kind")
        listed = r.listed
        if listed is not None:
            if dataset.info.network not in r.member_of:
                fail("a record quoted from the member list must be a member of "
                     f"{dataset.info.network!r}", "member_of")
            if listed.position in positions:
                fail(f"list position {listed.position} is already given to "
                     f"{positions[listed.position].id!r}", "sources.position")
            positions[listed.position] = r
        elif dataset.info.network in r.member_of:
            fail("a member of the network must quote its entry in the source's list "
                 "(sources: entry and position)", "sources")


def _check_no_cycle(record: Record, by_id: dict[str, Record]) -> None:
    seen = {record.id}
    current = by_id.get(record.parent)
    while current is not None:
        if current.id in seen:
            raise RecordError(f"parent organisations form a loop through {current.id!r}",
                              record.file, record.id, "parent")
        seen.add(current.id)
        current = by_id.get(current.parent) if current.parent else None


def _kind_of(value) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)
