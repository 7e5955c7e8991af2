"""Write reconciled QIDs back into the YAML records, with who matched them, how and when.

The input is the reconciliation sheet (`jitarsa wikidata reconcile-sheet`) as OpenRefine exports
it after matching: the same CSV with a `qid` column added (empty where nothing matched). Every
row is checked before anything is written; the files are edited in ruamel.yaml's round-trip
mode, so comments, quoting and key order stay as the curator wrote them.

All files or none, even if the process is killed: each new text is written and checked beside
its file (`.NAME.jitarsa-new`), then a journal listing them (JOURNAL, in the data folder) is
written, then each is renamed over its file, then the journal is removed. `resume` (which the
command runs first) finishes the renames a journal lists, or, with no journal, removes staged
texts a killed run left: the records are then all new or all as they were.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

from jitarsa._util.output import refuse_link, write_file
from jitarsa.errors import OutputError, WikidataError, shown
from jitarsa.records.checks import check_record
from jitarsa.records.dates import parse_date
from jitarsa.records.model import MATCH_METHODS, QID_PATTERN, RECORD_FOLDERS, Dataset
from jitarsa.records.yamlfile import read_text, read_yaml
from jitarsa.wikidata.items import restored


@dataclass(frozen=True)
class Match:
    """One matched row of the sheet."""

    row: int
    record_id: str
    qid: str


@dataclass(frozen=True)
class Change:
    """What applying one match does to a record: `added` or `unchanged`."""

    record_id: str
    file: str
    qid: str
    status: str


def read_matches(path: Path | str) -> list[Match]:
    """The rows of a reconciled sheet that carry a QID, checked one by one."""
    path = Path(path)
    return parse_matches(read_text(path, WikidataError, encoding="utf-8-sig"), path)


def parse_matches(text: str, path: Path | str = "<sheet>") -> list[Match]:
    """Parse the CSV text: an `id` and a `qid` column, other columns ignored; cells that
    reconcile-sheet neutralised against formulas are read back as they were."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as err:
        raise WikidataError(f"malformed CSV ({err})", path) from None
    if not rows:
        raise WikidataError("is empty: expected the reconciled sheet with a header row", path)
    header = [h.strip() for h in rows[0]]
    for column in ("id", "qid"):
        if header.count(column) != 1:
            raise WikidataError(
                f"the header needs exactly one {column!r} column (it has: "
                f"{', '.join(map(shown, header[:12]))}{', …' if len(header) > 12 else ''})",
                path,
            )
    id_col, qid_col = header.index("id"), header.index("qid")
    found = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise WikidataError(
                f"row {number} has {len(row)} cells, the header {len(header)}", path
            )
        record_id, qid = restored(row[id_col]).strip(), restored(row[qid_col]).strip()
        if qid and not QID_PATTERN.match(qid):
            raise WikidataError(
                f"row {number}: {shown(qid)} is not a Wikidata item id such as Q869",
                path,
                record_id or None,
                "qid",
            )
        if qid:
            found.append(Match(number, record_id, qid))
    return found


def plan(dataset: Dataset, matches: list[Match], path: Path | str) -> list[Change]:
    """Check every match against the data and each other; what would change, in row order."""
    by_qid = {r.wikidata: r.id for r in dataset.records if r.wikidata}
    claimed: dict[str, Match] = {}
    seen: dict[str, Match] = {}
    changes = []
    for m in matches:

        def fail(message, field="qid", m=m):
            raise WikidataError(f"row {m.row}: {message}", path, m.record_id, field)

        try:
            record = dataset.get(m.record_id)
        except KeyError:
            fail("no record has this id", "id")
        if m.record_id in seen:
            if seen[m.record_id].qid != m.qid:
                fail(
                    f"row {seen[m.record_id].row} matched it to {seen[m.record_id].qid}, "
                    f"this row to {m.qid}"
                )
            continue
        if m.qid in claimed:
            fail(
                f"{m.qid} is also matched to {claimed[m.qid].record_id!r} (row "
                f"{claimed[m.qid].row}): one item, one record"
            )
        if by_qid.get(m.qid, m.record_id) != m.record_id:
            fail(f"{m.qid} is already the item of {by_qid[m.qid]!r} in the data")
        if record.wikidata not in (None, m.qid):
            fail(
                f"the record is already linked to {record.wikidata}; correct the record by "
                "hand if that link is wrong"
            )
        seen[m.record_id] = claimed[m.qid] = m
        changes.append(
            Change(
                m.record_id,
                record.file,
                m.qid,
                "unchanged" if record.wikidata == m.qid else "added",
            )
        )
    return changes


