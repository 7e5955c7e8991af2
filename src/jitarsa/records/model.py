"""The record model: what a checked record, its sources and its data folder hold.

Plain frozen dataclasses, no I/O: every later stage reads these and nothing else of the YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter

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
    releases: tuple = ()  # records.releases.Release, newest first (releases/*.json)


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
