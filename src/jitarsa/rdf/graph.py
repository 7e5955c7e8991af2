"""Records → RDF graph. Pure: no I/O, no clock, no blank nodes, so output is reproducible.

Every relation is published both ways and in both vocabularies (schema.org for search engines
and Wikidata users, W3C ORG for organisation-registry tooling); the SHACL shapes check that the
directions agree.

The graph is held as plain Python text, not as one pyoxigraph object per triple: an IRI is a
`str`, a literal a tuple `(text, language, datatype)` with exactly one of the last two set. At
registry scale that is a fifth of the memory, and sorting, indexing and writing N-Triples run on
`str` in C; `iter(graph)` still gives pyoxigraph Triples to whatever wants RDF terms.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from operator import itemgetter

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from jitarsa.namespaces import (
    JITARSA,
    ORG,
    OWL,
    PROV,
    RDF,
    SCHEMA,
    WD,
    XSD,
    change_iri,
    entity_iri,
    expand,
    membership_iri,
)
from jitarsa.records.model import LANGUAGES, Dataset, Record

TYPE = NamedNode(RDF + "type")
_TYPE_IRI = TYPE.value
XSD_STRING = XSD + "string"
LANG_STRING = RDF + "langString"
NAME_BASIS = {
    "source": JITARSA + "SourceName",
    "organisation": JITARSA + "OwnName",
    "translation": JITARSA + "Translation",
    "romanisation": JITARSA + "Romanisation",
}
_LANG_ORDER = {lang: i for i, lang in enumerate(LANGUAGES)}

S = {
    name: SCHEMA + name
    for name in (
        "name",
        "alternateName",
        "description",
        "member",
        "memberOf",
        "parentOrganization",
        "subOrganization",
        "foundingDate",
        "dissolutionDate",
        "areaServed",
        "url",
        "sameAs",
    )
}
Org = {
    name: ORG + name
    for name in (
        "Organization",
        "hasMember",
        "memberOf",
        "subOrganizationOf",
        "hasSubOrganization",
        "Membership",
        "member",
        "organization",
        "hasMembership",
        "ChangeEvent",
        "changedBy",
        "resultedFrom",
        "originalOrganization",
        "resultingOrganization",
    )
}
J = {
    name: JITARSA + name
    for name in (
        "sourceEntry",
        "sourcePosition",
        "englishNameBasis",
        "thaiNameBasis",
        "listEntry",
        "listPosition",
        "listedAsOf",
    )
}
DERIVED_FROM = PROV + "wasDerivedFrom"
OWL_SAME_AS = OWL + "sameAs"
_INTEGER = XSD + "integer"
_DATE = XSD + "date"

#: The plain form of an object: an IRI as its text, a literal as (text, language, datatype).
PlainLiteral = tuple[str, str | None, str | None]
Pair = tuple[str, str | PlainLiteral]  # (predicate, object) of one subject


class Blank(str):
    """A blank node's label as text (`_:b0`): none in jitarsa's graph, but SHACL test data may
    hold them."""


def compact(term):
    """A pyoxigraph term in the graph's plain form."""
    if isinstance(term, NamedNode):
        return term.value
    if isinstance(term, Literal):
        if term.language:
            return (term.value, term.language, None)
        return (term.value, None, term.datatype.value)
    if isinstance(term, BlankNode):
        return Blank("_:" + term.value)
    raise TypeError(f"not an RDF term of a graph: {term!r}")


def term(value):
    """The pyoxigraph term of a plain value (the inverse of `compact`)."""
    if type(value) is tuple:
        text, lang, datatype = value
        if lang is not None:
            return Literal(text, language=lang)
        return Literal(text, datatype=NamedNode(datatype))
    if isinstance(value, Blank):
        return BlankNode(value[2:])
    return NamedNode(value)


class Graph:
    """The knowledge graph in canonical order: subjects by IRI; in each, rdf:type first, then
    predicates by IRI, objects by IRI or by language (Thai before English) and text.

    `statements[subject]` is its list of (predicate, object) in that order; `iris` the set of
    IRIs used as predicates, objects and datatypes (found by a scan unless the maker knows)."""

    def __init__(self, statements: dict[str, list[tuple]], iris: set[str] | None = None):
        self.statements = statements
        self.subjects = sorted(statements)
        self.size = sum(map(len, statements.values()))
        self._iris = iris

    @property
    def iris(self) -> set[str]:
        if self._iris is None:
            groups = self.statements.values()
            self._iris = {p for pairs in groups for p, _ in pairs} | {
                o if type(o) is str else o[2] or LANG_STRING for pairs in groups for _, o in pairs
            }
        return self._iris

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[Triple]:
        predicates: dict[str, NamedNode] = {}
        for s in self.subjects:
            subject = term(s)
            for p, o in self.statements[s]:
                node = predicates.get(p) or predicates.setdefault(p, NamedNode(p))
                yield Triple(subject, node, term(o))


