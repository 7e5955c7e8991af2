"""The entities a reconciliation service matches, read from the published graph's N-Triples.

Each entity under the dataset's base with a `schema:name`, with the values the index and the
service read: its names, alternate names and the sources' verbatim list entries (on the entity,
`jitarsa:sourceEntry`, and on its memberships, `jitarsa:listEntry`), its types, and the
properties a query may condition on or a data extension fetch (`PROPERTIES`). Nothing is added
that the graph does not say.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from jitarsa.namespaces import JITARSA, RDF, SCHEMA, expand, shorten
from jitarsa.reconcile import names

NAME, ALTERNATE = SCHEMA + "name", SCHEMA + "alternateName"
SOURCE_ENTRY, LIST_ENTRY = JITARSA + "sourceEntry", JITARSA + "listEntry"
_MEMBER = "http://www.w3.org/ns/org#member"
TYPE = RDF + "type"
_MEMBER_BYTES = _MEMBER.encode()


@dataclass(frozen=True)
class Property:
    """A property a query may condition on and a data extension may fetch."""

    id: str  # its CURIE, as the graph's predicate
    name: str
    description: str
    kind: str  # "entity" (another entity's id), "qid", "url", "text" or "date"
    aliases: tuple[str, ...] = ()

    @property
    def iri(self) -> str:
        return expand(self.id)


PROPERTIES = (
    Property("schema:name", "name", "every name of the organisation (Thai, English)", "text"),
    Property(
        "schema:alternateName",
        "alternate name",
        "abbreviations and other names",
        "text",
        ("alternateName", "alias"),
    ),
    Property(
        "schema:memberOf",
        "member of",
        "a network or organisation it is a member of (its id)",
        "entity",
        ("memberOf", "member_of", "network"),
    ),
    Property(
        "schema:parentOrganization",
        "parent organisation",
        "the organisation it belongs to",
        "entity",
        ("parent", "parentOrganization"),
    ),
    Property(
        "owl:sameAs",
        "Wikidata item",
        "its Wikidata QID (Q…)",
        "qid",
        ("wikidata", "qid", "P2888"),
    ),
    Property("schema:url", "website", "its official website", "url", ("url", "website", "P856")),
    Property("schema:description", "description", "a short description", "text"),
    Property("schema:foundingDate", "founded", "the year or date it was founded", "date"),
    Property("jitarsa:sourceEntry", "list entry", "its entry in a source's member list", "text"),
)
_PROPERTY_BY_NAME = {
    alias.casefold(): p for p in PROPERTIES for alias in (p.id, p.iri, p.name, *p.aliases)
}
_VALUE_PREDICATES = {p.iri for p in PROPERTIES} | {TYPE, LIST_ENTRY, _MEMBER}


def find_property(pid: str) -> Property | None:
    """The property a query names by CURIE, IRI, name or alias (case-insensitive)."""
    return _PROPERTY_BY_NAME.get(pid.strip().casefold())


@dataclass
class Entity:
    id: str  # the entity IRI relative to the base: org/mirror-foundation
    iri: str
    number: int = 0  # its place in the index's list
    values: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @property
    def name(self) -> str:
        """Its name for a list: the Thai name, else the English one, else its id."""
        found = self.values.get(NAME) or [self.id]
        return found[0]

    @property
    def types(self) -> list[str]:
        return self.values.get(TYPE, [])


#: A line of one of the predicates the index reads: subject, predicate, IRI or literal object.
_LINE = re.compile(
    rb"^<([^>]*)> <("
    + b"|".join(re.escape(p.encode()) for p in sorted(_VALUE_PREDICATES))
    + rb')> (?:<([^>]*)>|"((?:[^"\\]|\\.)*)"(?:@[A-Za-z0-9-]+|\^\^<[^>]*>)?) \.\r?$',
    re.M,
)
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_ESCAPED = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(text: str) -> str:
    """An N-Triples string's escapes (ECHAR, UCHAR) resolved."""
    if "\\" not in text:
        return text
    return _ESCAPE.sub(
        lambda m: (
            chr(int(m.group(1)[1:], 16))
            if m.group(1)[0] in "uU"
            else _ESCAPED.get(m.group(1), m.group(1))
        ),
        text,
    )


def read_entities(ntriples: bytes, base: str) -> list[Entity]:
    """The entities under BASE with a `schema:name`, and the values the index needs, from
    N-Triples (one pass of a regular expression; lines of other predicates are skipped)."""
    values: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    members: dict[str, str] = {}
    for found in _LINE.finditer(ntriples):
        subject, predicate, iri, literal = found.groups()
        if predicate == _MEMBER_BYTES and iri is not None:
            members[subject.decode()] = iri.decode()
            continue
        text = iri.decode() if iri is not None else _unescape(literal.decode())
        values[subject.decode()][predicate.decode()].append(text)
    for membership, member in members.items():  # a list entry names the membership's member
        for entry in values.get(membership, {}).get(LIST_ENTRY, ()):
            found_entries = values[member][LIST_ENTRY]
            if entry not in found_entries:
                found_entries.append(entry)
    named = [iri for iri, held in values.items() if NAME in held]
    if named and not any(iri.startswith(base) for iri in named):
        base = _base_of(named) or base  # a dump published under another base (--dump)
    entities = []
    for iri_text in sorted(values):
        held = values[iri_text]
        if not iri_text.startswith(base) or NAME not in held:
            continue
        held[NAME].sort(key=lambda n: (not names.has_thai(n), n))
        entities.append(Entity(iri_text[len(base) :], iri_text, values=held))
    return entities


_ENTITY_IRI = re.compile(r"(.*/)(?:org|place)/[a-z0-9]+(?:-[a-z0-9]+)*")


def _base_of(iris: list[str]) -> str | None:
    """The base most entity IRIs (`<base>org/<id>`, `<base>place/<id>`) share, if any."""
    found = Counter(m.group(1) for iri in iris if (m := _ENTITY_IRI.fullmatch(iri)))
    return found.most_common(1)[0][0] if found else None


def type_name(iri: str) -> str:
    return shorten(iri)
