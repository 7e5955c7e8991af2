"""`jitarsa diff`: what changed between two publications of the graph, entity by entity.

Both sides are read as N-Triples sorted line by line (the published dump is; a data folder is
built in memory; an unsorted file is sorted first), and compared in one pass: a merge of the two
line streams grouped by subject. Subjects whose lines are equal cost a list comparison; only the
few that differ are parsed and explained: organisations added, removed or re-identified (the same
Thai name under a new IRI), renamed (the same IRI, a new `schema:name`), memberships gained or
lost (with their sources, when memberships are `org:Membership` nodes with
`prov:wasDerivedFrom`), parent changes, and any other property changed.
"""

from __future__ import annotations

import filecmp
import gzip
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from jitarsa.errors import DiffError, shown
from jitarsa.namespaces import DCAT, ORG, PROV, RDF, SCHEMA, VOID, shorten

NAME = SCHEMA + "name"
TYPE = RDF + "type"
MEMBER_OF = (SCHEMA + "memberOf", ORG + "memberOf")
PARENT = (SCHEMA + "parentOrganization", ORG + "subOrganizationOf")
MEMBERSHIP = ORG + "Membership"
#: Links that only restate, from the other end, a link reported on the member or the part.
INVERSES = {
    SCHEMA + "member",
    ORG + "hasMember",
    SCHEMA + "subOrganization",
    ORG + "hasSubOrganization",
    ORG + "hasMembership",
}
#: Kinds of change, in the order they are reported.
KINDS = ("added", "removed", "reidentified", "renamed", "membership", "parent", "property")
#: The Semantic Versioning part a kind of change needs at least.
BUMPS = {"removed": "major", "reidentified": "major", "added": "minor"}
DUMP = "jitarsa.nt"


@dataclass
class Side:
    """One side of a comparison: where it came from, its version if known, and its lines."""

    label: str
    version: str | None
    lines: Callable[[], Iterator[bytes]]  # a fresh iterator over its N-Triples lines, in UTF-8
    file: Path | None = None  # the N-Triples file it reads, if it reads one


def open_side(path: str | Path) -> Side:
    """A published dump (a folder with jitarsa.nt, or an .nt / .nt.gz file) or a data folder
    (with dataset.yaml), as a side of a comparison."""
    path = Path(path)
    if path.is_dir() and (path / "dataset.yaml").exists():
        return _data_side(path)
    if path.is_dir():
        if not (path / DUMP).is_file():
            raise DiffError(
                f"is neither a published folder (no {DUMP}) nor a data folder (no dataset.yaml)",
                path,
            )
        dump = path / DUMP
        return Side(str(path), _published_version(path), lambda: _file_lines(dump), dump)
    if not path.is_file():
        raise DiffError("does not exist: give a folder or an N-Triples file", path)
    if not path.name.endswith((".nt", ".nt.gz")):
        raise DiffError("is not an N-Triples file: its name must end in .nt or .nt.gz", path)
    return Side(str(path), None, lambda: _file_lines(path), path)


def lines_side(label: str, version: str | None, data: bytes) -> Side:
    """A side from N-Triples bytes in memory (a graph just built)."""
    return Side(label, version, lambda: iter(io.BytesIO(data)))


def _data_side(path: Path) -> Side:
    from jitarsa.rdf.dumps import ntriples
    from jitarsa.rdf.graph import triples
    from jitarsa.records.load import load_dataset

    dataset = load_dataset(path)
    return lines_side(str(path), dataset.info.version, ntriples(triples(dataset)))


def _published_version(folder: Path) -> str | None:
    """The dcat:version of the void:Dataset in the folder's void.ttl, if it has one."""
    from pyoxigraph import NamedNode, RdfFormat, parse

    void = folder / "void.ttl"
    if not void.is_file():
        return None
    try:
        quads = list(parse(path=str(void), format=RdfFormat.TURTLE))
    except (OSError, SyntaxError, ValueError):
        return None
    datasets = {
        q.subject for q in quads if q.predicate.value == TYPE and q.object.value == VOID + "Dataset"
    }
    version = NamedNode(DCAT + "version")
    found = sorted(
        q.object.value for q in quads if q.predicate == version and q.subject in datasets
    )
    return found[0] if len(found) == 1 else None


