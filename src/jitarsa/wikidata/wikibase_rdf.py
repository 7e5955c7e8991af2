"""The Wikidata statements in the Wikibase RDF model, to load beside a Wikidata dump.

Items with a QID are `wd:Q…`; an item that does not exist yet is named by its jitarsa entity
IRI (https://w3id.org/jitarsa/org/…), so the same SPARQL works before and after it is created.
Statement and reference nodes are IRIs under `<base>wikidata/`, named by a hash of what they
say, as Wikidata names reference nodes: no blank nodes, so the output is reproducible.
Existing items get only the statements jitarsa asserts (P463, P749), never labels.
"""

from __future__ import annotations

import hashlib

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
PR = "http://www.wikidata.org/prop/reference/"

#: The prefixes of the Wikidata Query Service, as users write them.
PREFIXES = {
    "wd": WD,
    "wdt": WDT,
    "p": P_,
    "ps": PS,
    "pr": PR,
    "wikibase": WIKIBASE,
    "prov": PROV,
    "rdfs": RDFS,
    "schema": SCHEMA,
    "skos": SKOS,
    "xsd": XSD,
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
        raise TypeError(v)

    def item(self, item: Item) -> list[Triple]:
        s = self.subject(item.record.id)
        out = []
        if item.qid is None:
            out.append(Triple(s, TYPE, _n(WIKIBASE + "Item")))
            for lang, text in item.labels.items():
                label = Literal(text, language=lang)
                out += [Triple(s, _n(RDFS + "label"), label), Triple(s, _n(SCHEMA + "name"), label)]
            for lang, text in item.descriptions.items():
                out.append(Triple(s, _n(SCHEMA + "description"), Literal(text, language=lang)))
            for lang, names in item.aliases.items():
                out += [Triple(s, _n(SKOS + "altLabel"), Literal(n, language=lang)) for n in names]
        for st in item.statements:
            out += self.statement(s, item, st)
        return out

    def statement(self, s: NamedNode, item: Item, st: Statement) -> list[Triple]:
        value = self.value(st.value)
        key = f"{s.value} {st.prop} {value}"
        node = _n(f"{self.base}statement/{item.record.id}-{st.prop}-{_hash(key)}")
        ref_key = " ".join(f"{p} {self.value(v)}" for p, v in st.reference)
        ref = _n(f"{self.base}reference/{_hash(ref_key)}")
        out = [
            Triple(s, _n(WDT + st.prop), value),
            Triple(s, _n(P_ + st.prop), node),
            Triple(node, TYPE, _n(WIKIBASE + "Statement")),
            Triple(node, TYPE, _n(WIKIBASE + "BestRank")),
            Triple(node, _n(WIKIBASE + "rank"), _n(WIKIBASE + "NormalRank")),
            Triple(node, _n(PS + st.prop), value),
            Triple(node, _n(PROV + "wasDerivedFrom"), ref),
            Triple(ref, TYPE, _n(WIKIBASE + "Reference")),
        ]
        out += [Triple(ref, _n(PR + p), self.value(v)) for p, v in st.reference]
        return out


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def wikibase_triples(items: Items) -> list[Triple]:
    """Every item's triples in the Wikibase RDF model, in the canonical order."""
    writer = _Writer(items)
    return sort_triples({t for item in items.all for t in writer.item(item)})


def wikibase_turtle(items: Items) -> bytes:
    return TURTLE.serialize(wikibase_triples(items), prefixes=PREFIXES)