class IRIs:
    """Entity IRIs of a dataset under its base: one place decides how an id becomes an IRI."""

    def __init__(self, dataset: Dataset):
        self.base = dataset.info.base
        self._kind = {r.id: r.kind for r in dataset.records}
        self._texts: dict[str, str] = {}

    def __call__(self, record_id: str) -> NamedNode:
        return NamedNode(self.text(record_id))

    def text(self, record_id: str) -> str:
        found = self._texts.get(record_id)
        if found is None:
            found = self._texts[record_id] = entity_iri(self.base, self._kind[record_id], record_id)
        return found


def _emit(record: Record, dataset: Dataset, iri: IRIs, note) -> tuple[list, list]:
    """The record's own (predicate, object) pairs, and the (subject, predicate, object) links
    it implies on others; `note(iri)` is called for every IRI used as an object or datatype.

    Plain lists and tuples, not a call per triple: building the graph is a fifth of a
    registry-sized build."""
    s = iri.text(record.id)
    kind = dataset.kinds[record.kind]
    own: list[Pair] = [(_TYPE_IRI, expand(cls)) for cls in kind.types]
    if kind.organisation:
        own.append((_TYPE_IRI, Org["Organization"]))
    for _, cls in own:
        note(cls)
    add = own.append
    note(LANG_STRING)  # every record has a name
    for lang, text in record.name.items():
        add((S["name"], (text, lang, None)))
    if record.name_en_basis and "en" in record.name:
        note(NAME_BASIS[record.name_en_basis])
        add((J["englishNameBasis"], NAME_BASIS[record.name_en_basis]))
    if record.th_basis:
        note(NAME_BASIS[record.th_basis])
        add((J["thaiNameBasis"], NAME_BASIS[record.th_basis]))
    for lang, names in record.alternate_names.items():
        for text in names:
            add((S["alternateName"], (text, lang, None)))
    for lang, text in record.description.items():
        add((S["description"], (text, lang, None)))
    others = []
    links = [(t, S["memberOf"], S["member"]) for t in record.member_of] + [
        (t, Org["memberOf"], Org["hasMember"]) for t in record.member_of
    ]
    if record.parent:
        links += [
            (record.parent, S["parentOrganization"], S["subOrganization"]),
            (record.parent, Org["subOrganizationOf"], Org["hasSubOrganization"]),
        ]
    if links:
        note(s)
    for target, forward, inverse in links:
        t = iri.text(target)
        note(t)
        add((forward, t))
        others.append((t, inverse, s))
    if record.founded:
        lexical, datatype = record.founded
        note(datatype)
        add((S["foundingDate"], (lexical, None, datatype)))
    if record.dissolved:
        lexical, datatype = record.dissolved
        note(datatype)
        add((S["dissolutionDate"], (lexical, None, datatype)))
    if record.successor:
        others += _change(record, s, iri, note)
        add((Org["changedBy"], change_iri(iri.base, record.id)))
    for place in record.area_served:
        t = iri.text(place)
        note(t)
        add((S["areaServed"], t))
    if record.url:
        note(record.url)
        add((S["url"], record.url))
    if record.wikidata:
        item = WD + record.wikidata
        note(item)
        add((S["sameAs"], item))
        add((OWL_SAME_AS, item))
    for source in record.sources:
        note(source.url)
        add((DERIVED_FROM, source.url))
    listed = record.listed
    if listed and dataset.lists and listed.url != dataset.lists[0].url:
        listed = None  # only the primary list's entry is quoted on the record itself
    if listed:
        note(_INTEGER)
        assert listed.entry is not None  # what makes it the listed source
        add((J["sourceEntry"], quote(listed)))
        add((J["sourcePosition"], (str(listed.position), None, _INTEGER)))
    for source in record.listings:
        found = dataset.list_by_url.get(source.url)
        if found is not None:
            others += _membership(found, source, s, iri, note)
    return own, others


def quote(source) -> PlainLiteral:
    """A list entry verbatim, tagged by its script: Thai script `th`, English words in Latin
    script `en` (as the record says), anything else (a brand) a plain string."""
    tag = source.entry_tag
    return (source.entry, tag, None) if tag else (source.entry, None, XSD_STRING)