#: The longest N-Triples line compared (a jitarsa dump's longest is a few kilobytes): a longer
#: one is refused before it is held in memory.
MAX_LINE_BYTES = 1 << 20
#: The largest side sorted in memory when it is not sorted already (a sorted dump of any size
#: is compared as it streams).
MAX_UNSORTED_BYTES = 1 << 30


def _file_lines(path: Path) -> Iterator[bytes]:
    """The lines of an N-Triples file as bytes: UTF-8 is decoded only where lines differ (UTF-8
    keeps the order of code points, so sorted bytes are sorted text)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            for number, line in enumerate(iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b"")):
                if len(line) > MAX_LINE_BYTES:
                    raise DiffError(
                        f"line {number + 1} is longer than {MAX_LINE_BYTES >> 20} MiB: not "
                        "N-Triples jitarsa compares",
                        path,
                    )
                if line[:1] == b"<":
                    yield line
                    continue
                stripped = line.strip()  # blank lines, comments, indented or blank-node lines
                if stripped and stripped[:1] != b"#":
                    yield stripped + b"\n"
    except (OSError, EOFError) as err:
        raise DiffError(f"could not be read: {err}", path) from None


class _Unsorted(Exception):  # noqa: N818 - a signal to sort, not an error
    pass


def _subject(line: bytes) -> bytes:
    end = line.find(b" ")
    return line[:end] if end >= 0 else line.rstrip(b"\n")  # no space: not a triple, a subject


def _groups(lines: Iterable[bytes], side: int) -> Iterator[tuple[bytes, list[bytes]]]:
    """(subject, its lines) in order; _Unsorted(side) when a subject comes back or goes
    backwards."""
    previous: bytes | None = None
    for subject, group in groupby(lines, _subject):
        if previous is not None and subject <= previous:
            raise _Unsorted(side)
        previous = subject
        yield subject, list(group)


Lines = dict[bytes, list[bytes]]


def _differing(old: Side, new: Side) -> tuple[Lines, Lines]:
    """The subjects whose lines differ, with their lines on each side: one merge of two
    sorted streams. A side found unsorted is sorted in memory (if not over MAX_UNSORTED_BYTES)
    and the merge run again; two files with the same bytes are not read line by line at all."""
    if old.file and new.file and filecmp.cmp(old.file, new.file, shallow=False):
        return {}, {}
    sides = (old, new)
    unsorted: set[int] = set()
    while True:
        try:
            # Sorted by subject, then line: each subject's lines together and in one order,
            # so the merge cannot find them out of order again, whatever bytes they hold.
            return _merge(
                *(
                    _groups(sorted(s.lines(), key=_by_subject) if i in unsorted else s.lines(), i)
                    for i, s in enumerate(sides)
                )
            )
        except _Unsorted as found:
            side = sides[found.args[0]]
            if found.args[0] in unsorted:  # cannot be, once sorted by subject: never loop
                raise DiffError("could not be sorted by subject", side.label) from None
            if side.file is not None and _size(side.file) > MAX_UNSORTED_BYTES:
                raise DiffError(
                    f"is not sorted and larger than {MAX_UNSORTED_BYTES >> 20} MiB, the most "
                    "sorted in memory: sort it first (LC_ALL=C sort -u)",
                    side.file,
                ) from None
            unsorted.add(found.args[0])


def _by_subject(line: bytes) -> tuple[bytes, bytes]:
    return _subject(line), line


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _merge(a: Iterator[tuple[bytes, list[bytes]]], b: Iterator[tuple[bytes, list[bytes]]]):
    olds: Lines = {}
    news: Lines = {}
    end: tuple[bytes | None, list[bytes]] = (None, [])
    ka, la = next(a, end)
    kb, lb = next(b, end)
    while ka is not None or kb is not None:
        if ka is not None and (kb is None or ka < kb):
            olds[ka] = la
            ka, la = next(a, end)
        elif kb is not None and (ka is None or kb < ka):
            news[kb] = lb
            kb, lb = next(b, end)
        else:
            if la != lb:
                olds[ka], news[ka] = la, lb  # type: ignore[index]  # equal keys, both str
            ka, la = next(a, end)
            kb, lb = next(b, end)
    return olds, news


# --- the differing subjects explained ----------------------------------------------------------


@dataclass
class Node:
    """A subject's statements: predicate IRI → its objects in N-Triples syntax."""

    iri: str
    values: dict[str, set[str]] = field(default_factory=dict)

    def get(self, *predicates: str) -> set[str]:
        out: set[str] = set()
        for p in predicates:
            out |= self.values.get(p, set())
        return out

    @property
    def names(self) -> dict[str, str]:
        return names_of(self.get(NAME))

    @property
    def ends(self) -> tuple[str, str] | None:
        """(member, organisation) of an org:Membership node with one of each, else None."""
        if f"<{MEMBERSHIP}>" not in self.get(TYPE):
            return None
        members, orgs = self.get(ORG + "member"), self.get(ORG + "organization")
        if len(members) != 1 or len(orgs) != 1:
            return None  # not a membership this report can name: compared as any entity
        return _unangle(next(iter(members))), _unangle(next(iter(orgs)))


