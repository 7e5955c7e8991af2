"""The in-memory index of every name the registry holds, its candidates and their scores.

Built from the published graph's N-Triples (what `jitarsa serve` holds, whatever the data
option): each entity's names (`schema:name`, `schema:alternateName`) and the sources' verbatim
list entries (`jitarsa:sourceEntry`, and `jitarsa:listEntry` on its memberships), each in the
forms `names.variants` gives, plus the RTGS romanisation of every Thai one. Nothing is added
that the graph does not say.

A query's candidates come from a character-trigram index over the keys' cores (exact keys are
looked up first); RapidFuzz scores the few hundred keys that share the most trigrams. The score
of a candidate is its best key's similarity (0-100, see `SCORE_RULE`), moved up or down by the
property conditions of the query; `match` is true only when the top candidate is clearly
ahead (`MATCH_SCORE`, `MATCH_MARGIN`).
"""

from __future__ import annotations

import heapq
import re
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from jitarsa.namespaces import JITARSA, OWL, RDF, SCHEMA, WD, expand, shorten
from jitarsa.reconcile import names

#: `match: true` needs a score of at least MATCH_SCORE and a lead of MATCH_MARGIN points over
#: the next candidate: a wrong automatic match is the worst outcome (a curator accepts it
#: without looking), so near-ties and romanisation-only evidence never match on their own.
MATCH_SCORE = 90.0
MATCH_MARGIN = 10.0
#: A name reached only through its romanisation counts at most this much (RTGS is lossy and
#: PyThaiNLP's rules guess syllable breaks): such a candidate ranks but never matches alone.
ROMANISED_WEIGHT = 0.85
#: How much the core of a name (without its organisational words) weighs against the whole.
CORE_WEIGHT = 0.8
#: Property conditions: a value the candidate has raises its score, a different value lowers it.
AGREE, DISAGREE = 10.0, -25.0
CANDIDATE_KEYS = 300  # keys scored per query: the ones sharing the most trigrams
COMMON_GRAM = 0.05  # a trigram in more than this share of keys is skipped (if others remain)
SCORE_RULE = (
    "100 when the normalised query equals a name; otherwise RapidFuzz's token-sort ratio of the "
    f"names' cores (weight {CORE_WEIGHT}) and whole names ({1 - CORE_WEIGHT:.1f}), "
    f"romanised matches times {ROMANISED_WEIGHT}; +{AGREE:g} for each property condition the "
    f"candidate meets, {DISAGREE:g} for each it contradicts; clipped to 0-100"
)

_NAME, _ALTERNATE = SCHEMA + "name", SCHEMA + "alternateName"
_SOURCE_ENTRY, _LIST_ENTRY = JITARSA + "sourceEntry", JITARSA + "listEntry"
_MEMBER = "http://www.w3.org/ns/org#member"
_TYPE = RDF + "type"


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
_VALUE_PREDICATES = {p.iri for p in PROPERTIES} | {_TYPE, _LIST_ENTRY, _MEMBER}


def find_property(pid: str) -> Property | None:
    """The property a query names by CURIE, IRI, name or alias (case-insensitive)."""
    return _PROPERTY_BY_NAME.get(pid.strip().casefold())


@dataclass
class Entity:
    id: str  # the entity IRI relative to the base: org/mirror-foundation
    iri: str
    values: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @property
    def name(self) -> str:
        """Its name for a list: the Thai name, else the English one, else its id."""
        found = self.values.get(_NAME) or [self.id]
        return found[0]

    @property
    def types(self) -> list[str]:
        return self.values.get(_TYPE, [])


@dataclass(frozen=True)
class Candidate:
    entity: Entity
    score: float
    features: tuple[tuple[str, float | bool], ...]
    match: bool = False