def provenance(method: str, matched_by: str | None, date: str, source: str | None = None):
    """The `wikidata:` mapping written into a record (a ruamel CommentedMap, block style)."""
    from ruamel.yaml.comments import CommentedMap

    if method not in MATCH_METHODS:
        raise WikidataError(f"method {method!r} is not one of: {', '.join(MATCH_METHODS)}")
    try:
        lexical, datatype = parse_date(date)
    except ValueError as err:
        raise WikidataError(f"--date: {err}") from None
    if not datatype.endswith("#date"):
        raise WikidataError(f"--date {date!r} is not a full date: write it as YYYY-MM-DD")
    fields = [
        ("qid", None),
        ("method", method),
        ("matched_by", matched_by),
        ("date", datetime.date.fromisoformat(lexical)),
        ("source", source),
    ]
    return CommentedMap([(k, v) for k, v in fields if v is not None or k == "qid"])


def apply_matches(
    dataset: Dataset,
    path: Path | str,
    method: str,
    matched_by: str | None,
    date: str,
    source: str | None = None,
) -> list[Change]:
    """Write the sheet's matches into the records, all files or none."""
    changes = plan(dataset, read_matches(path), path)
    template = provenance(method, matched_by, date, source)
    by_file: dict[str, dict[str, str]] = {}
    for change in changes:
        if change.status == "added":
            by_file.setdefault(change.file, {})[change.record_id] = change.qid
    _write_all(
        {file: _edited(Path(file), qids, template) for file, qids in by_file.items()}, dataset
    )
    return changes


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip mode: comments, quotes and order survive
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _edited(path: Path, qids: dict[str, str], template) -> str:
    """The file's new text with `wikidata:` set (before `sources:`) on each matched record."""
    yaml = _yaml()
    document = yaml.load(path.read_text(encoding="utf-8"))
    records = document if isinstance(document, list) else [document]
    for record in records:
        qid = qids.get(record.get("id"))
        if qid is None:
            continue
        value = template.copy()
        value["qid"] = qid
        if "wikidata" in record:
            record["wikidata"] = value
        else:
            keys = list(record)
            record.insert(
                keys.index("sources") if "sources" in keys else len(keys), "wikidata", value
            )
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


#: The journal of an apply-matches under way, in the data folder.
JOURNAL = ".jitarsa-apply-matches.json"
STAGED = ".jitarsa-new"


def _staged(target: Path) -> Path:
    return target.with_name(f".{target.name}{STAGED}")


def _write_all(texts: dict[str, str], dataset: Dataset) -> None:
    """Stage every new text beside its target and check it as a record file; only when all
    pass, journal the renames and make them (see the module's docstring)."""
    folder = dataset.folder or Path(os.path.commonpath([r.file for r in dataset.records]))
    journal = folder / JOURNAL
    if journal.exists():
        raise WikidataError(
            "an earlier apply-matches was interrupted: run the command again, which finishes "
            "it first (or call resume(data folder)) before loading the records",
            journal,
        )
    staged: dict[str, Path] = {}
    try:
        try:
            for file in sorted(texts):
                refuse_link(file)  # every record file checked before any is staged
            for file, text in sorted(texts.items()):
                target = Path(file)
                staged[file] = _staged(target)
                _write_synced(staged[file], text.encode("utf-8"), target.stat().st_mode & 0o777)
                items = read_yaml(staged[file])
                for i, item in enumerate(items if isinstance(items, list) else [items]):
                    check_record(item, target, dataset.kinds, i)
            entries = [[file, str(path)] for file, path in staged.items()]
            _write_synced(journal, json.dumps({"rename": entries}, indent=1).encode("utf-8"))
        except BaseException:
            for path in staged.values():
                path.unlink(missing_ok=True)
            raise
        _finish(journal)
    except OSError as err:
        raise OutputError(f"cannot be written ({err.strerror})", err.filename) from None


def _write_synced(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `path` and flush it to disk (a rename after it must not outrun its bytes),
    through a fresh temporary name and never through a link (`write_file`)."""
    write_file(path, data, mode, sync=True)


def _finish(journal: Path) -> int:
    """Make the renames `journal` lists (those not yet made), then remove it."""
    entries = json.loads(journal.read_text(encoding="utf-8"))["rename"]
    done = 0
    for target, staged in entries:
        if Path(staged).exists():
            os.replace(staged, target)
            done += 1
    _sync_folder(journal.parent)
    journal.unlink()
    return done


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def resume(data_dir: Path | str) -> int:
    """Finish an apply-matches that was stopped (killed, power lost) in `data_dir`: make the
    renames its journal lists, or, if it stopped before writing the journal, remove the texts it
    staged (the records are then as they were). The number of files it finished."""
    folder = Path(data_dir)
    journal = folder / JOURNAL
    try:
        if journal.exists():
            try:
                return _finish(journal)
            except (ValueError, KeyError, TypeError):
                raise WikidataError(
                    "is not a journal jitarsa can read; restore the records from version "
                    "control and remove it",
                    journal,
                ) from None
        for sub in (folder, *(folder / name for name in RECORD_FOLDERS)):
            for path in sub.glob(f".*{STAGED}"):
                path.unlink()
            for path in sub.glob(f".*{STAGED}.*.tmp"):  # write_file's, cut short
                path.unlink()
    except OSError as err:
        raise OutputError(f"cannot be written ({err.strerror})", err.filename) from None
    return 0
