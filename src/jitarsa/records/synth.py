"""Synthetic registries for measuring jitarsa at national-registry scale (`jitarsa synth`).

Writes a data folder in the record format of `data/`: Thai and English names built from the word
lists in synth-words.yaml, alternate names, founding dates (some in the Buddhist Era), parents,
projects, members of a network quoted from a (synthetic) list, and some Wikidata links. The same
seed gives the same bytes. Nothing in it is a fact about the world, and it says so:

- the dataset title and every description say "synthetic"; all URLs are under example.org
  (RFC 2606, reserved for examples);
- Wikidata ids are on 5% of records and lie in a range no real item has: Q9000000000 + n
  (real items are below Q200000000), so a synthetic link cannot be mistaken for a real one.

`errors=K` injects K records that load but break the SHACL shapes (`error_kind="shacl"`):
alternately a network with no members (jsh:networkMembers, sh:minCount) and a network with an
unlisted member (jsh:membersAreListed, sh:node). With `error_kind="record"` it injects records the
record checks refuse (a malformed Wikidata id, a founding year before 2484 BE, a parent that is
not an organisation, an unknown field); loading stops at the first one with a one-line error.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import yaml

from jitarsa._util.output import write_atomic

RECORDS_PER_FILE = 1000
QID_OFFSET = 9_000_000_000
BASE = "https://example.org/jitarsa-synth/"
SOURCE = "https://example.org/jitarsa-synth/registry"
NETWORK = "synthetic-network"
ERROR_KINDS = ("shacl", "record")
_KIND_SHARE = (("foundation", 35), ("ngo", 25), ("organization", 20), ("project", 20))


def _words() -> dict:
    return yaml.safe_load((Path(__file__).parent / "synth-words.yaml").read_text("utf-8"))


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class _Maker:
    """Makes record i from a seeded random stream: pure, so output depends only on the seed."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.words = _words()
        self.position = 0
        self.parents: list[str] = []  # ids of earlier non-project organisations

    def name(self, kind: str) -> tuple[str, str, str, str]:
        r, w = self.rng, self.words
        prefix_th, suffix_en = r.choice(w["kinds"][kind])
        topics = r.sample(w["topics"], r.choice((1, 1, 2, 2, 3)))
        link_th, link_en = r.choice(w["links"])
        place = r.choice(w["places"]) if r.random() < 0.5 else None
        th = prefix_th + link_th + "".join(t[0] for t in topics)
        en_topics = [t[1] for t in topics]
        en_list = (
            en_topics[0]
            if len(en_topics) == 1
            else ", ".join(en_topics[:-1]) + " and " + en_topics[-1]
        )
        en = f"{suffix_en} {link_en} {en_list}"
        if place:
            th += place[0]
            en = f"{place[1]} {en}"
        abbreviation_th = "".join(t[0][0] for t in [(prefix_th,), *topics]) + "."
        abbreviation_en = "".join(c for c in en if c.isupper())
        return th, en, abbreviation_th, abbreviation_en

    def record(self, i: int) -> str:
        r = self.rng
        roll = r.randrange(100)
        kind = next(k for k, share in _cumulative() if roll < share)
        th, en, abbr_th, abbr_en = self.name(kind)
        record_id = f"{_slug(en)}-{i:07d}"
        lines = [
            f"- id: {record_id}",
            f"  kind: {kind}",
            "  name:",
            f"    th: {_q(th)}",
            f"    en: {_q(en)}",
            "  name_en_basis: translation",
        ]
        if r.random() < 0.3:
            lines += ["  alternate_names:", f"    th: [{_q(abbr_th)}]"]
            if len(abbr_en) > 1:
                lines.append(f"    en: [{_q(abbr_en)}]")
        if r.random() < 0.3:
            lines += [
                "  description:",
                f"    th: {_q(f'ข้อมูลสังเคราะห์ ไม่ใช่องค์กรจริง: {th}')}",
                f"    en: {_q(f'Synthetic record, not a real organisation: {en}.')}",
            ]
        listed = kind != "project" and (self.position == 0 or r.random() < 0.1)
        if listed:
            lines.append(f"  member_of: [{NETWORK}]")
        parent = None
        if self.parents and (kind == "project" or r.random() < 0.1):
            parent = self.parents[r.randrange(max(0, len(self.parents) - 1000), len(self.parents))]
            lines.append(f"  parent: {parent}")
        if r.random() < 0.5:
            year = r.randrange(1950, 2025)
            founded = r.choice(
                (str(year), f"พ.ศ. {year + 543}", f"{year}-{r.randrange(1, 13):02d}")
            )
            lines.append(f"  founded: {_q(founded)}")
        if r.random() < 0.2:
            lines.append("  area_served: [thailand]")
        if r.random() < 0.2:
            lines.append(f"  url: {BASE}site/{record_id}")
        linked = r.random() < 0.05
        if linked:
            lines.append(f"  wikidata: Q{QID_OFFSET + i}")
        lines += ["  sources:", f"    - url: {SOURCE}"]
        if listed:
            self.position += 1
            lines += [f"      entry: {_q(th)}", f"      position: {self.position}"]
        if linked:  # a QID is never bare: the (synthetic) registry cites it
            lines += [f"    - url: {SOURCE}/wikidata", "      about: [wikidata]"]
        if kind != "project":
            self.parents.append(record_id)
        return "\n".join(lines) + "\n"