class Index:
    """Every name of every entity of a graph, ready to be queried."""

    def __init__(self, entities: list[Entity], base: str, romanise: bool = True):
        self.base = base
        self.entities = entities
        self.by_id = {e.id: e for e in entities}
        self.by_iri = {e.iri: e for e in entities}
        self.types = sorted({t for e in entities for t in e.types})
        self._qids: dict[str, list[int]] = defaultdict(list)
        self._urls: dict[str, list[int]] = defaultdict(list)
        self._script: list[_Keys] = [_Keys(3), _Keys(2)]  # written names, romanisations
        for number, entity in enumerate(entities):
            for value in entity.values.get(OWL + "sameAs", ()):
                self._qids[value.removeprefix(WD)].append(number)
            for value in entity.values.get(SCHEMA + "url", ()):
                self._urls[_url_key(value)].append(number)
            written = {
                key
                for predicate in (_NAME, _ALTERNATE, _SOURCE_ENTRY, _LIST_ENTRY)
                for text in entity.values.get(predicate, ())
                for key in names.variants(text)
            }
            for key in sorted(written):
                self._script[0].add(key, names.core(key), number)
                if romanise and names.has_thai(key):
                    latin = names.romanise(key)
                    if latin:
                        self._script[1].add(
                            names.skeleton(latin),
                            names.skeleton(names.romanise(names.core(key))),
                            number,
                        )
        for keys in self._script:
            keys.freeze()

    def search(
        self,
        text: str,
        types: tuple[str, ...] = (),
        conditions: tuple[tuple[Property, tuple], ...] = (),
        limit: int = 10,
    ) -> list[Candidate]:
        """The best LIMIT candidates for TEXT (of one of TYPES), best first."""
        allowed = self._allowed(types)
        scored: dict[int, tuple[float, str]] = {}
        for qkey in names.variants(text) if text.strip() else ():
            qcore = names.core(qkey)
            for number, score in self._script[0].scores(qkey, qcore, allowed):
                if score > scored.get(number, (-1.0, ""))[0]:
                    scored[number] = (score, "written")
            if names.has_latin(qkey):
                qsk = names.skeleton(qkey)
                qsk_core = names.skeleton(names.latin_core(qkey))
                for number, score in self._script[1].scores(qsk, qsk_core, allowed):
                    score *= ROMANISED_WEIGHT
                    if score > scored.get(number, (-1.0, ""))[0]:
                        scored[number] = (score, "romanised")
        if not text.strip():
            for number in self._by_identifier(conditions):
                if allowed is None or number in allowed:
                    scored[number] = (100.0, "identifier")
        out = []
        for number, (name_score, via) in scored.items():
            entity = self.entities[number]
            features: list[tuple[str, float | bool]] = [
                ("name", round(name_score, 1)),
                ("romanised", via == "romanised"),
            ]
            score = name_score
            for prop, values in conditions:
                effect = self._condition(entity, prop, values)
                features.append((prop.id, effect))
                score += effect
            out.append(Candidate(entity, round(max(0.0, min(100.0, score)), 1), tuple(features)))
        out.sort(key=lambda c: (-c.score, c.entity.id))
        if out and out[0].score >= MATCH_SCORE and not out[0].features[1][1]:
            runner_up = out[1].score if len(out) > 1 else 0.0
            if out[0].score - runner_up >= MATCH_MARGIN:  # the rule sees every candidate
                first = out[0]
                out[0] = Candidate(first.entity, first.score, first.features, match=True)
        return out[:limit]

    def _allowed(self, types: tuple[str, ...]) -> set[int] | None:
        if not types:
            return None
        wanted = set(types)
        return {n for n, e in enumerate(self.entities) if wanted.intersection(e.types)}

    def _by_identifier(self, conditions) -> set[int]:
        found: set[int] = set()
        for prop, values in conditions:
            for value in values:
                if prop.kind == "qid":
                    found.update(self._qids.get(_qid(value), ()))
                elif prop.kind == "url":
                    found.update(self._urls.get(_url_key(value), ()))
        return found

    def _condition(self, entity: Entity, prop: Property, values: tuple) -> float:
        """AGREE when ENTITY has one of VALUES for PROP, DISAGREE when it has others, else 0."""
        held = entity.values.get(prop.iri, [])
        if not held:
            return 0.0
        if prop.kind == "qid":
            mine = {h.removeprefix(WD) for h in held}
            return AGREE if any(_qid(v) in mine for v in values) else DISAGREE
        if prop.kind == "url":
            mine = {_url_key(h) for h in held}
            return AGREE if any(_url_key(v) in mine for v in values) else DISAGREE
        if prop.kind == "entity":
            related = [self.by_iri.get(h) for h in held]
            keys = {h for h in held} | {r.id for r in related if r is not None}
            keys |= {
                names.normalise(n)
                for r in related
                if r is not None
                for p in (_NAME, _ALTERNATE)
                for n in r.values.get(p, ())
            }
            wanted = (
                {self.base + v for v in values} | set(values) | {names.normalise(v) for v in values}
            )
            return AGREE if keys & wanted else DISAGREE
        mine = {names.normalise(h) for h in held}
        return AGREE if any(names.normalise(v) in mine for v in values) else DISAGREE

    def suggest(self, prefix: str, types: tuple[str, ...] = (), limit: int = 10) -> list[Entity]:
        """Entities a typed PREFIX may name: names starting with it first, then the search's."""
        key = names.normalise(prefix)
        if not key:
            return []
        allowed = self._allowed(types)
        starts = self._script[0].starting(key, allowed, limit)
        rest = [c.entity for c in self.search(prefix, types, limit=limit)]
        seen: dict[str, Entity] = {}
        for entity in [self.entities[n] for n in starts] + rest:
            seen.setdefault(entity.id, entity)
        return list(seen.values())[:limit]


