"""Sources' member lists as data, what backs each published fact, and drift between copies.

A data folder may hold `sources/<slug>.yaml`: one source's member list (its IRI, the day it was
read, the organisation whose members it names, and each entry verbatim, in order). Records
quote their entry with `sources: [{url, entry, position}]`; `check_sources` compares the two,
and `drift` compares a stored list with a newer copy of the source (the article in
WikiExtractor format, as in ../shared/seeds/, or a plain list, one entry a line).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from jitarsa.errors import RecordError
from jitarsa.records.checks import _Checker
from jitarsa.records.model import Dataset, Record, SourceList
from jitarsa.records.yamlfile import read_yaml

SOURCES_FOLDER = "sources"

#: The fields a source's list entry backs on the record it names: the name as written (Thai,
#: or English when the entry writes it in Latin script), the kind its wording gives, the
#: membership, abbreviations in brackets, and a parent the entry's wording states.
ENTRY_BACKS = ("name.th", "name.en", "kind", "member_of", "alternate_names", "parent")

#: Fields that state no fact about the organisation: its id, where it comes from, and the
#: basis of its English name (itself the statement of where the name comes from).
NOT_FACTS = ("id", "sources", "name_en_basis", "name_th_basis")


def load_lists(data_dir: Path) -> tuple[SourceList, ...]:
    """Every `sources/*.yaml` of a data folder, checked, in file-name order."""
    folder = Path(data_dir) / SOURCES_FOLDER
    return tuple(check_list(read_yaml(f), f) for f in sorted(folder.glob("*.yaml")))


def check_list(data, file: Path) -> SourceList:
    c = _Checker(
        data,
        file,
        file.stem,
        ("url", "retrieved", "organisation", "entries"),
        ("url", "retrieved", "organisation", "entries"),
    )
    entries = c.data["entries"]
    if not isinstance(entries, list):
        c.fail("expected a list of entries, each as the source writes it", "entries")
    return SourceList(
        slug=c.slug(file.stem, "file name"),
        url=c.url(c.data["url"], "url"),
        retrieved=c.day(c.data["retrieved"], "retrieved"),
        organisation=c.slug(c.data["organisation"], "organisation"),
        entries=tuple(c.text(e, f"entries[{i}]") for i, e in enumerate(entries)),
        file=str(file),
    )


# --- What backs each published field ----------------------------------------------------------


def published_fields(record: Record) -> list[str]:
    """The record's published fields, per language where a field has languages."""
    out = [f"name.{lang}" for lang in record.name]
    out += [f"alternate_names.{lang}" for lang in record.alternate_names]
    out += [f"description.{lang}" for lang in record.description]
    out.append("kind")
    for name in (
        "member_of",
        "parent",
        "founded",
        "area_served",
        "url",
        "wikidata",
        "dissolved",
        "successor",
    ):
        if getattr(record, name):
            out.append(name)
    return out


def unbacked_fields(record: Record) -> list[str]:
    """Published fields of the record that no source backs.

    A source backs the fields its `about` lists (a field, or a field and language such as
    `name.en`); a source that quotes the record's list entry also backs ENTRY_BACKS, the
    English name only when the entry itself writes it (`name_en_basis: source`), and the Thai
    name not when it is the organisation's own (`name_th_basis: organisation`: a page of its
    own backs it). A curators' translation or jitarsa's romanisation (`name_en_basis:
    translation`, `romanisation`) is marked as such and states no fact; a QID matched with its
    own provenance (`wikidata: {qid, method, …}`) is backed by that."""
    backed: set[str] = set()
    for source in record.sources:
        backed.update(source.about)
        if source.entry is not None:
            backed.update(f for f in ENTRY_BACKS if f not in ("name.en", "name.th"))
            if record.name_en_basis == "source":
                backed.add("name.en")
            if record.name_th_basis != "organisation":
                backed.add("name.th")
    if record.name_en_basis in ("translation", "romanisation"):
        backed.add("name.en")
    if record.wikidata_match is not None:
        backed.add("wikidata")
    return [f for f in published_fields(record) if not ({f, f.split(".")[0]} & backed)]


# --- Records against the stored lists --------------------------------------------------------


@dataclass
class Finding:
    """One line of the report: a list (by slug), what is wrong and where."""

    source: str
    message: str
    problem: bool = True

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


def check_sources(dataset: Dataset) -> list[Finding]:
    """Per stored list: entries no record claims, records claiming an entry the list does not
    hold (or at another position), and (not a problem) organisations this list names and
    another does not. Records that quote a list with no stored copy are problems too."""
    out: list[Finding] = []
    claims: dict[str, dict[int, Record]] = {s.url: {} for s in dataset.lists}
    for r in dataset.records:
        for src in r.listings:
            found = dataset.list_by_url.get(src.url)
            if found is None:
                out.append(Finding(src.url, f"{r.id} quotes a list with no stored copy"))
                continue
            position = src.position
            assert position is not None  # the record checks: a list entry comes with its number
            claims[src.url][position] = r
            if position > len(found.entries) or found.entries[position - 1] != src.entry:
                out.append(
                    Finding(
                        found.slug,
                        f"{r.id} claims entry {src.position} {src.entry!r}, which the list "
                        "does not hold there",
                    )
                )
    for lst in dataset.lists:
        for i, entry in enumerate(lst.entries, 1):
            if i not in claims[lst.url]:
                out.append(Finding(lst.slug, f"entry {i} {entry!r} is claimed by no record"))
    for lst in dataset.lists:
        mine = {r.id for r in claims[lst.url].values()}
        for other in dataset.lists:
            if other is lst:
                continue
            theirs = {r.id for r in claims[other.url].values()}
            for rid in sorted(mine - theirs):
                out.append(
                    Finding(lst.slug, f"{rid} is listed here and not by {other.slug}", False)
                )
    return out