def _cumulative():
    total = 0
    for kind, share in _KIND_SHARE:
        total += share
        yield kind, total


def _errors(count: int, kind: str) -> str:
    """`count` broken records (see the module docstring), as one YAML list."""
    out = []
    for e in range(count):
        rid = f"broken-{e:05d}"
        head = [
            f"- id: {rid}",
            "  name:",
            f"    th: {_q(f'เครือข่ายสังเคราะห์ที่ผิด {e}')}",
            "  sources:",
            f"    - url: {SOURCE}",
        ]
        if kind == "shacl" and e % 2 == 0:  # a network without members
            out.append("\n".join(head + ["  kind: collaboration"]))
        elif kind == "shacl":  # a network whose member is not on the source's list
            out.append("\n".join(head + ["  kind: collaboration"]))
            out.append(
                "\n".join(
                    [
                        f"- id: {rid}-member",
                        "  kind: ngo",
                        "  name:",
                        f"    th: {_q(f'สมาชิกที่ไม่อยู่ในรายชื่อ {e}')}",
                        f"  member_of: [{rid}]",
                        "  sources:",
                        f"    - url: {SOURCE}",
                    ]
                )
            )
        else:
            extra = (
                "  wikidata: Q0",
                '  founded: "พ.ศ. 2400"',
                "  parent: thailand",
                "  colour: red",
            )[e % 4]
            out.append("\n".join(head + ["  kind: ngo", extra]))
    return "\n".join(out) + "\n"


def synthesize(
    count: int,
    out_dir: Path | str,
    seed: int = 1,
    errors: int = 0,
    error_kind: str = "shacl",
    per_file: int = RECORDS_PER_FILE,
) -> Path:
    """Write a synthetic data folder of `count` organisations (plus the network and a place),
    `per_file` records to a file. The folder is replaced whole, as `build` replaces its output
    (jitarsa._util.output): no part file of an earlier, larger run is left, and a folder that
    holds files jitarsa did not write is refused."""
    return write_atomic(Path(out_dir), _files(count, seed, errors, error_kind, per_file))


def _files(count: int, seed: int, errors: int, error_kind: str, per_file: int):
    """The data folder's files as (name, bytes), one part file at a time."""
    maker = _Maker(seed)
    yield (
        "dataset.yaml",
        (
            "# Synthetic data made by `jitarsa synth`: not facts about real organisations.\n"
            "title:\n"
            f"  th: {_q(f'ทะเบียนองค์กรสังเคราะห์ {count} องค์กร (ไม่ใช่ข้อมูลจริง)')}\n"
            f"  en: {_q(f'Synthetic registry of {count} organisations (not real data)')}\n"
            "description:\n"
            f"  en: {_q(f'Made by jitarsa synth with seed {seed} to measure jitarsa at scale.')}\n"
            f'version: "{seed}"\nbase: {BASE}\n'
            "license: https://creativecommons.org/publicdomain/zero/1.0/\n"
            f"network: {NETWORK}\nsources:\n  - url: {SOURCE}\n"
        ).encode(),
    )
    yield (
        "places/thailand.yaml",
        (
            'id: thailand\nkind: country\nname:\n  th: "ประเทศไทย"\n  en: "Thailand"\n'
            f"name_en_basis: translation\nsources:\n  - url: {SOURCE}\n"
        ).encode(),
    )
    for start in range(0, count, per_file):
        text = "".join(maker.record(i) for i in range(start, min(count, start + per_file)))
        yield f"organisations/part-{start // per_file:05d}.yaml", text.encode("utf-8")
    if errors:
        yield "organisations/zz-errors.yaml", _errors(errors, error_kind).encode("utf-8")
    yield (
        "network.yaml",
        (
            f'id: {NETWORK}\nkind: collaboration\nname:\n  th: "เครือข่ายสังเคราะห์"\n'
            '  en: "Synthetic Network"\nname_en_basis: translation\narea_served: [thailand]\n'
            f"sources:\n  - url: {SOURCE}\n"
        ).encode(),
    )
