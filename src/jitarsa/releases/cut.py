"""`jitarsa release VERSION`: a data release, checked against what changed since the last one.

The version must be the next one under Semantic Versioning for the entity-level changes since
the previous release (`release.diff`): a major version when an entity was removed or
re-identified, a minor one for additions, a patch for corrections. A release then

1. records itself in the data folder: `releases/<version>.json` (version, date, the previous
   release and the changes) and `releases/<version>.nt.gz` (its N-Triples, the base of the next
   comparison), and writes the version into `dataset.yaml`;
2. builds `dist/` (the description then carries the DCAT 3 series, the site the release pages);
3. packs `dist/` into `jitarsa-<version>.tar.gz`, byte for byte reproducible, with its SHA-256;
4. prepends the change notes to the "Data releases" section of `CHANGELOG.md`.

Nothing is written unless the data loads, validates and the version fits; if the build fails,
the data folder is put back as it was.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import tarfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from jitarsa._util.output import refuse_link, write_file
from jitarsa.errors import DiffError, OutputError, ValidationFailed
from jitarsa.records.releases import FOLDER, version_key
from jitarsa.releases.diff import Diff, describe, lines_side, name_text, open_side, short_iri

PARTS = ("major", "minor", "patch")
SECTION = "## Data releases"
SECTION_INTRO = (
    "The dataset's own releases, newest first, written by `jitarsa release` (see the README):\n"
    "each names the previous release, the SHA-256 of its archive and what changed, entity by\n"
    "entity. Semantic Versioning for data: a major version when an organisation is removed or\n"
    "re-identified, a minor one for additions, a patch for corrections.\n"
)


@dataclass
class ReleaseResult:
    version: str
    issued: str
    previous: str | None
    diff: Diff | None
    archive: Path
    sha256: str
    out_dir: Path


def next_versions(previous: str) -> dict[str, str]:
    major, minor, patch = version_key(previous)
    return {
        "major": f"{major + 1}.0.0",
        "minor": f"{major}.{minor + 1}.0",
        "patch": f"{major}.{minor}.{patch + 1}",
    }


def check_version(version: str, previous: str | None, changes: Diff | None) -> str | None:
    """The part VERSION raises (major, minor, patch; None for a first release), or DiffError
    naming the version to use."""
    try:
        version_key(version)
    except ValueError as err:
        raise DiffError(str(err)) from None
    if previous is None:
        return None
    following = next_versions(previous)
    choices = ", ".join(f"{v} ({part})" for part, v in following.items())
    part = next((p for p, v in following.items() if v == version), None)
    if part is None:
        raise DiffError(
            f"{version} is not a next version after {previous}: use {choices}",
        )
    assert changes is not None
    needed = changes.bump
    if needed is None:
        raise DiffError(
            f"nothing in the graph changed since {previous}: there is nothing to release as "
            f"{version}",
        )
    if PARTS.index(part) > PARTS.index(needed):
        why = ", ".join(f"{n} {kind}" for kind, n in changes.summary.items())
        raise DiffError(
            f"{version} is a {part} release, but the changes since {previous} ({why}) need "
            f"a {needed} release: {following[needed]}",
        )
    return part


def release(
    version: str,
    data_dir: Path | str | None = None,
    out_dir: Path | str = "dist",
    archive_dir: Path | str = ".",
    changelog: Path | str = "CHANGELOG.md",
    issued: str | None = None,
) -> ReleaseResult:
    """Check VERSION against the changes since the last release, record it, build, archive and
    write the change notes (see the module's documentation)."""
    from jitarsa.publish.build import build
    from jitarsa.rdf.dumps import ntriples
    from jitarsa.rdf.graph import triples
    from jitarsa.records.load import load_dataset
    from jitarsa.resources import default_data_dir, is_installed_copy
    from jitarsa.shacl.engine import validate_triples

    check_version(version, None, None)  # the form of VERSION, before any work
    data = Path(data_dir or default_data_dir())
    if is_installed_copy(data):
        raise DiffError(
            "is the data installed with jitarsa, which a release would change: copy it "
            "(jitarsa's repository or this folder) and give the copy with --data",
            data,
        )
    issued = _release_date(issued)
    dataset = load_dataset(data)
    history = dataset.info.releases
    if any(r.version == version for r in history):
        raise DiffError("is already released", data / FOLDER / f"{version}.json", version)
    previous = history[0] if history else None
    if previous is not None and issued < previous.issued:
        raise DiffError(
            f"{issued} is before the date of release {previous.version}, {previous.issued}",
            field="date",
        )
    graph = triples(dataset)
    report = validate_triples(graph, dataset.info.base)
    if not report.conforms:
        raise ValidationFailed(report)
    dump = ntriples(graph)
    changes = None
    if previous is not None:
        snapshot = data / FOLDER / f"{previous.version}.nt.gz"
        changes = _diff(snapshot, lines_side(str(data), version, dump), previous.version)
    check_version(version, previous.version if previous else None, changes)

    record: dict[str, object] = {
        "version": version,
        "issued": issued,
        "previous": previous.version if previous else None,
        **(
            {
                "summary": changes.summary,
                "changes": [{**c.json(), "description": describe(c)} for c in changes.changes],
            }
            if changes
            else {"summary": {}, "changes": []}
        ),
    }
    archive = Path(archive_dir) / f"jitarsa-{version}.tar.gz"
    for target in (
        data / FOLDER / f"{version}.json",
        data / FOLDER / f"{version}.nt.gz",
        data / "dataset.yaml",
        archive,
        checksum_file(archive),
        Path(changelog),
        Path(out_dir),
    ):
        refuse_link(target)  # before anything is written, not half-way
    written = _record(data, version, record, dump)
    try:
        built = build(data, out_dir)
    except BaseException:
        written.undo()
        raise
    assert built.out_dir is not None
    sha256 = write_archive(built.out_dir, archive, f"jitarsa-{version}", issued)
    before = previous.version if previous else None
    notes = change_notes(version, issued, before, changes, archive.name, sha256)
    prepend_notes(Path(changelog), notes)
    return ReleaseResult(version, issued, before, changes, archive, sha256, built.out_dir)


def _release_date(issued: str | None) -> str:
    """The release date: given (YYYY-MM-DD), or today in UTC. The one clock a release reads,
    and it is then data: every build after it writes this date, not its own."""
    if issued is None:
        return datetime.now(UTC).date().isoformat()
    try:
        return date.fromisoformat(issued).isoformat()
    except ValueError:
        raise DiffError(f"{issued!r} is not a date YYYY-MM-DD", field="date") from None


def _diff(snapshot: Path, new, previous: str) -> Diff:
    from jitarsa.releases.diff import diff

    if not snapshot.is_file():
        raise DiffError(
            f"is missing: the N-Triples of release {previous} are the base of the comparison",
            snapshot,
        )
    old = open_side(snapshot)
    old.version = previous
    return diff(old, new)


class _Written:
    """Files a release wrote into the data folder, and how to put the folder back (through
    the same link-refusing writes)."""

    def __init__(self) -> None:
        self.restore: dict[Path, bytes | None] = {}

    def write(self, path: Path, data: bytes) -> None:
        refuse_link(path)
        try:
            self.restore.setdefault(path, path.read_bytes() if path.exists() else None)
        except OSError as err:
            raise OutputError(f"cannot be read ({err.strerror})", path) from None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OutputError(f"cannot be written ({err.strerror})", path.parent) from None
        write_file(path, data)

    def undo(self) -> None:
        """Put every file back; a link planted meanwhile is refused (the first refusal is
        raised once the other files are back)."""
        refused: list[OutputError] = []
        for path, data in self.restore.items():
            try:
                if data is None:
                    path.unlink(missing_ok=True)  # removes a link planted there, not its target
                else:
                    write_file(path, data)
            except OutputError as err:
                refused.append(err)
            except OSError as err:
                refused.append(OutputError(f"cannot be put back ({err.strerror})", path))
        if refused:
            raise refused[0]


def _record(data: Path, version: str, record: dict, dump: bytes) -> _Written:
    written = _Written()
    try:
        folder = data / FOLDER
        text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
        written.write(folder / f"{version}.json", text.encode("utf-8"))
        written.write(folder / f"{version}.nt.gz", gzip_bytes(dump))
        info = data / "dataset.yaml"
        written.write(info, set_version(info.read_text(encoding="utf-8"), version, info).encode())
    except BaseException:
        written.undo()
        raise
    return written


_VERSION_LINE = re.compile(r"^version:[^\n#]*?(\s*#[^\n]*)?$", re.M)


def set_version(text: str, version: str, file: Path | None = None) -> str:
    """dataset.yaml with its `version:` line replaced, comments and all else kept."""
    found, count = _VERSION_LINE.subn(lambda m: f'version: "{version}"{m.group(1) or ""}', text)
    if count != 1:
        raise DiffError(
            "has no single top-level 'version:' line to update", file, "dataset", "version"
        )
    return found


def gzip_bytes(data: bytes) -> bytes:
    """gzip with no name and mtime 0: the same bytes give the same file."""
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as handle:
        handle.write(data)
    return out.getvalue()


def write_archive(folder: Path, archive: Path, prefix: str, issued: str) -> str:
    """A tar.gz of every file in FOLDER under PREFIX/, reproducible: entries sorted, each dated
    the release day (00:00 UTC), owned by 0:0 with no names, mode 0644, gzip mtime 0. Returns
    its SHA-256 and writes `<archive>.sha256` beside it (`sha256sum -c` reads it)."""
    mtime = int(datetime.fromisoformat(issued).replace(tzinfo=UTC).timestamp())
    files = sorted((p.relative_to(folder).as_posix(), p) for p in folder.rglob("*") if p.is_file())
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, path in files:
            data = path.read_bytes()
            info = tarfile.TarInfo(f"{prefix}/{name}")
            info.size, info.mtime, info.mode = len(data), mtime, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    packed = gzip_bytes(tar_bytes.getvalue())
    sha256 = hashlib.sha256(packed).hexdigest()
    try:
        archive.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot be written ({err.strerror})", archive.parent) from None
    write_file(archive, packed)
    write_file(checksum_file(archive), f"{sha256}  {archive.name}\n".encode())
    return sha256


def checksum_file(archive: Path) -> Path:
    return archive.with_name(archive.name + ".sha256")


def change_notes(
    version: str,
    issued: str,
    previous: str | None,
    changes: Diff | None,
    archive: str,
    sha256: str,
) -> str:
    """The release's entry in CHANGELOG.md: Keep a Changelog's Added / Changed / Removed."""
    since = f"Previous release: {previous}." if previous else "The first release."
    lines = [f"### [{version}] - {issued}", "", f"{since} `{archive}`, SHA-256 `{sha256}`.", ""]
    groups = {"Added": ["added"], "Removed": ["removed", "reidentified"]}
    for heading, kinds in (*groups.items(), ("Changed", None)):
        found = [
            c
            for c in (changes.changes if changes else [])
            if (c.kind in kinds if kinds else c.kind not in sum(groups.values(), []))
        ]
        if found:
            lines.append(f"#### {heading}")
            lines += [f"- `{short_iri(c.iri)}` {name_text(c.name)}: {describe(c)}" for c in found]
            lines.append("")
    return "\n".join(lines)


def prepend_notes(changelog: Path, notes: str) -> None:
    """Put NOTES first in the "Data releases" section, which is added at the end if missing."""
    refuse_link(changelog)
    try:
        text = changelog.read_text(encoding="utf-8") if changelog.exists() else "# Changelog\n"
        if SECTION not in text:
            text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{SECTION_INTRO}"
        head, _, rest = text.partition(SECTION + "\n")
        at = rest.find("\n### ")
        intro, older = (rest, "") if at < 0 else (rest[: at + 1], rest[at + 1 :])
        body = intro.rstrip("\n") + "\n\n" + notes.rstrip("\n") + "\n"
        text = head + SECTION + "\n" + body + ("\n" + older if older else "")
    except OSError as err:
        raise OutputError(f"cannot be read ({err.strerror})", changelog) from None
    write_file(changelog, text.encode("utf-8"))