# --- Reading a newer copy and comparing ------------------------------------------------------

_DOC = re.compile(r"<doc\b[^>]*>(.*?)</doc>", re.S)
_NUMBER = re.compile(r"(?<![\d.])(\d{1,3})\.\s")
_BULLET = re.compile(r"^\s*(?:\d{1,3}[.)]|[-–*•])\s+")


def read_copy(path: Path | str) -> tuple[str, ...]:
    """The entries of a copy of a source: a WikiExtractor `<doc>` (its numbered list `1. … 2.
    …`) or a plain list (one entry a line; numbers or bullets before an entry are dropped)."""
    path = Path(path)
    try:
        text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise RecordError(f"cannot be read as UTF-8 text: {err}", path) from None
    doc = _DOC.search(text)
    if doc:
        entries = _numbered(doc.group(1))
        if not entries:
            raise RecordError("holds no numbered list (1. … 2. …)", path)
        return entries
    entries = tuple(e for e in (_BULLET.sub("", line).strip() for line in text.splitlines()) if e)
    if not entries:
        raise RecordError("holds no entries (a plain list has one entry a line)", path)
    return entries


def _numbered(text: str) -> tuple[str, ...]:
    """The longest run 1., 2., 3., … in the text, each entry up to the next number."""
    marks = [(int(m.group(1)), m.start(), m.end()) for m in _NUMBER.finditer(text)]
    chain: list[tuple[int, int, int]] = []
    for number, start, end in marks:
        if number == len(chain) + 1:
            chain.append((number, start, end))
    bounds = [end for _, _, end in chain]
    stops = [start for _, start, _ in chain[1:]] + [len(text)]
    return tuple(" ".join(text[b:s].split()) for b, s in zip(bounds, stops, strict=True))


_BRACKETS = re.compile(r"\s*[(（][^)）]*[)）]")


def match_key(entry: str) -> str:
    """Thai-aware matching key: NFC, no spacing, no abbreviations in brackets, no trailing
    ฯ (the abbreviation mark), case-folded."""
    text = unicodedata.normalize("NFC", entry)
    text = _BRACKETS.sub("", text)
    text = re.sub(r"\s+", "", text).rstrip("ฯ").casefold()
    return text or re.sub(r"\s+", "", entry).casefold()


@dataclass
class Drift:
    """How a newer copy differs from the stored list."""

    added: list[tuple[int, str]] = field(default_factory=list)
    removed: list[tuple[int, str]] = field(default_factory=list)
    renamed: list[tuple[int, str, int, str]] = field(default_factory=list)
    moved: list[tuple[int, int, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.renamed or self.moved)

    def lines(self) -> list[str]:
        out = [f"added    {n}: {e!r}" for n, e in self.added]
        out += [f"removed  {n}: {e!r}" for n, e in self.removed]
        out += [f"renamed  {a}: {x!r} -> {b}: {y!r}" for a, x, b, y in self.renamed]
        out += [f"moved    {a} -> {b}: {e!r}" for a, b, e in self.moved]
        return out


#: Two entries with different keys are one renamed entry from this similarity on.
RENAMED_FROM = 0.8


def drift(stored: tuple[str, ...], copy: tuple[str, ...]) -> Drift:
    """Pair each entry of the copy with one of the stored list: verbatim first, then by
    `match_key`, then by similarity of keys; the rest are added or removed. Paired entries
    out of their relative order are `moved` (all but a longest run kept in order)."""
    old = dict(enumerate(stored, 1))
    new = dict(enumerate(copy, 1))
    pairs: dict[int, int] = {}  # new position -> old position

    def pair_by(same) -> None:
        for n, text in new.items():
            if n in pairs:
                continue
            for o, before in old.items():
                if o not in pairs.values() and same(before, text):
                    pairs[n] = o
                    break

    pair_by(lambda a, b: a == b)
    pair_by(lambda a, b: match_key(a) == match_key(b))
    pair_by(
        lambda a, b: (
            difflib.SequenceMatcher(None, match_key(a), match_key(b)).ratio() >= RENAMED_FROM
        )
    )
    out = Drift()
    out.added = [(n, t) for n, t in new.items() if n not in pairs]
    out.removed = [(o, t) for o, t in old.items() if o not in pairs.values()]
    out.renamed = [(o, old[o], n, new[n]) for n, o in sorted(pairs.items()) if old[o] != new[n]]
    in_order = _longest_increasing([pairs[n] for n in sorted(pairs)])
    out.moved = [(o, n, new[n]) for n, o in sorted(pairs.items()) if o not in in_order]
    return out


def _longest_increasing(values: list[int]) -> set[int]:
    """The values of one longest strictly increasing subsequence (patience sorting)."""
    import bisect

    tails: list[int] = []
    tail_at: list[int] = []
    back: list[int | None] = []
    for i, v in enumerate(values):
        k = bisect.bisect_left(tails, v)
        if k == len(tails):
            tails.append(v)
            tail_at.append(i)
        else:
            tails[k] = v
            tail_at[k] = i
        back.append(tail_at[k - 1] if k else None)
    keep: set[int] = set()
    at = tail_at[-1] if tail_at else None
    while at is not None:
        keep.add(values[at])
        at = back[at]
    return keep
