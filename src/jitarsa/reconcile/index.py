"""The in-memory index of every name the registry holds, its candidates and their scores.

Built from the entities of the published graph (`entities.read_entities`): each entity's names
(`schema:name`, `schema:alternateName`) and the sources' verbatim list entries, each in the
forms `names.variants` gives, plus the RTGS romanisation of every Thai one.

A query's candidates come from a character-trigram index over the keys' cores (exact keys are
looked up first); RapidFuzz scores the few hundred keys that share the most trigrams. The score
of a candidate is its best key's similarity (0-100, see `SCORE_RULE`), moved up or down by the
property conditions of the query; `match` is true only when the top candidate is clearly
ahead (`MATCH_SCORE`, `MATCH_MARGIN`).
"""

from __future__ import annotations

import re
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass

from jitarsa.namespaces import OWL, SCHEMA, WD
from jitarsa.reconcile import names
from jitarsa.reconcile.entities import (
    ALTERNATE,
    LIST_ENTRY,
    NAME,
    SOURCE_ENTRY,
    Entity,
    Property,
    read_entities,
)

#: `match: true` needs a score of at least MATCH_SCORE and a lead of MATCH_MARGIN points over
#: the next candidate: a wrong automatic match is the worst outcome (a curator accepts it
#: without looking), so near-ties and romanisation-only evidence never match on their own.
MATCH_SCORE = 90.0
MATCH_MARGIN = 10.0
MATCH_RUNNERS = 1  # candidates beyond the limit the rule compares with (the runner-up)
#: A name reached only through its romanisation counts at most this much (RTGS is lossy and
#: PyThaiNLP's rules guess syllable breaks): such a candidate ranks but never matches alone.
ROMANISED_WEIGHT = 0.85
#: A part of the query in brackets, matched on its own, counts at most this much.
BRACKETED_WEIGHT = 0.9
#: How much the core of a name (without its organisational words) weighs against the whole.
CORE_WEIGHT = 0.8
#: Property conditions: a value the candidate has raises its score, a different value lowers it.
AGREE, DISAGREE = 10.0, -25.0
SUGGEST = 60.0  # suggest lists the search's candidates from this score up, after prefix matches
CANDIDATE_KEYS = 300  # keys scored per query: the ones sharing the most trigrams
#: Candidate keys come from the query's rarest trigrams: at least MIN_GRAMS of them, then more
#: while they list at most MAX_POSTINGS keys in all (common trigrams find everything).
MIN_GRAMS, MAX_POSTINGS = 3, 12_000
SCORE_RULE = (
    "100 when the normalised query equals a name; otherwise RapidFuzz's token-sort ratio of the "
    f"names' cores (weight {CORE_WEIGHT}) and whole names ({1 - CORE_WEIGHT:.1f}), "
    f"romanised matches times {ROMANISED_WEIGHT}; +{AGREE:g} for each property condition the "
    f"candidate meets, {DISAGREE:g} for each it contradicts; clipped to 0-100"
)


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
        for number, entity in enumerate(entities):
            entity.number = number
        self.by_id = {e.id: e for e in entities}
        self.by_iri = {e.iri: e for e in entities}
        self._of_type: dict[str, set[int]] = defaultdict(set)
        for entity in entities:
            for kind in entity.types:
                self._of_type[kind].add(entity.number)
        self.types = sorted(self._of_type)
        self._qids: dict[str, list[int]] = defaultdict(list)
        self._urls: dict[str, list[int]] = defaultdict(list)
        self._script: list[_Keys] = [_Keys(3), _Keys(2)]  # written names, romanisations
        self._romanised: dict[str, tuple[str, str]] = {}  # while building
        for number, entity in enumerate(entities):
            for value in entity.values.get(OWL + "sameAs", ()):
                self._qids[value.removeprefix(WD)].append(number)
            for value in entity.values.get(SCHEMA + "url", ()):
                self._urls[_url_key(value)].append(number)
            own = {
                key
                for predicate in (NAME, ALTERNATE)
                for text in entity.values.get(predicate, ())
                for key in names.variants(text)
            }
            written = own | {
                key
                for predicate in (SOURCE_ENTRY, LIST_ENTRY)
                for text in entity.values.get(predicate, ())
                for key in names.variants(text)
            }
            for key in sorted(written):
                self._add(key, number, key in own, romanise)
        for keys in self._script:
            keys.freeze()
        self._romanised.clear()

    def _add(self, key: str, number: int, own: bool, romanise: bool) -> None:
        """KEY as a name of entity NUMBER, and its romanisation if it is Thai (each distinct
        key is normalised and romanised once: registries repeat names)."""
        written, latin = self._script
        written.add(key, "" if key in written.position else names.core(key), number, own)
        if not romanise or not names.has_thai(key):
            return
        found = self._romanised.get(key)
        if found is None:
            full, core = names.romanise(key)
            found = self._romanised[key] = (names.skeleton(full), names.skeleton(core))
        if found[0]:
            latin.add(found[0], found[1], number, own)

    def search(
        self,
        text: str,
        types: tuple[str, ...] = (),
        conditions: tuple[tuple[Property, tuple], ...] = (),
        limit: int = 10,
    ) -> list[Candidate]:
        """The best LIMIT candidates for TEXT (of one of TYPES), best first."""
        allowed = self._allowed(types)
        ranked: list[tuple[float, int, int]] = []  # (name score, script, key): 0 written, 1 RTGS
        forms = names.variants(text) if text.strip() else ()
        for position, qkey in enumerate(forms):
            # the query's bracketed parts (forms after the whole and the bracketless) count
            # less: "(มสส.)" after a programme's name is its parent's abbreviation
            weight = BRACKETED_WEIGHT if position >= 2 else 1.0
            found = self._script[0].scores(qkey, names.core(qkey))
            ranked += [(v * weight, 0, k) for v, k in found]
            if names.has_latin(qkey):
                qsk, qsk_core = names.skeleton(qkey), names.skeleton(names.latin_core(qkey))
                found = self._script[1].scores(qsk, qsk_core)
                ranked += [(v * weight * ROMANISED_WEIGHT, 1, k) for v, k in found]
        ranked.sort(key=lambda r: (-r[0], r[1]))
        # Only the best can be shown or move: conditions add at most AGREE each. Keys are
        # taken best first until `reach` entities are in and the rest could not catch up.
        reach, floor = limit + 1 + MATCH_RUNNERS, -1.0
        # entity number → (score, how, whether the key is its own name rather than an entry)
        best: dict[int, tuple[float, str, bool]] = {}
        for score, script, k in ranked:
            if score < floor:
                break
            keys = self._script[script]
            for number in keys.owners[k]:
                if allowed is not None and number not in allowed:
                    continue
                own = (k, number) in keys.own
                held = best.get(number)
                if held is None or (held[0] == score and own and not held[2]):
                    best[number] = (score, ("written", "romanised")[script], own)
            if floor < 0 and len(best) >= reach:
                floor = score - AGREE * len(conditions)
        if not text.strip():
            for number in self._by_identifier(conditions):
                if allowed is None or number in allowed:
                    best[number] = (100.0, "identifier", True)
        out = []
        owns = {}
        for number, (name_score, via, own) in best.items():
            owns[number] = own
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
        # equal scores: an entity's own name before a list entry that mentions it in passing
        out.sort(key=lambda c: (-c.score, not owns[c.entity.number], c.entity.id))
        if out and out[0].score >= MATCH_SCORE and not out[0].features[1][1]:
            runner_up = out[1].score if len(out) > 1 else 0.0
            if out[0].score - runner_up >= MATCH_MARGIN:  # the rule sees every candidate
                first = out[0]
                out[0] = Candidate(first.entity, first.score, first.features, match=True)
        return out[:limit]

    def _allowed(self, types: tuple[str, ...]) -> set[int] | None:
        if not types:
            return None
        if len(types) == 1:
            return self._of_type.get(types[0], set())
        return set().union(*(self._of_type.get(t, set()) for t in types))

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
                for p in (NAME, ALTERNATE)
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
        rest = [c.entity for c in self.search(prefix, types, limit=limit) if c.score >= SUGGEST]
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
        self.own: set[tuple[int, int]] = set()  # (key, entity): the key is the entity's name
        self.grams: dict[str, array] = {}
        self.sorted: list[tuple[str, int]] = []

    def add(self, key: str, key_core: str, number: int, own: bool = True) -> None:
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
        owners = self.owners[at]
        if not owners or owners[-1] != number:  # an entity adds its keys together
            owners.append(number)
        if own:
            self.own.add((at, number))

    def freeze(self) -> None:
        self.sorted = sorted((k, i) for i, k in enumerate(self.keys))

    def scores(self, qkey: str, qcore: str) -> list[tuple[float, int]]:
        """(score, key) for the CANDIDATE_KEYS keys that share most grams with QKEY's core."""
        from rapidfuzz import fuzz, process

        grams = set(_grams(qcore or qkey, self.size))
        postings = sorted((p for g in grams if (p := self.grams.get(g)) is not None), key=len)
        counts: Counter[int] = Counter()
        counted = 0
        for number, posting in enumerate(postings):  # the rarest grams say the most
            if number >= MIN_GRAMS and counted + len(posting) > MAX_POSTINGS:
                break
            counts.update(posting)
            counted += len(posting)
        chosen = [k for k, _ in counts.most_common(CANDIDATE_KEYS)]
        at = self.position.get(qkey)
        if at is not None and at not in chosen:
            chosen.append(at)
        scorer = fuzz.token_sort_ratio
        whole = process.extract(qkey, [self.keys[k] for k in chosen], scorer=scorer, limit=None)
        full = {i: v for _, v, i in whole}
        core = {}
        if qcore:
            cores = [self.cores[k] for k in chosen]
            core = {i: v for _, v, i in process.extract(qcore, cores, scorer=scorer, limit=None)}
        out = []
        for i, k in enumerate(chosen):
            key_core = self.cores[k]
            if self.keys[k] == qkey:
                score = 100.0
            elif qcore and key_core:
                score = CORE_WEIGHT * core[i] + (1 - CORE_WEIGHT) * full[i]
            else:
                score = full[i] * (CORE_WEIGHT if key_core else 1.0)
            out.append((score, k))
        return out

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


def build_index(ntriples: bytes, base: str, romanise: bool = True) -> Index:
    """The index of the graph NTRIPLES, whose entity IRIs start with BASE (or, when none
    does, with the base its entity IRIs share: a dump may have been built with `--base`)."""
    entities = read_entities(ntriples, base)
    if entities and not entities[0].iri.startswith(base):
        base = entities[0].iri[: -len(entities[0].id)]
    return Index(entities, base, romanise)