def _change(record: Record, s: str, iri: IRIs, note) -> list[tuple]:
    """The W3C ORG change event that ended an organisation and resulted in its successor,
    derived from the source that dates the end."""
    event = change_iri(iri.base, record.id)
    successor = iri.text(record.successor or "")
    sources = [x.url for x in record.sources if "dissolved" in x.about]
    for value in (event, successor, Org["ChangeEvent"], *sources):
        note(value)
    return [
        (event, _TYPE_IRI, Org["ChangeEvent"]),
        (event, Org["originalOrganization"], s),
        (event, Org["resultingOrganization"], successor),
        (successor, Org["resultedFrom"], event),
        *((event, DERIVED_FROM, url) for url in sources),
    ]


def _membership(found, source, member: str, iri: IRIs, note) -> list[tuple]:
    """The W3C ORG membership a stored list states, as a node of its own: who, of what,
    derived from which source, the day that list was read, and the list's entry verbatim with
    its position; the member links to it (org:hasMembership, the inverse of org:member)."""
    m = membership_iri(iri.base, found.slug, member.rsplit("/", 1)[1])
    organisation = iri.text(found.organisation)
    for value in (m, organisation, member, Org["Membership"], source.url, _DATE):
        note(value)
    return [
        (member, Org["hasMembership"], m),
        (m, _TYPE_IRI, Org["Membership"]),
        (m, Org["member"], member),
        (m, Org["organization"], organisation),
        (m, DERIVED_FROM, source.url),
        (m, J["listEntry"], quote(source)),
        (m, J["listPosition"], (str(source.position), None, _INTEGER)),
        (m, J["listedAsOf"], (found.retrieved, None, _DATE)),
    ]


def record_triples(record: Record, dataset: Dataset, iri: IRIs) -> Iterator[Triple]:
    """Every triple whose subject is this record, plus the inverse links it implies, as
    pyoxigraph Triples (the naive pipeline of benchmarks/scale.py builds an rdflib graph so)."""
    subject = iri(record.id)
    own, others = _emit(record, dataset, iri, lambda _: None)
    for p, o in own:
        yield Triple(subject, NamedNode(p), term(o))
    for t, p, o in others:
        yield Triple(NamedNode(t), NamedNode(p), term(o))


def _in_order(pairs) -> list[tuple]:
    """(predicate, object) pairs of one subject, without repeats, in the canonical order."""
    return sorted(dict.fromkeys(pairs), key=_pair_key)


def _pair_key(pair: tuple) -> tuple:
    p, o = pair
    return (p != _TYPE_IRI, p, _object_key(o))


def triples(dataset: Dataset, progress=None) -> Graph:
    """The whole graph of a dataset, without duplicates, in the canonical order.

    Each record's statements are sorted as they are made; the inverse links a record implies
    on others are kept aside and merged into their subjects at the end."""
    from jitarsa._util.progress import SILENT

    iri = IRIs(dataset)
    statements: dict[str, list[tuple]] = {}
    inverse: dict[str, list] = {}
    iris: set[str] = set()  # noted as made: a scan of the finished graph costs far more
    note, predicate_of = iris.add, itemgetter(0)
    with (progress or SILENT).stage("build", len(dataset.records), "records") as stage:
        for i, record in enumerate(dataset.records, 1):
            own, others = _emit(record, dataset, iri, note)
            statements[iri.text(record.id)] = _in_order(own)
            iris.update(map(predicate_of, own))
            for t, p, o in others:
                found = inverse.get(t)
                if found is None:
                    inverse[t] = [(p, o)]
                else:
                    found.append((p, o))
                note(p)
            if i % 1000 == 0:
                stage.advance(1000)
        for t, extra in inverse.items():
            statements[t] = _in_order(statements.get(t, []) + extra)
        return Graph(statements, iris)


def _object_key(value) -> tuple:
    """The sort key of an object in plain form."""
    if type(value) is tuple:
        text, lang, datatype = value
        if lang is not None:
            return (1, _LANG_ORDER.get(lang, len(LANGUAGES)), text, LANG_STRING)
        return (1, len(LANGUAGES), text, datatype)
    return (0, 0, value, "")


def triple_key(t: Triple) -> tuple:
    """Subjects by IRI; rdf:type first, then predicates by IRI; Thai before English."""
    subject = t.subject
    assert not isinstance(subject, Triple), "jitarsa's graphs have no RDF-star subjects"
    return (subject.value, *_pair_key((t.predicate.value, compact(t.object))))


def sort_triples(found: Iterable[Triple]) -> list[Triple]:
    return sorted(found, key=triple_key)


def as_graph(triples) -> Graph:
    """A Graph of anything `graph.triples()` or a list of pyoxigraph Triples."""
    if isinstance(triples, Graph):
        return triples
    statements: dict[str, list[tuple]] = {}
    for t in sort_triples(set(triples)):
        statements.setdefault(compact(t.subject), []).append((t.predicate.value, compact(t.object)))
    return Graph(statements)