def names_of(literals: Iterable[str]) -> dict[str, str]:
    """Language-tagged names (N-Triples literals) by language, the least one per language."""
    found: dict[str, str] = {}
    for term in sorted(literals):
        text, lang = _literal(term)
        found.setdefault(lang or "", text)
    order = {"th": 0, "en": 1}  # Thai first, as the site and the dumps show them
    return dict(sorted(found.items(), key=lambda item: (order.get(item[0], 2), item[0])))


def _literal(term: str) -> tuple[str, str | None]:
    """The text and language of an N-Triples literal."""
    from pyoxigraph import Literal

    parsed = _parse_object(term)
    if isinstance(parsed, Literal):
        return parsed.value, parsed.language
    return term, None


def _parse_object(term: str):
    from pyoxigraph import RdfFormat, parse

    quad = next(iter(parse(input=f"<x:s> <x:p> {term} .", format=RdfFormat.N_TRIPLES)))
    return quad.object


def _nodes(found: Lines, label: str) -> dict[str, Node]:
    from pyoxigraph import RdfFormat, parse

    out: dict[str, Node] = {}
    for subject, lines in found.items():
        text = subject.decode("utf-8", "replace")
        node = Node(_unangle(text))
        try:
            for q in parse(input=b"".join(lines), format=RdfFormat.N_TRIPLES):
                node.values.setdefault(q.predicate.value, set()).add(str(q.object))
        except SyntaxError as err:
            near = text if text.isprintable() and len(text) <= 200 else shown(text)
            message = " ".join(str(err).split())[:300]
            raise DiffError(f"is not valid N-Triples near {near}: {message}", label) from None
        out[node.iri] = node
    return out


def _unangle(term: str) -> str:
    return term[1:-1] if term[:1] == "<" else term


@dataclass(frozen=True)
class Change:
    """One change to one entity: its kind, IRI and names, and what changed."""

    kind: str
    iri: str
    name: dict[str, str]
    detail: dict = field(default_factory=dict)

    def json(self) -> dict:
        return {"kind": self.kind, "iri": self.iri, "name": self.name, **self.detail}


@dataclass
class Diff:
    old: Side
    new: Side
    changes: list[Change]

    @property
    def equal(self) -> bool:
        return not self.changes

    @property
    def summary(self) -> dict[str, int]:
        counts = {kind: 0 for kind in KINDS}
        for change in self.changes:
            counts[change.kind] += 1
        return {kind: n for kind, n in counts.items() if n}

    @property
    def bump(self) -> str | None:
        """The least Semantic Versioning part these changes need: major, minor, patch, None."""
        if not self.changes:
            return None
        needed = {BUMPS.get(c.kind, "patch") for c in self.changes}
        return next(part for part in ("major", "minor", "patch") if part in needed)

    def json(self) -> dict:
        return {
            "old": {"source": self.old.label, "version": self.old.version},
            "new": {"source": self.new.label, "version": self.new.version},
            "equal": self.equal,
            "bump": self.bump,
            "summary": self.summary,
            "changes": [c.json() for c in self.changes],
        }


