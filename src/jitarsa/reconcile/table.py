"""`jitarsa reconcile`: a CSV column matched with the same index and rule as /reconcile.

For people without OpenRefine (and for tests): each row comes back with four columns added,
the best candidate's id, name and score and whether it is a safe automatic match.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO

from jitarsa._util.progress import Progress
from jitarsa.errors import ReconcileError
from jitarsa.reconcile.index import Index, build_index
from jitarsa.reconcile.limits import MAX_QUERY_LENGTH

ADDED = ("jitarsa_id", "jitarsa_name", "jitarsa_score", "jitarsa_match")


def load_index(data_dir=None, dump=None) -> Index:
    """The index of the graph `jitarsa serve` would serve with the same options."""
    from jitarsa.sparql.execute import source_ntriples

    ntriples, base, _ = source_ntriples(data_dir, dump)
    return build_index(ntriples, base)


def reconcile_csv(
    index: Index,
    source: str | Path,
    out: IO[str],
    column: str,
    types: tuple[str, ...] = (),
    progress: Progress | None = None,
) -> int:
    """Write SOURCE (a CSV file with a header) to OUT with ADDED columns for COLUMN's values;
    return the number of automatic matches."""
    progress = progress or Progress(enabled=False)
    known = {t: t for t in index.types} | {_short(t): t for t in index.types}
    unknown = [t for t in types if t not in known]
    if unknown:
        raise ReconcileError(
            f"unknown type {unknown[0]!r}; use one of: {', '.join(map(_short, index.types))}",
            field="--type",
        )
    wanted = tuple(known[t] for t in types)
    try:
        with open(source, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise ReconcileError(f"cannot be read as a UTF-8 CSV file ({err})", source) from None
    if not rows:
        raise ReconcileError("is empty: a header row naming the columns comes first", source)
    header = rows[0]
    if column not in header:
        raise ReconcileError(
            f"has no column {column!r}; its columns are: {', '.join(header)[:300]}", source
        )
    at = header.index(column)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*header, *ADDED])
    matches = 0
    seen: dict[str, list[str]] = {}
    with progress.stage("reconcile", len(rows) - 1, "rows") as stage:
        for row in rows[1:]:
            matches += _row(index, writer, row, at, wanted, seen)
            stage.advance()
    return matches


def _row(index: Index, writer, row: list[str], at: int, wanted, seen: dict) -> bool:
    """Write ROW with its best candidate (each distinct value is searched once)."""
    text = row[at] if at < len(row) else ""
    if text not in seen:
        found = index.search(text[:MAX_QUERY_LENGTH], wanted, limit=2) if text.strip() else []
        best = found[0] if found else None
        seen[text] = (
            [best.entity.id, best.entity.name, f"{best.score:g}", str(best.match).lower()]
            if best is not None
            else ["", "", "", "false"]
        )
    added = seen[text]
    writer.writerow([*row, *added])
    return added[3] == "true"


def _short(iri: str) -> str:
    from jitarsa.namespaces import shorten

    return shorten(iri)
