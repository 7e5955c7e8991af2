"""The Wikidata statements in the Wikibase RDF model, to load beside a Wikidata dump.

Items with a QID are `wd:Q…`; an item that does not exist yet is named by its jitarsa entity
IRI (https://w3id.org/jitarsa/org/…), so the same SPARQL works before and after it is created.
Statement, reference and value nodes are IRIs under `<base>wikidata/`, named by a hash of what
they say, as Wikidata names reference and value nodes: no blank nodes, so the output is
reproducible. Existing items get only the statements jitarsa asserts (P463, P749), never labels.

It follows the Wikibase RDF dump format (mediawiki.org/wiki/Wikibase/Indexing/RDF_Dump_Format):
each statement has its rank, its simple value (`ps:`), qualifiers (`pq:`) and reference
(`pr:`); a time has also its full value node (`psv:`/`pqv:`/`prv:` → `wikibase:TimeValue` with
`timeValue`, `timePrecision`, `timeTimezone` and `timeCalendarModel`), since "2005" as a
dateTime alone reads as 1 January 2005; a sitelink is a `schema:Article` about the item. A
label is `rdfs:label`, `skos:prefLabel` and `schema:name`, as in the dump. Each property used
is declared as the dump declares it (`wikibase:propertyType`, `wikibase:directClaim wdt:…`,
`wikibase:claim p:…`, … `wikibase:novalue wdno:…`; no labels: jitarsa does not hold them). A new
item carries its `wikibase:statements` and `wikibase:sitelinks` counts where the Query Service
holds them, on the item (the dump puts them on the entity-data node, which an item without a
QID does not have yet); an existing item gets no counts, since the export holds only some of its
statements.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Triple

from jitarsa.formats import TURTLE
from jitarsa.namespaces import PROV, RDFS, SCHEMA, WD, XSD
from jitarsa.rdf.graph import TYPE, IRIs, sort_triples
from jitarsa.wikidata.items import (
    Item,
    Items,
    ItemValue,
    RecordValue,
    Statement,
    StringValue,
    TextValue,
    TimeValue,
    UrlValue,
    Value,
)

WIKIBASE = "http://wikiba.se/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
WDT = "http://www.wikidata.org/prop/direct/"
P_ = "http://www.wikidata.org/prop/"
PS = "http://www.wikidata.org/prop/statement/"
PSV = "http://www.wikidata.org/prop/statement/value/"
PQ = "http://www.wikidata.org/prop/qualifier/"
PQV = "http://www.wikidata.org/prop/qualifier/value/"
PR = "http://www.wikidata.org/prop/reference/"
PRV = "http://www.wikidata.org/prop/reference/value/"
WDNO = "http://www.wikidata.org/prop/novalue/"
#: The proleptic Gregorian calendar, the calendar model of every jitarsa date.
GREGORIAN = "http://www.wikidata.org/entity/Q1985727"

#: The prefixes of the Wikidata Query Service, as users write them.
PREFIXES = {
    "wd": WD,
    "wdt": WDT,
    "p": P_,
    "ps": PS,
    "psv": PSV,
    "pq": PQ,
    "pqv": PQV,
    "pr": PR,
    "prv": PRV,
    "wdno": WDNO,
    "wikibase": WIKIBASE,
    "prov": PROV,
    "rdfs": RDFS,
    "schema": SCHEMA,
    "skos": SKOS,
    "xsd": XSD,
}


#: How a property is declared (wikibase:… → the namespace of its predicate), as in the dump.
DECLARATIONS = (
    ("directClaim", WDT),
    ("claim", P_),
    ("statementProperty", PS),
    ("statementValue", PSV),
    ("qualifier", PQ),
    ("qualifierValue", PQV),
    ("reference", PR),
    ("referenceValue", PRV),
    ("novalue", WDNO),
)
#: The Wikibase datatype of a property, from the kind of value jitarsa gives it. (A string is
#: a plain String, such as P1810's: an external identifier would need its own kind of value.)
PROPERTY_TYPES = {
    ItemValue: "WikibaseItem",
    RecordValue: "WikibaseItem",
    TimeValue: "Time",
    TextValue: "Monolingualtext",
    UrlValue: "Url",
    StringValue: "String",
}


def _n(iri: str) -> NamedNode:
    return NamedNode(iri)


class _Writer:
    def __init__(self, items: Items):
        self.items = items
        self.iri = IRIs(items.dataset)
        self.base = items.dataset.info.base + "wikidata/"

    def subject(self, record_id: str) -> NamedNode:
        qid = self.items.resolve(record_id)
        return _n(WD + qid) if qid else self.iri(record_id)

    def value(self, v: Value):
        if isinstance(v, ItemValue):
            return _n(WD + v.qid)
        if isinstance(v, RecordValue):
            return self.subject(v.record_id)
        if isinstance(v, TimeValue):
            # Wikibase writes a year as its 1 January, the precision lives in value nodes.
            time = v.time[1:].replace("-00", "-01")
            return Literal(time, datatype=_n(XSD + "dateTime"))
        if isinstance(v, TextValue):
            return Literal(v.text, language=v.language)
        if isinstance(v, UrlValue):
            return _n(v.url)
        if isinstance(v, StringValue):
            return Literal(v.text)
        raise TypeError(v)

    def full_value(self, v: Value) -> tuple[NamedNode, list[Triple]] | None:
        """The value node of a time (as Wikibase writes one), or None for a simple value."""
        if not isinstance(v, TimeValue):
            return None
        node = _n(f"{self.base}value/{_hash(f'{v.time}/{v.precision}')}")
        integer = _n(XSD + "integer")
        return node, [
            Triple(node, TYPE, _n(WIKIBASE + "TimeValue")),
            Triple(node, _n(WIKIBASE + "timeValue"), self.value(v)),
            Triple(
                node, _n(WIKIBASE + "timePrecision"), Literal(str(v.precision), datatype=integer)
            ),
            Triple(node, _n(WIKIBASE + "timeTimezone"), Literal("0", datatype=integer)),
            Triple(node, _n(WIKIBASE + "timeCalendarModel"), _n(GREGORIAN)),
        ]

    def snaks(self, node: NamedNode, pairs, simple: str, full: str) -> list[Triple]:
        """Property-value pairs of a statement, qualifiers or a reference, with value nodes."""
        out = []
        for prop, v in pairs:
            out.append(Triple(node, _n(simple + prop), self.value(v)))
            found = self.full_value(v)
            if found is not None:
                out += [Triple(node, _n(full + prop), found[0]), *found[1]]
        return out

    def item(self, item: Item) -> list[Triple]:
        s = self.subject(item.record.id)
        out = []
        if item.qid is None:
            out.append(Triple(s, TYPE, _n(WIKIBASE + "Item")))
            for lang, text in item.labels.items():
                label = Literal(text, language=lang)
                out += [Triple(s, _n(p), label) for p in (RDFS + "label", SKOS + "prefLabel")]
                out.append(Triple(s, _n(SCHEMA + "name"), label))
            for lang, text in item.descriptions.items():
                out.append(Triple(s, _n(SCHEMA + "description"), Literal(text, language=lang)))
            for lang, names in item.aliases.items():
                out += [Triple(s, _n(SKOS + "altLabel"), Literal(n, language=lang)) for n in names]
            for site, title in item.sitelinks.items():
                out += self.sitelink(s, site, title)
            integer = _n(XSD + "integer")
            out += [
                Triple(
                    s,
                    _n(WIKIBASE + "statements"),
                    Literal(str(len(item.statements)), datatype=integer),
                ),
                Triple(
                    s,
                    _n(WIKIBASE + "sitelinks"),
                    Literal(str(len(item.sitelinks)), datatype=integer),
                ),
            ]
        for st in item.statements:
            out += self.statement(s, item, st)
        return out

    def statement(self, s: NamedNode, item: Item, st: Statement) -> list[Triple]:
        value = self.value(st.value)
        key = f"{s.value} {st.prop} {value}"
        if st.qualifiers:  # keep the nodes of statements without qualifiers as they were
            key += " " + " ".join(f"{p} {self.value(v)}" for p, v in st.qualifiers)
        node = _n(f"{self.base}statement/{item.record.id}-{st.prop}-{_hash(key)}")
        ref_key = " ".join(f"{p} {self.value(v)}" for p, v in st.reference)
        ref = _n(f"{self.base}reference/{_hash(ref_key)}")
        out = [
            # wdt: is the best-ranked value: every jitarsa statement has the normal rank and
            # is the only one of its property, so it is also the best rank.
            Triple(s, _n(WDT + st.prop), value),
            Triple(s, _n(P_ + st.prop), node),
            Triple(node, TYPE, _n(WIKIBASE + "Statement")),
            Triple(node, TYPE, _n(WIKIBASE + "BestRank")),
            Triple(node, _n(WIKIBASE + "rank"), _n(WIKIBASE + "NormalRank")),
            Triple(node, _n(PROV + "wasDerivedFrom"), ref),
            Triple(ref, TYPE, _n(WIKIBASE + "Reference")),
        ]
        out += self.snaks(node, [(st.prop, st.value)], PS, PSV)
        out += self.snaks(node, st.qualifiers, PQ, PQV)
        out += self.snaks(ref, st.reference, PR, PRV)
        return out

    def sitelink(self, s: NamedNode, site: str, title: str) -> list[Triple]:
        """A sitelink as Wikibase writes it: the article, about the item, on its wiki."""
        language = site.removesuffix("wiki")
        wiki = f"https://{language}.wikipedia.org/"
        article = _n(wiki + "wiki/" + quote(title.replace(" ", "_"), safe="_-.~()'!*:@,;"))
        return [
            Triple(article, TYPE, _n(SCHEMA + "Article")),
            Triple(article, _n(SCHEMA + "about"), s),
            Triple(article, _n(SCHEMA + "inLanguage"), Literal(language)),
            Triple(article, _n(SCHEMA + "isPartOf"), _n(wiki)),
            Triple(article, _n(SCHEMA + "name"), Literal(title, language=language)),
            Triple(_n(wiki), _n(WIKIBASE + "wikiGroup"), Literal("wikipedia")),
        ]


def property_triples(items: Items) -> list[Triple]:
    """The declaration of each property the items use (in statements, qualifiers and
    references), as the dump declares a property."""
    types: dict[str, str] = {}
    for item in items.all:
        for st in item.statements:
            for prop, v in ((st.prop, st.value), *st.qualifiers, *st.reference):
                types.setdefault(prop, PROPERTY_TYPES[type(v)])
    out = []
    for prop, kind in types.items():
        node = _n(WD + prop)
        out += [
            Triple(node, TYPE, _n(WIKIBASE + "Property")),
            Triple(node, _n(WIKIBASE + "propertyType"), _n(WIKIBASE + kind)),
        ]
        out += [Triple(node, _n(WIKIBASE + name), _n(ns + prop)) for name, ns in DECLARATIONS]
    return out


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def wikibase_triples(items: Items) -> list[Triple]:
    """Every item's triples in the Wikibase RDF model, in the canonical order."""
    writer = _Writer(items)
    triples = {t for item in items.all for t in writer.item(item)}
    return sort_triples(triples | set(property_triples(items)))


def wikibase_turtle(items: Items) -> bytes:
    return TURTLE.serialize(wikibase_triples(items), prefixes=PREFIXES)