class _Keys:
    """Distinct comparison keys, their owners and a trigram index over their cores."""

    def __init__(self, size: int = 3):
        self.size = size  # of the grams: romanisation skeletons are short, so bigrams
        self.position: dict[str, int] = {}
        self.keys: list[str] = []
        self.cores: list[str] = []
        self.owners: list[list[int]] = []
        self.grams: dict[str, array] = {}
        self.sorted: list[tuple[str, int]] = []

    def add(self, key: str, key_core: str, number: int) -> None:
        if not key:
            return
        at = self.position.get(key)
        if at is None:
            at = self.position[key] = len(self.keys)
            self.keys.append(key)
            self.cores.append(key_core)
            self.owners.append([])
            for gram in _grams(key_core or key, self.size):
                self.grams.setdefault(gram, array("i")).append(at)
        if number not in self.owners[at]:
            self.owners[at].append(number)

    def freeze(self) -> None:
        self.sorted = sorted((k, i) for i, k in enumerate(self.keys))

    def scores(self, qkey: str, qcore: str, allowed: set[int] | None):
        """(entity number, score) for every owner of the keys most like QKEY."""
        from rapidfuzz import fuzz

        at = self.position.get(qkey)
        chosen: set[int] = {at} if at is not None else set()
        postings = sorted(
            (
                p
                for g in set(_grams(qcore or qkey, self.size))
                if (p := self.grams.get(g)) is not None
            ),
            key=len,
        )
        common = max(64, int(COMMON_GRAM * len(self.keys)))
        kept = [p for p in postings if len(p) <= common] or postings[:3]
        counts: Counter[int] = Counter()
        for posting in kept:
            counts.update(posting)
        if allowed is not None:
            ranked = (
                (n, k) for k, n in counts.items() if any(o in allowed for o in self.owners[k])
            )
            chosen.update(k for _, k in heapq.nlargest(CANDIDATE_KEYS, ranked))
        else:
            chosen.update(k for k, _ in counts.most_common(CANDIDATE_KEYS))
        for k in chosen:
            key, key_core = self.keys[k], self.cores[k]
            if key == qkey:
                score = 100.0
            elif qcore and key_core:
                score = CORE_WEIGHT * fuzz.token_sort_ratio(qcore, key_core) + (
                    1 - CORE_WEIGHT
                ) * fuzz.token_sort_ratio(qkey, key)
            else:
                score = fuzz.token_sort_ratio(qkey, key) * (CORE_WEIGHT if key_core else 1.0)
            for number in self.owners[k]:
                if allowed is None or number in allowed:
                    yield number, score

    def starting(self, prefix: str, allowed: set[int] | None, limit: int) -> list[int]:
        import bisect

        out: list[int] = []
        at = bisect.bisect_left(self.sorted, (prefix, -1))
        while at < len(self.sorted) and len(out) < limit:
            key, k = self.sorted[at]
            if not key.startswith(prefix):
                break
            out.extend(n for n in self.owners[k] if allowed is None or n in allowed)
            at += 1
        return out[:limit]


def _grams(text: str, size: int) -> list[str]:
    text = text.replace(" ", "")
    if len(text) < size:
        return [text] if text else []
    return [text[i : i + size] for i in range(len(text) - size + 1)]


_QID = re.compile(r"(Q[1-9][0-9]{0,9})\Z")


def _qid(value: str) -> str:
    found = _QID.search(value.strip())
    return found.group(1) if found else value.strip()


def _url_key(url: str) -> str:
    """A website compared without its scheme, `www.`, case of the host or a final slash."""
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip(), flags=re.I)
    host, sep, rest = text.partition("/")
    return host.casefold().removeprefix("www.") + (sep + rest).rstrip("/")


def read_entities(ntriples: bytes, base: str) -> list[Entity]:
    """The entities under BASE with a `schema:name`, and the values the index needs, from
    N-Triples (only the lines of those predicates are parsed)."""
    from pyoxigraph import Literal, NamedNode, RdfFormat, parse

    wanted = [f"> <{p}> ".encode() for p in _VALUE_PREDICATES]
    lines = b"\n".join(line for line in ntriples.split(b"\n") if any(w in line for w in wanted))
    values: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    members: dict[str, str] = {}
    for triple in parse(lines, format=RdfFormat.N_TRIPLES):
        subject, predicate, obj = triple.subject, triple.predicate.value, triple.object
        if not isinstance(subject, NamedNode):
            continue
        if predicate == _MEMBER and isinstance(obj, NamedNode):
            members[subject.value] = obj.value
            continue
        text = obj.value if isinstance(obj, (Literal, NamedNode)) else None
        if text is not None:
            values[subject.value][predicate].append(text)
    for membership, member in members.items():  # a list entry names the membership's member
        for entry in values.get(membership, {}).get(_LIST_ENTRY, ()):
            found = values[member][_LIST_ENTRY]
            if entry not in found:
                found.append(entry)
    entities = []
    for iri in sorted(values):
        held = values[iri]
        if not iri.startswith(base) or _NAME not in held:
            continue
        held[_NAME].sort(key=lambda n: (not names.has_thai(n), n))
        entities.append(Entity(iri[len(base) :], iri, held))
    return entities


def build_index(ntriples: bytes, base: str, romanise: bool = True) -> Index:
    """The index of the graph NTRIPLES, whose entity IRIs start with BASE."""
    return Index(read_entities(ntriples, base), base, romanise)


def type_name(iri: str) -> str:
    return shorten(iri)
