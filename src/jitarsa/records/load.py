"""Reading a data folder: every record file read, checked and cross-checked.

A data folder holds `dataset.yaml` (metadata), `network.yaml` (the network) and any number of
YAML files in `organisations/` and `places/`. A file holds one record (a mapping) or a list of
records.
"""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

from jitarsa.errors import RecordError
from jitarsa.records.checks import check_base, check_info, check_record, load_kinds
from jitarsa.records.model import RECORD_FOLDERS, Dataset, DatasetInfo, Kind, Record
from jitarsa.records.releases import load_releases
from jitarsa.records.yamlfile import read_yaml


def record_files(data_dir: Path) -> list[Path]:
    """The record files of a data folder, in a stable order."""
    files = [data_dir / "network.yaml"]
    for folder in RECORD_FOLDERS:
        files += sorted((data_dir / folder).glob("*.yaml")) + sorted(
            (data_dir / folder).glob("*.yml")
        )
    return [f for f in files if f.exists()]


def load_dataset(data_dir: Path | str, base: str | None = None, progress=None) -> Dataset:
    """Read, check and cross-check every record of a data folder (`progress`: a
    jitarsa.progress.Progress to report the files read to)."""
    from jitarsa._util.progress import SILENT

    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise RecordError(
            "is not a data folder (it should hold dataset.yaml and network.yaml)", data_dir
        )
    info_file = data_dir / "dataset.yaml"
    if not info_file.exists():
        raise RecordError("is missing: every data folder needs its dataset metadata", info_file)
    info = check_info(read_yaml(info_file), info_file)
    if base is not None:
        info = DatasetInfo(**{**info.__dict__, "base": check_base(base)})
    info = DatasetInfo(**{**info.__dict__, "releases": load_releases(data_dir)})
    kinds = load_kinds()
    records: dict[str, Record] = {}
    files = record_files(data_dir)
    with (progress or SILENT).stage("load", len(files), "files") as stage:
        for path, found, error in _read_all(files, kinds):
            for record in found:
                if record.id in records:
                    raise RecordError(
                        f"duplicate id: already used in {records[record.id].file}",
                        path,
                        record.id,
                        "id",
                    )
                records[record.id] = record
            if error is not None:
                raise error
            stage.advance()
    from jitarsa.records.sources import load_lists

    lists = load_lists(data_dir)
    dataset = Dataset(
        info, tuple(records[k] for k in sorted(records)), kinds, lists=lists, folder=data_dir
    )
    _cross_check(dataset, info_file)
    if not info.description and info.network in dataset._by_id:
        from jitarsa.records.describe import describe

        info = DatasetInfo(**{**info.__dict__, "description": describe(dataset)})
        dataset = replace(dataset, info=info)
    return dataset


#: From this many record files on, two processes read and check them (one file each at a time
#: in order, so errors and duplicates are reported exactly as one process reports them).
PARALLEL_FROM = 16


def _read_files(files: list[Path], kinds: dict[str, Kind]) -> list:
    """(file, its checked records, the RecordError that stopped it or None) for each file, up
    to and including the first failing one."""
    out: list[tuple[Path, list[Record], RecordError | None]] = []
    for path in files:
        found: list[Record] = []
        try:
            items = read_yaml(path)
            for i, item in enumerate(items if isinstance(items, list) else [items]):
                found.append(check_record(item, path, kinds, i))
        except RecordError as err:
            out.append((path, found, err))
            break
        out.append((path, found, None))
    return out


def _read_all(files: list[Path], kinds: dict[str, Kind]):
    """`_read_files` over every file: in a second process for the last part of a large folder
    (forked, see jitarsa.background), yielding results in file order.

    That process also pickles its records to send them, which this one then unpickles, about a
    tenth of the cost of reading them each: so it takes 46% of the files, not half, and the two
    finish together."""
    from jitarsa._util.background import can_fork, forked

    if len(files) < PARALLEL_FROM or not can_fork():
        for path in files:
            yield from _read_files([path], kinds)
        return
    split = len(files) * 54 // 100
    second = forked(_read_pickled, files[split:], kinds)
    try:
        for path in files[:split]:
            result = _read_files([path], kinds)
            yield from result
            if result[-1][2] is not None:
                return
        for data in second():
            yield from pickle.loads(data)
    finally:
        second.cancel()


