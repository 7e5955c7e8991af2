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
        self._nodes: dict[str, NamedNode] = {}

    def __call__(self, record_id: str) -> NamedNode:
        node = self._nodes.get(record_id)
        if node is None:
            node = self._nodes[record_id] = NamedNode(self.text(record_id))
        return node

    def text(self, record_id: str) -> str:
        return entity_iri(self.base, self._kind[record_id], record_id)


_TYPE_IRI = TYPE.value
_CLASSES: dict[str, NamedNode] = {}


def _iri_key(text: str) -> tuple:
    return (0, 0, text, "")


def _literal(text: str, lang: str | None = None, datatype: str | None = None):
    """A literal and its sort key (the key `_object_key` gives it, made without asking it)."""
    if lang is not None:
        return (Literal(text, language=lang),
                (1, _LANG_ORDER.get(lang, len(LANGUAGES)), text, RDF + "langString"))
    datatype = datatype or XSD + "string"
    return (Literal(text, datatype=NamedNode(datatype)), (1, len(LANGUAGES), text, datatype))


def _emit(record: Record, dataset: Dataset, iri: IRIs, add) -> None:
    """Call `add(subject IRI, subject, predicate, object, object key)` for every triple of the
    record: the triples `record_triples` yields, with what sorting them needs as plain text."""
    s_text, s = iri.text(record.id), iri(record.id)
    kind = dataset.kinds[record.kind]

    def own(p, o, key):
        add(s_text, s, p, o, key)

    for cls in kind.types:
        full = expand(cls)
        node = _CLASSES.get(full) or _CLASSES.setdefault(full, NamedNode(full))
        own(TYPE, node, _iri_key(full))
    if kind.organisation:
        own(TYPE, O["Organization"], _iri_key(ORG + "Organization"))
    for lang, text in record.name.items():
        own(S["name"], *_literal(text, lang))
    if record.name_en_basis and "en" in record.name:
        basis = NAME_BASIS[record.name_en_basis]
        own(J["englishNameBasis"], basis, _iri_key(basis.value))
    for lang, names in record.alternate_names.items():
        for text in names:
            own(S["alternateName"], *_literal(text, lang))
    for lang, text in record.description.items():
        own(S["description"], *_literal(text, lang))
    links = [(t, S["memberOf"], S["member"]) for t in record.member_of] + \
        [(t, O["memberOf"], O["hasMember"]) for t in record.member_of]
    if record.parent:
        links += [(record.parent, S["parentOrganization"], S["subOrganization"]),
                  (record.parent, O["subOrganizationOf"], O["hasSubOrganization"])]
    for target, forward, inverse in links:
        t_text = iri.text(target)
        own(forward, iri(target), _iri_key(t_text))
        add(t_text, iri(target), inverse, s, _iri_key(s_text))
    if record.founded:
        lexical, datatype = record.founded
        own(S["foundingDate"], *_literal(lexical, datatype=datatype))
    for place in record.area_served:
        own(S["areaServed"], iri(place), _iri_key(iri.text(place)))
    if record.url:
        own(S["url"], NamedNode(record.url), _iri_key(record.url))
    if record.wikidata:
        item = WD + record.wikidata
        own(S["sameAs"], NamedNode(item), _iri_key(item))
        own(OWL_SAME_AS, NamedNode(item), _iri_key(item))
    for source in record.sources:
        own(DERIVED_FROM, NamedNode(source.url), _iri_key(source.url))
    listed = record.listed
    if listed:
        own(J["sourceEntry"], *_literal(listed.entry, "th"))
        own(J["sourcePosition"], *_literal(str(listed.position), datatype=XSD + "integer"))


def record_triples(record: Record, dataset: Dataset, iri: IRIs) -> Iterator[Triple]:
    """Every triple whose subject is this record, plus the inverse links it implies."""
    found: list[Triple] = []
    _emit(record, dataset, iri, lambda s_text, s, p, o, key: found.append(Triple(s, p, o)))
    return iter(found)


def triples(dataset: Dataset, progress=None) -> list[Triple]:
    """The whole graph of a dataset, without duplicates, in the canonical order.

    Sorted as `sort_triples` sorts, but without asking pyoxigraph for any term's text: each
    subject's triples are keyed as they are made, and only the subjects are sorted globally."""
    iri = IRIs(dataset)
    groups: dict[str, dict] = {}
    predicates: dict = {}

    def add(s_text, s, p, o, key):
        p_text = predicates.get(p) or predicates.setdefault(p, p.value)
        group = groups.get(s_text)
        if group is None:
            group = groups[s_text] = {}
        group[(p_text != _TYPE_IRI, p_text, key)] = (s, p, o)

    from .progress import SILENT

    with (progress or SILENT).stage("build", len(dataset.records), "records") as stage:
        for i, record in enumerate(dataset.records, 1):
            _emit(record, dataset, iri, add)
            if i % 1000 == 0:
                stage.advance(1000)
        return [Triple(*spo) for s_text in sorted(groups)
                for _, spo in sorted(groups[s_text].items())]


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
