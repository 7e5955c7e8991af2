"""The records as Wikidata items: the statements jitarsa asserts, each with its reference.

One model feeds both exports (QuickStatements V1 and Wikibase RDF), so they say the same thing.
An organisation with a QID is an existing item: jitarsa adds only what it asserts about it
(membership P463, parent P749), never its labels or descriptions. One without a QID is a new
item with labels, descriptions, aliases and its own statements. The mapping (P31 classes, the
country, the wikis, description templates) is reviewed data in ontology/kinds.yaml and
ontology/wikidata.yaml, not code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlsplit

from jitarsa.errors import WikidataError
from jitarsa.records.model import QID_PATTERN, Dataset, Record, Source
from jitarsa.records.yamlfile import read_yaml
from jitarsa.resources import wikidata_file

#: Wikidata properties by what they mean (checked on wikidata.org, see the issue).
P = {
    "instance_of": "P31",
    "country": "P17",
    "inception": "P571",
    "official_name": "P1448",
    "short_name": "P1813",
    "website": "P856",
    "member_of": "P463",
    "parent": "P749",
    "imported_from": "P143",
    "import_url": "P4656",
    "reference_url": "P854",
    "retrieved": "P813",
    "named_as": "P1810",
    "dissolved": "P576",
    "replaced_by": "P1366",
}
#: A Thai foundation (มูลนิธิ) is registered in Thailand under its Civil and Commercial Code:
#: a name that starts so states the country (P17) of the body it names (docs/wikidata.md).
FOUNDATION_WORD = "มูลนิธิ"
#: Time precision of Wikibase: 9 year, 10 month, 11 day; by XSD datatype.
PRECISION = {"gYear": 9, "gYearMonth": 10, "date": 11}
_THAI = re.compile("[\u0e00-\u0e7f]")


@dataclass(frozen=True)
class ItemValue:
    """A fixed Wikidata item, such as Q869."""

    qid: str


@dataclass(frozen=True)
class RecordValue:
    """The item of a record: its QID once known, otherwise a new item in this export."""

    record_id: str


@dataclass(frozen=True)
class TimeValue:
    """A Wikibase time: `+2005-00-00T00:00:00Z` with precision 9 (year)."""

    time: str
    precision: int

    @classmethod
    def from_xsd(cls, lexical: str, datatype: str) -> TimeValue:
        precision = PRECISION[datatype.rsplit("#", 1)[1]]
        parts = (lexical.split("-") + ["00", "00"])[:3]
        return cls(f"+{parts[0]}-{parts[1]}-{parts[2]}T00:00:00Z", precision)


@dataclass(frozen=True)
class TextValue:
    """Monolingual text: a language and its text."""

    language: str
    text: str


@dataclass(frozen=True)
class UrlValue:
    url: str


@dataclass(frozen=True)
class StringValue:
    """A plain string, such as P1810's "subject named as"."""

    text: str


Value = ItemValue | RecordValue | TimeValue | TextValue | UrlValue | StringValue


@dataclass(frozen=True)
class Statement:
    """One claim with its one reference (pairs of property and value), the record field it
    comes from (for error messages) and its qualifiers (pairs, as the reference)."""

    prop: str
    value: Value
    reference: tuple[tuple[str, Value], ...]
    field: str = ""
    qualifiers: tuple[tuple[str, Value], ...] = ()


@dataclass(frozen=True)
class Item:
    """A record as a Wikidata item; `qid` is None for an item that does not exist yet."""

    record: Record
    qid: str | None
    labels: dict[str, str]
    descriptions: dict[str, str]
    aliases: dict[str, tuple[str, ...]]
    statements: tuple[Statement, ...]
    sitelinks: dict[str, str] = field(default_factory=dict)  # site id (thwiki) → page title

    @property
    def targets(self) -> set[str]:
        """Ids of the records this item's statements point to."""
        return {s.value.record_id for s in self.statements if isinstance(s.value, RecordValue)}