def diff(old: Side | str | Path, new: Side | str | Path) -> Diff:
    """The entity-level changes from OLD to NEW (each a Side, a folder or an N-Triples file)."""
    old = old if isinstance(old, Side) else open_side(old)
    new = new if isinstance(new, Side) else open_side(new)
    try:
        old_lines, new_lines = _differing(old, new)
        before, after = _nodes(old_lines, old.label), _nodes(new_lines, new.label)
    except MemoryError:
        raise DiffError(
            "are too large to compare in this much memory: compare sorted dumps, which "
            "stream (LC_ALL=C sort -u)",
            f"{old.label} and {new.label}",
        ) from None
    changes = _explain(before, after)
    _name_references(changes, [after, before], new, old)
    return Diff(old, new, sorted(changes, key=lambda c: (KINDS.index(c.kind), c.iri, _key(c))))


def _key(change: Change) -> str:
    return json.dumps(change.detail, sort_keys=True, ensure_ascii=False)


def _ref(iri: str) -> dict:
    return {"iri": iri, "name": {}}  # names filled in by _name_references


def _explain(before: dict[str, Node], after: dict[str, Node]) -> list[Change]:
    changes: list[Change] = []
    added = {i: n for i, n in after.items() if i not in before and not n.ends}
    removed = {i: n for i, n in before.items() if i not in after and not n.ends}
    for old_iri, new_iri in _reidentified(removed, added):
        node = added.pop(new_iri)
        removed.pop(old_iri)
        changes.append(Change("reidentified", new_iri, node.names, {"old_iri": old_iri}))
    for kind, nodes in (("added", added), ("removed", removed)):
        for iri, node in nodes.items():
            detail = {
                "types": sorted(shorten(_unangle(t)) for t in node.get(TYPE)),
                "member_of": [_ref(_unangle(o)) for o in sorted(node.get(*MEMBER_OF))],
                "parent": [_ref(_unangle(o)) for o in sorted(node.get(*PARENT))],
            }
            changes.append(Change(kind, iri, node.names, detail))
    memberships: dict[tuple[str, str], dict[str, Any]] = {}
    gone = set(added) | set(removed)
    for iri in sorted(set(before) & set(after)):
        old, new = before[iri], after[iri]
        if old.ends or new.ends:
            continue
        names = new.names or old.names
        if old.get(NAME) != new.get(NAME):
            changes.append(
                Change("renamed", iri, new.names, {"old_name": old.names, "new_name": new.names})
            )
        for org, change in _set_change(old.get(*MEMBER_OF), new.get(*MEMBER_OF)):
            memberships[(iri, org)] = {"change": change, "sources": [], "name": names}
        old_parent, new_parent = old.get(*PARENT), new.get(*PARENT)
        if old_parent != new_parent:
            detail = {
                "old": [_ref(_unangle(o)) for o in sorted(old_parent)],
                "new": [_ref(_unangle(o)) for o in sorted(new_parent)],
            }
            changes.append(Change("parent", iri, names, detail))
        changes += _property_changes(iri, names, old, new)
    for member, org, detail, node_changes in _membership_nodes(before, after):
        if member in gone:
            continue
        changes += node_changes
        if detail is not None:
            plain = memberships.get((member, org))
            detail["name"] = plain["name"] if plain else {}
            memberships[(member, org)] = detail
    for (member, org), found in memberships.items():
        if member in gone:
            continue
        name: dict[str, str] = found.pop("name")
        changes.append(Change("membership", member, name, {"organisation": _ref(org), **found}))
    return changes


def _set_change(old: set[str], new: set[str]) -> list[tuple[str, str]]:
    return [(_unangle(o), "lost") for o in sorted(old - new)] + [
        (_unangle(o), "gained") for o in sorted(new - old)
    ]


