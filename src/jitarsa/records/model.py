"""The record model: what a checked record, its sources and its data folder hold.

Plain frozen dataclasses, no I/O: every later stage reads these and nothing else of the YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from pathlib import Path

LANGUAGES = ("th", "en")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")
#: A Wikidata item id: Q and 1-10 digits, no leading zero (items are numbered from Q1 and are
#: far below Q10000000000); \Z, not $, which would also match before a final newline.
QID_PATTERN = re.compile(r"^Q[1-9][0-9]{0,9}\Z")
URL_PATTERN = re.compile(r"^https?://[^\s/?#<>\"{}|\\^`]+[^\s<>\"{}|\\^`]*\Z")

#: Longest text a field may hold, in characters (after NFC; SECURITY.md lists them): names and
#: alternate names as Wikidata's labels and aliases (250), ids as a path segment a person reads,
#: URLs as browsers and the sitemaps protocol take them (2,048), descriptions and the quoted list
#: entries a paragraph. Every other text (matched_by, version) is a short line.
MAX_LENGTH = {
    "id": 200,
    "name": 250,
    "alternate_names": 250,
    "title": 250,
    "description": 1000,
    "entry": 1000,
    "url": 2048,
    "text": 250,
}
#: Largest list position (`sources[].position`): nine digits, far above any real list.
MAX_POSITION = 999_999_999
#: Where a name comes from: `source` (a cited source writes it so: a member list, or another
#: organisation's page), `organisation` (the organisation's own, on a cited page of its own),
#: `translation` (translated by jitarsa's curators) and `romanisation` (the Thai name in the Royal
#: Thai General System, made by jitarsa with PyThaiNLP: records.romanise). A Thai name is the
#: source's or the organisation's own.
NAME_BASES = ("source", "organisation", "translation", "romanisation")
TH_NAME_BASES = ("source", "organisation")
#: The language of a list entry quoted verbatim: Thai script is `th`; an entry written wholly in
#: Latin script is `en` when it is English words (`entry_language: en`), otherwise (a brand such
#: as "ChangeFusion") a plain string with no language.
ENTRY_LANGUAGES = ("en",)
THAI_SCRIPT = re.compile("[\u0e00-\u0e7f]")
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
    entry_language: str | None = None  # `en` for a Latin-script entry in English words

    __reduce__ = _by_fields

    @property
    def entry_tag(self) -> str | None:
        """The language tag of the quoted entry: `th` for Thai script, else `entry_language`
        (None: a plain string, such as a brand written in Latin script)."""
        if self.entry is not None and THAI_SCRIPT.search(self.entry):
            return "th"
        return self.entry_language


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
    name_th_basis: str | None = None  # None: the Thai name is the source's (its list's wording)
    dissolved: tuple[str, str] | None = None  # (lexical, XSD datatype IRI), as `founded`
    successor: str | None = None  # the id of the organisation it became

    __reduce__ = _by_fields

    @property
    def listed(self) -> Source | None:
        """The first source whose list names this record, if any."""
        return next((s for s in self.sources if s.entry is not None), None)

    @property
    def th_basis(self) -> str | None:
        """The basis of the Thai name: as given, else the source's when a list names it."""
        if "th" not in self.name:
            return None
        return self.name_th_basis or ("source" if self.listed is not None else None)

    @property
    def listings(self) -> tuple[Source, ...]:
        """Every source whose member list names this record (one entry per source)."""
        return tuple(s for s in self.sources if s.entry is not None)


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
    releases: tuple = ()  # records.releases.Release, newest first (releases/*.json)


@dataclass(frozen=True)
class SourceList:
    """A source's member list kept as data (data/sources/<slug>.yaml): each entry verbatim."""

    slug: str
    url: str
    retrieved: str
    organisation: str
    entries: tuple[str, ...]
    file: str


@dataclass(frozen=True)
class Dataset:
    """Every record of a data folder, sorted by id, with its metadata, kinds and the member
    lists of its sources (in file order: the first is the primary list)."""

    info: DatasetInfo
    records: tuple[Record, ...]
    kinds: dict[str, Kind]
    lists: tuple[SourceList, ...] = ()
    folder: Path | None = None  # the data folder it was read from

    def get(self, record_id: str) -> Record:
        return self._by_id[record_id]

    @cached_property
    def _by_id(self) -> dict[str, Record]:
        return {r.id: r for r in self.records}

    @property
    def network(self) -> Record:
        return self.get(self.info.network)

    @cached_property
    def list_by_url(self) -> dict[str, SourceList]:
        return {s.url: s for s in self.lists}

    def list_order(self, record: Record) -> tuple[int, int, str]:
        """Sort key: by the list that first names the record (in the order of `lists`), then
        its position there; records no list names first."""
        listed = record.listed
        if listed is None:
            return (0, 0, record.id)
        found = self.list_by_url.get(listed.url)
        rank = self.lists.index(found) if found is not None else 0
        return (rank, listed.position or 0, record.id)

    @property
    def members(self) -> list[Record]:
        """The network's members in the order of the source lists: the primary list's first."""
        found = [r for r in self.records if self.info.network in r.member_of]
        return sorted(found, key=self.list_order)