def _read_pickled(files: list[Path], kinds: dict[str, Kind]) -> list[bytes]:
    """`_read_files`, pickled a file at a time: twice as fast as pickling the whole list at
    once, whose pickler remembers every object it has written."""
    out = []
    for path in files:
        result = _read_files([path], kinds)
        out.append(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
        if result[-1][2] is not None:
            break
    return out


def _cross_check(dataset: Dataset, info_file: Path) -> None:
    """Rules that span records: references resolve, the list has no gaps or repeats."""
    by_id = {r.id: r for r in dataset.records}
    network = by_id.get(dataset.info.network)
    if network is None:
        raise RecordError(
            f"no record has the id {dataset.info.network!r}", info_file, "dataset", "network"
        )
    positions: dict[tuple[str, int | None], Record] = {}
    for lst in dataset.lists:
        if lst.organisation not in by_id:
            raise RecordError(
                f"{lst.organisation!r} is not the id of an organisation",
                lst.file,
                lst.slug,
                "organisation",
            )
    qids: dict[str, Record] = {}
    for r in dataset.records:
        if r.wikidata in qids:
            raise RecordError(
                f"{r.wikidata} is already the item of {qids[r.wikidata].id!r} "
                f"({qids[r.wikidata].file}): one item, one record",
                r.file,
                r.id,
                "wikidata",
            )
        if r.wikidata:
            qids[r.wikidata] = r

        def fail(message, name, r=r):
            raise RecordError(message, r.file, r.id, name)

        is_org = dataset.kinds[r.kind].organisation
        for target in r.member_of:
            if target not in by_id or not dataset.kinds[by_id[target].kind].organisation:
                fail(f"{target!r} is not the id of an organisation", "member_of")
        if r.parent is not None:
            if r.parent not in by_id or not dataset.kinds[by_id[r.parent].kind].organisation:
                fail(f"{r.parent!r} is not the id of an organisation", "parent")
            _check_no_cycle(r, by_id)
        if r.successor is not None and (
            r.successor == r.id
            or r.successor not in by_id
            or not dataset.kinds[by_id[r.successor].kind].organisation
        ):
            fail(f"{r.successor!r} is not the id of another organisation", "successor")
        for place in r.area_served:
            if place not in by_id or by_id[place].kind != "country":
                fail(f"{place!r} is not the id of a place", "area_served")
        if not is_org and (r.member_of or r.parent):
            fail("a place cannot be a member or have a parent organisation", "kind")
        for listed in r.listings:
            listing = dataset.list_by_url.get(listed.url)
            whose = listing.organisation if listing is not None else dataset.info.network
            if whose not in r.member_of:
                fail(
                    f"a record quoted from the member list must be a member of {whose!r}",
                    "member_of",
                )
            key = (listed.url, listed.position)
            if key in positions:
                fail(
                    f"list position {listed.position} is already given to {positions[key].id!r}",
                    "sources.position",
                )
            positions[key] = r
        if not r.listings and dataset.info.network in r.member_of:
            fail(
                "a member of the network must quote its entry in the source's list "
                "(sources: entry and position)",
                "sources",
            )


def _check_no_cycle(record: Record, by_id: dict[str, Record]) -> None:
    seen = {record.id}
    current = by_id.get(record.parent) if record.parent else None
    while current is not None:
        if current.id in seen:
            raise RecordError(
                f"parent organisations form a loop through {current.id!r}",
                record.file,
                record.id,
                "parent",
            )
        seen.add(current.id)
        current = by_id.get(current.parent) if current.parent else None