def _reidentified(removed: dict[str, Node], added: dict[str, Node]) -> list[tuple[str, str]]:
    """Removed and added entities with the same Thai (else English) name: one entity under a
    new IRI. Paired one to one; an ambiguous name pairs nothing."""

    def by_name(nodes: dict[str, Node]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for iri, node in nodes.items():
            names = node.names
            key = names.get("th") or names.get("en")
            if key:
                out.setdefault(key, []).append(iri)
        return out

    old, new = by_name(removed), by_name(added)
    return [
        (old[name][0], new[name][0])
        for name in sorted(set(old) & set(new))
        if len(old[name]) == 1 and len(new[name]) == 1
    ]


def _property_changes(iri: str, names: dict, old: Node, new: Node) -> list[Change]:
    skip = {NAME, *MEMBER_OF, *PARENT, *INVERSES}
    out = []
    for p in sorted((set(old.values) | set(new.values)) - skip):
        was, now = old.get(p), new.get(p)
        if was != now:
            detail = {
                "property": shorten(p),
                "removed": sorted(was - now),
                "added": sorted(now - was),
            }
            out.append(Change("property", iri, names, detail))
    return out


def _membership_nodes(before: dict[str, Node], after: dict[str, Node]):
    """Memberships as org:Membership nodes (org:member, org:organization, prov:wasDerivedFrom):
    (member, organisation, detail or None, other changes of the node) for each node gained,
    lost, re-sourced or otherwise changed."""
    source = PROV + "wasDerivedFrom"
    for iri in sorted(set(before) | set(after)):
        old, new = before.get(iri), after.get(iri)
        ends = (new and new.ends) or (old and old.ends)
        if not ends:
            continue
        who, org = ends
        was = old.get(source) if old else set()
        now = new.get(source) if new else set()
        if old is None or new is None:
            change = "gained" if old is None else "lost"
            sources = sorted(_unangle(s) for s in (now or was))
            yield who, org, {"change": change, "sources": sources}, []
            continue
        rest = Node(iri, {p: v for p, v in old.values.items() if p != source})
        other = Node(iri, {p: v for p, v in new.values.items() if p != source})
        changes = _property_changes(iri, {}, rest, other)
        detail = None
        if was != now:
            detail = {
                "change": "sources",
                "sources": sorted(_unangle(s) for s in now),
                "removed_sources": sorted(_unangle(s) for s in was - now),
                "added_sources": sorted(_unangle(s) for s in now - was),
            }
        yield who, org, detail, changes


def _name_references(changes: list[Change], known: list[dict[str, Node]], *sides: Side) -> None:
    """Fill in the names of every entity a change names (a change's own entity, organisations
    and parents), reading them from the sides when the entity itself did not change."""
    wanted: dict[str, dict] = {}
    for change in changes:
        if not change.name:
            wanted.setdefault(change.iri, change.name)
        for ref in _refs(change):
            wanted.setdefault(ref["iri"], {})
    if not wanted:
        return
    found: dict[str, set[str]] = {
        iri: node.get(NAME) for nodes in known for iri, node in nodes.items() if node.get(NAME)
    }
    mark = f" <{NAME}> ".encode()
    for side in sides:  # the new side first: an entity's current names
        missing = {f"<{iri}>".encode() for iri in wanted if iri not in found}
        if not missing:
            break
        seen: dict[str, set[str]] = {}
        for line in side.lines():
            if mark in line:
                subject, _, literal = line.partition(mark)
                if subject in missing:
                    term = literal.rstrip()[:-1].rstrip().decode("utf-8", "replace")
                    seen.setdefault(subject[1:-1].decode(), set()).add(term)
        found.update(seen)
    for change in changes:
        if not change.name and change.iri in found:
            change.name.update(names_of(found[change.iri]))
        for ref in _refs(change):
            ref["name"] = names_of(found.get(ref["iri"], set()))


def _refs(change: Change) -> list[dict]:
    d = change.detail
    out = list(d.get("member_of", [])) + list(d.get("parent", []))
    out += list(d.get("old", [])) + list(d.get("new", []))
    if "organisation" in d:
        out.append(d["organisation"])
    return out


# --- for people and programs --------------------------------------------------------------------


def name_text(names: dict[str, str]) -> str:
    """Thai and English names for people: `มูลนิธิกระจกเงา / Mirror Foundation`."""
    parts = [names[lang] for lang in ("th", "en") if names.get(lang)]
    parts += [text for lang, text in sorted(names.items()) if lang not in ("th", "en")]
    return " / ".join(parts) or "(no name)"


def short_iri(iri: str) -> str:
    """`https://w3id.org/jitarsa/org/x` → `org/x`: the last two steps of an entity IRI."""
    return "/".join(iri.rstrip("/").rsplit("/", 2)[-2:]) if "/" in iri else iri


def _refs_text(refs: list[dict]) -> str:
    return ", ".join(name_text(r["name"]) if r["name"] else short_iri(r["iri"]) for r in refs)


def describe(change: Change) -> str:
    """What happened to the entity, in one English sentence with its Thai and English names."""
    d = change.detail
    if change.kind in ("added", "removed"):
        text = f"{change.kind} ({', '.join(d['types'])})" if d["types"] else change.kind
        if d["member_of"]:
            text += f"; member of {_refs_text(d['member_of'])}"
        if d["parent"]:
            text += f"; part of {_refs_text(d['parent'])}"
        return text
    if change.kind == "reidentified":
        return f"re-identified: was {d['old_iri']}"
    if change.kind == "renamed":
        return f"renamed from {name_text(d['old_name'])} to {name_text(d['new_name'])}"
    if change.kind == "membership":
        org = _refs_text([d["organisation"]])
        sources = f" (source: {', '.join(d['sources'])})" if d["sources"] else ""
        if d["change"] == "sources":
            changed = [f"+{s}" for s in d["added_sources"]] + [
                f"-{s}" for s in d["removed_sources"]
            ]
            return f"membership of {org}: sources changed {' '.join(changed)}"
        verb = {"gained": "became a member of", "lost": "is no longer a member of"}
        return f"{verb.get(d['change'], 'membership changed in')} {org}{sources}"
    if change.kind == "parent":
        was, now = _refs_text(d["old"]) or "none", _refs_text(d["new"]) or "none"
        return f"parent changed from {was} to {now}"
    removed = " ".join(f"-{v}" for v in d["removed"])
    added = " ".join(f"+{v}" for v in d["added"])
    return f"{d['property']} changed: {' '.join(x for x in (removed, added) if x)}"


MARK = {"added": "+", "removed": "-"}


def _versions(result: Diff) -> str:
    def one(side: Side) -> str:
        return f"{side.label} ({side.version})" if side.version else side.label

    return f"{one(result.old)} → {one(result.new)}"


def _summary_text(result: Diff) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in result.summary.items())