@dataclass(frozen=True)
class Mapping:
    """ontology/wikidata.yaml: the reviewed parts of the mapping besides P31."""

    country: str
    wikis: dict[str, str]
    descriptions: dict[str, dict[str, str]]
    abbreviation_max_length: int
    sitelinks: dict[str, dict[str, str]]  # record id → {site id: page title}

    @classmethod
    def load(cls, path=None) -> Mapping:
        path = path or wikidata_file()
        data = read_yaml(path)
        try:
            mapping = cls(
                str(data["country"]),
                dict(data["wikis"]),
                {role: dict(texts) for role, texts in data["descriptions"].items()},
                int(data["abbreviation_max_length"]),
                {rid: dict(links) for rid, links in (data.get("sitelinks") or {}).items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise WikidataError(
                f"malformed mapping ({type(err).__name__}: {err}); see the comments in the file",
                path,
            ) from None
        for host, qid in mapping.wikis.items():
            if not QID_PATTERN.match(str(qid)):
                raise WikidataError(
                    f"{qid!r} is not a Wikidata item id", path, None, f"wikis.{host}"
                )
        return mapping


class Items:
    """The organisations of a dataset as Wikidata items, in a stable order."""

    def __init__(
        self, dataset: Dataset, network_qid: str | None = None, mapping: Mapping | None = None
    ):
        self.dataset = dataset
        self.mapping = mapping or Mapping.load()
        self.qids = {r.id: r.wikidata for r in dataset.records if r.wikidata}
        if network_qid is not None:
            self._set_network_qid(network_qid)

    def _set_network_qid(self, qid: str) -> None:
        network = self.dataset.network
        if not QID_PATTERN.match(qid):
            raise WikidataError(f"--network-qid {qid!r} is not a Wikidata item id such as Q869")
        if network.wikidata not in (None, qid):
            raise WikidataError(
                f"the data already says {network.wikidata}; remove "
                f"--network-qid or correct the record",
                network.file,
                network.id,
                "wikidata",
            )
        other = next(
            (r for r in self.dataset.records if r.wikidata == qid and r is not network), None
        )
        if other is not None:
            raise WikidataError(
                f"--network-qid {qid} is already the item of {other.id!r}",
                other.file,
                other.id,
                "wikidata",
            )
        self.qids[network.id] = qid

    @cached_property
    def all(self) -> list[Item]:
        """Network first, then members in list order, then the other organisations by id."""
        ds = self.dataset
        organisations = [r for r in ds.records if ds.kinds[r.kind].organisation]
        first = [ds.network] + ds.members
        order = first + [r for r in organisations if r not in first]
        items = [self._item(r) for r in order]
        _check_unique_descriptions(items)
        return items

    def _item(self, r: Record) -> Item:
        qid = self.qids.get(r.id)
        statements = []

        def add(prop, value, field, qualifiers=()):
            statements.append(
                Statement(P[prop], value, self.reference(r, field), field, qualifiers)
            )

        if qid is None:
            kind = self.dataset.kinds[r.kind]
            if not kind.wikidata:
                raise WikidataError(
                    f"kind {r.kind!r} has no reviewed Wikidata class (ontology/kinds.yaml)",
                    r.file,
                    r.id,
                    "kind",
                )
            add("instance_of", ItemValue(kind.wikidata), "kind")
            country_field = self.country_field(r)
            if country_field:
                add("country", ItemValue(self.country_qid), country_field)
            if r.founded:
                add("inception", TimeValue.from_xsd(*r.founded), "founded")
            if r.dissolved:
                add("dissolved", TimeValue.from_xsd(*r.dissolved), "dissolved")
            for lang, text in self.official_names(r).items():
                add("official_name", TextValue(lang, text), f"name.{lang}")
            for lang, names in r.alternate_names.items():
                for text in names:
                    if len(text) <= self.mapping.abbreviation_max_length and " " not in text:
                        add("short_name", TextValue(lang, text), f"alternate_names.{lang}")
            if r.url:
                add("website", UrlValue(r.url), "url")
        for target in r.member_of:
            add("member_of", RecordValue(target), "member_of", self.named_as(r, target))
        if r.parent:
            add("parent", RecordValue(r.parent), "parent")
        if r.successor:
            add("replaced_by", RecordValue(r.successor), "successor")
        if qid is not None:
            return Item(r, qid, {}, {}, {}, tuple(statements))
        return Item(
            r,
            None,
            dict(r.name),
            self.descriptions(r),
            dict(r.alternate_names),
            tuple(statements),
            dict(self.mapping.sitelinks.get(r.id, {})),
        )

    def named_as(self, r: Record, target: str) -> tuple[tuple[str, Value], ...]:
        """P1810 ("subject named as") on a membership: the member's line in the network's
        list, verbatim, from the list the statement cites. A list's wording is said here, where
        it belongs, never as an official name (P1448)."""
        listed = r.listed
        if target != self.dataset.network.id or listed is None or listed.entry is None:
            return ()
        return ((P["named_as"], StringValue(listed.entry)),)

    def country_field(self, r: Record) -> str | None:
        """The record field that states the country (P17), or None when nothing does: the
        country among the places it serves, or a Thai foundation's name (FOUNDATION_WORD).
        Never the language of the source: a Thai article lists a UN programme too."""
        if self.mapping.country in r.area_served:
            return "area_served"
        if r.kind == "foundation":
            if r.name.get("th", "").startswith(FOUNDATION_WORD):
                return "name.th"
            if any(n.startswith(FOUNDATION_WORD) for n in r.alternate_names.get("th", ())):
                return "alternate_names.th"
        return None

    @cached_property
    def country_qid(self) -> str:
        place = self.mapping.country
        try:
            record = self.dataset.get(place)
        except KeyError:
            raise WikidataError(
                f"no record has the id {place!r} (the country of new items, ontology/wikidata.yaml)"
            ) from None
        if not record.wikidata:
            raise WikidataError(
                "the country of new items needs its QID", record.file, record.id, "wikidata"
            )
        return record.wikidata

    @staticmethod
    def official_names(r: Record) -> dict[str, str]:
        """P1448 ("official name"): only a name that is the organisation's own, on a cited page
        of its own. A list's wording, another page's, a translation or a romanisation is not."""
        names = {}
        if r.th_basis == "organisation" and _THAI.search(r.name.get("th", "")):
            names["th"] = r.name["th"]
        if "en" in r.name and r.name_en_basis == "organisation":
            names["en"] = r.name["en"]
        return names

    def descriptions(self, r: Record) -> dict[str, str]:
        ds, templates = self.dataset, self.mapping.descriptions
        children = sorted(c.id for c in ds.records if c.parent == r.id)
        predecessors = sorted(p.id for p in ds.records if p.successor == r.id)
        if r.id == ds.network.id:
            role, names = "network", {}
        elif ds.network.id in r.member_of:
            role, names = "member", {"network": ds.network.name}
        elif r.parent:
            role, names = "part", {"parent": ds.get(r.parent).name}
        elif children:
            role, names = "parent", {"child": ds.get(children[0]).name}
        elif predecessors:
            role, names = "successor", {"predecessor": ds.get(predecessors[0]).name}
        elif any(not s.entry and s.about for s in r.sources):
            role, names = "named", {"network": ds.network.name}
        else:
            raise WikidataError(
                "is neither the network, a member, a part nor a parent of one: "
                "no description template fits (ontology/wikidata.yaml)",
                r.file,
                r.id,
            )
        if role in ("member", "parent") and not self.country_field(r):
            role += "_no_country"  # "in Thailand" only where a field states it
        kind = ds.kinds[r.kind].label
        return {
            lang: templates[role][lang].format(
                kind=kind[lang], **{k: v.get(lang, v.get("en", "")) for k, v in names.items()}
            )
            for lang in r.name
            if lang in templates[role]
        }

    def reference(self, r: Record, field: str) -> tuple[tuple[str, Value], ...]:
        """The source that backs `field`: one citing it by `about`, else the record's own."""
        source = _source_for(r, field)
        host = urlsplit(source.url).hostname or ""
        pairs: list[tuple[str, Value]]
        if host in self.mapping.wikis:
            pairs = [
                (P["imported_from"], ItemValue(self.mapping.wikis[host])),
                (P["import_url"], UrlValue(source.url)),
            ]
        else:
            pairs = [(P["reference_url"], UrlValue(source.url))]
        if source.retrieved:
            pairs.append((P["retrieved"], TimeValue.from_xsd(source.retrieved, "#date")))
        return tuple(pairs)

    def resolve(self, record_id: str) -> str | None:
        return self.qids.get(record_id)


def _source_for(r: Record, field: str) -> Source:
    parts = field.split(".")
    prefixes = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    cited = [s for s in r.sources if prefixes & set(s.about)]
    general = [s for s in r.sources if not s.about]
    return (cited or general or list(r.sources))[0]


def _check_unique_descriptions(items: list[Item]) -> None:
    seen: dict[tuple[str, str, str], Item] = {}
    for item in items:
        for lang, description in item.descriptions.items():
            key = (lang, item.labels.get(lang, ""), description)
            if key in seen:
                raise WikidataError(
                    f"label and description in {lang!r} are the same as "
                    f"{seen[key].record.id!r}'s; Wikidata refuses that: change a name or the "
                    "description templates in ontology/wikidata.yaml",
                    item.record.file,
                    item.record.id,
                    "name",
                )
            seen[key] = item


#: Columns of the reconciliation sheet; a reconciled copy adds `qid` (see matches.py).
SHEET_COLUMNS = ("id", "name_th", "name_en", "alternate_names", "type", "country")
#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """A cell a spreadsheet shows as text, the way OWASP advises: one that starts like a formula
    (after any single quotes) gets a single quote in front, which `restored` removes again."""
    return "'" + cell if cell.lstrip("'").startswith(FORMULA_STARTS) else cell


def restored(cell: str) -> str:
    """The cell `neutralised` was given."""
    if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def reconcile_sheet(dataset: Dataset, mapping: Mapping | None = None) -> str:
    """CSV for OpenRefine: one row per organisation, with the class and country to match
    against. Alternate names are joined with ' | ' (OpenRefine splits them back on '|'). A cell
    that a spreadsheet would run as a formula is `neutralised`."""
    import csv
    import io

    items = Items(dataset, mapping=mapping)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SHEET_COLUMNS)
    for item in items.all:
        r = item.record
        alternates = [n for lang in ("th", "en") for n in r.alternate_names.get(lang, ())]
        row = [
            r.id,
            r.name.get("th", ""),
            r.name.get("en", ""),
            " | ".join(alternates),
            dataset.kinds[r.kind].wikidata or "",
            items.country_qid if items.country_field(r) else "",  # only where a field states it
        ]
        writer.writerow([neutralised(cell) for cell in row])
    return out.getvalue()
