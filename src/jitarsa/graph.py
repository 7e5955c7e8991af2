"""Records → RDF triples. Pure: no I/O, no clock, no blank nodes, so output is reproducible.

Every relation is published both ways and in both vocabularies (schema.org for search engines
and Wikidata users, W3C ORG for organisation-registry tooling); the SHACL shapes check that the
directions agree. Triples are pyoxigraph terms: the fast path to every dump format and to SPARQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pyoxigraph import Literal, NamedNode, Triple

from .namespaces import JITARSA, ORG, OWL, PROV, RDF, SCHEMA, WD, XSD, entity_iri, expand
from .records import LANGUAGES, Dataset, Record

TYPE = NamedNode(RDF + "type")
NAME_BASIS = {
    "source": NamedNode(JITARSA + "SourceName"),
    "organisation": NamedNode(JITARSA + "OwnName"),
    "translation": NamedNode(JITARSA + "Translation"),
}
_LANG_ORDER = {lang: i for i, lang in enumerate(LANGUAGES)}


def _p(iri: str) -> NamedNode:
    return NamedNode(iri)


S = {name: _p(SCHEMA + name) for name in (
    "name", "alternateName", "description", "member", "memberOf", "parentOrganization",
    "subOrganization", "foundingDate", "areaServed", "url", "sameAs")}
O = {name: _p(ORG + name) for name in (
    "Organization", "hasMember", "memberOf", "subOrganizationOf", "hasSubOrganization")}
J = {name: _p(JITARSA + name) for name in ("sourceEntry", "sourcePosition", "englishNameBasis")}
DERIVED_FROM = _p(PROV + "wasDerivedFrom")
OWL_SAME_AS = _p(OWL + "sameAs")


class IRIs:
    """Entity IRIs of a dataset under its base: one place decides how an id becomes an IRI."""

    def __init__(self, dataset: Dataset):
        self.base = dataset.info.base
        self._kind = {r.id: r.kind for r in dataset.records}

    def __call__(self, record_id: str) -> NamedNode:
        return NamedNode(entity_iri(self.base, self._kind[record_id], record_id))


def record_triples(record: Record, dataset: Dataset, iri: IRIs) -> Iterator[Triple]:
    """Every triple whose subject is this record, plus the inverse links it implies."""
    s = iri(record.id)
    kind = dataset.kinds[record.kind]
    for cls in kind.types:
        yield Triple(s, TYPE, NamedNode(expand(cls)))
    if kind.organisation:
        yield Triple(s, TYPE, O["Organization"])
    for lang, text in record.name.items():
        yield Triple(s, S["name"], Literal(text, language=lang))
    if record.name_en_basis and "en" in record.name:
        yield Triple(s, J["englishNameBasis"], NAME_BASIS[record.name_en_basis])
    for lang, names in record.alternate_names.items():
        for text in names:
            yield Triple(s, S["alternateName"], Literal(text, language=lang))
    for lang, text in record.description.items():
        yield Triple(s, S["description"], Literal(text, language=lang))
    for target in record.member_of:
        t = iri(target)
        yield from _both_ways(s, t, S["memberOf"], S["member"])
        yield from _both_ways(s, t, O["memberOf"], O["hasMember"])
    if record.parent:
        p = iri(record.parent)
        yield from _both_ways(s, p, S["parentOrganization"], S["subOrganization"])
        yield from _both_ways(s, p, O["subOrganizationOf"], O["hasSubOrganization"])
    if record.founded:
        lexical, datatype = record.founded
        yield Triple(s, S["foundingDate"], Literal(lexical, datatype=NamedNode(datatype)))
    for place in record.area_served:
        yield Triple(s, S["areaServed"], iri(place))
    if record.url:
        yield Triple(s, S["url"], NamedNode(record.url))
    if record.wikidata:
        item = NamedNode(WD + record.wikidata)
        yield Triple(s, S["sameAs"], item)
        yield Triple(s, OWL_SAME_AS, item)
    for source in record.sources:
        yield Triple(s, DERIVED_FROM, NamedNode(source.url))
    listed = record.listed
    if listed:
        yield Triple(s, J["sourceEntry"], Literal(listed.entry, language="th"))
        yield Triple(s, J["sourcePosition"],
                     Literal(str(listed.position), datatype=NamedNode(XSD + "integer")))


def _both_ways(s, o, forward, inverse) -> Iterator[Triple]:
    yield Triple(s, forward, o)
    yield Triple(o, inverse, s)


def triples(dataset: Dataset) -> list[Triple]:
    """The whole graph of a dataset, without duplicates, in the canonical order."""
    iri = IRIs(dataset)
    return sort_triples({t for r in dataset.records for t in record_triples(r, dataset, iri)})


def _object_key(term) -> tuple:
    if isinstance(term, Literal):
        return (1, _LANG_ORDER.get(term.language, len(LANGUAGES)), term.value,
                term.datatype.value)
    return (0, 0, term.value, "")


def triple_key(t: Triple) -> tuple:
    """Subjects by IRI; rdf:type first, then predicates by IRI; Thai before English."""
    return (t.subject.value, t.predicate != TYPE, t.predicate.value, _object_key(t.object))


def sort_triples(found: Iterable[Triple]) -> list[Triple]:
    return sorted(found, key=triple_key)