def text(result: Diff) -> str:
    """The report for people: one line per change, with the entity's Thai and English names."""
    head = f"{_versions(result)}: "
    if result.equal:
        return head + "no change\n"
    lines = [head + f"{len(result.changes)} change(s): {_summary_text(result)}"]
    lines.append(f"Semantic Versioning: at least a {result.bump} release")
    for c in result.changes:
        lines.append(
            f"{MARK.get(c.kind, '~')} {short_iri(c.iri)}  {name_text(c.name)}: {describe(c)}"
        )
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


#: Rows of the Markdown table: a pull-request comment must stay short (GitHub takes 65,536
#: characters).
MARKDOWN_ROWS = 200


def markdown(result: Diff) -> str:
    """The report for a pull-request comment: a summary and a table of the changes."""
    head = f"**jitarsa diff** {_md(_versions(result))}"
    if result.equal:
        return head + ": no change.\n"
    out = [
        f"{head}: {len(result.changes)} change(s) ({_summary_text(result)}); "
        f"at least a **{result.bump}** release.",
        "",
        "| change | entity | name | what changed |",
        "|---|---|---|---|",
    ]
    for c in result.changes[:MARKDOWN_ROWS]:
        out.append(
            f"| {c.kind} | [`{_md(short_iri(c.iri))}`]({c.iri}) | {_md(name_text(c.name))} "
            f"| {_md(describe(c))} |"
        )
    if len(result.changes) > MARKDOWN_ROWS:
        rest = len(result.changes) - MARKDOWN_ROWS
        out += ["", f"… and {rest} more: `jitarsa diff --format json` lists every change."]
    return "\n".join(out) + "\n"


def as_json(result: Diff) -> str:
    return json.dumps(result.json(), ensure_ascii=False, indent=2) + "\n"


FORMATS = {"text": text, "markdown": markdown, "json": as_json}
