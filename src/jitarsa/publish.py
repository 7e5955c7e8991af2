"""Build and publish: records → graph → SHACL → dist/, written deterministically and atomically.

`artefacts()` renders the published files one at a time; `render()` collects them in memory (the
small-data path, `build_files`), while `build()` streams each into a fresh folder beside the
output as soon as it is made, so only one file's bytes are held at a time, and swaps the folder
in with renames: a failure at any step leaves the previous `dist/` exactly as it was. Both write
the same bytes (tests/test_scale.py).
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OutputError, ValidationFailed
from .formats import JSONLD, NTRIPLES, TURTLE
from .namespaces import entity_iri
from .progress import SILENT
from .records import Dataset, load_dataset
from .resources import context_file, default_data_dir, ontology_file, shapes_file

#: Artefact → file name in the output folder: the one table of published paths.
FILES = {
    "turtle": "jitarsa.ttl",
    "ntriples": "jitarsa.nt",
    "jsonld": "jitarsa.jsonld",
    "context": "context.jsonld",
    "description": "void.ttl",
    "ontology": "ontology.ttl",
    "shapes": "shapes.ttl",
    "checksums": "SHA256SUMS",
}


@dataclass
class BuildResult:
    """What a build published: the dataset, the triple count, the files by name (when rendered
    in memory) and the names of the files."""

    dataset: Dataset
    triple_count: int
    files: dict[str, bytes] = field(default_factory=dict)
    out_dir: Path | None = None
    paths: list[str] = field(default_factory=list)


def jsonld_chunks(dataset: Dataset, graph) -> Iterator[bytes]:
    from .jsonld import Context, dump_chunks, frame

    root = entity_iri(dataset.info.base, "collaboration", dataset.info.network)
    document = frame(graph, root, Context.from_file(context_file()), FILES["context"],
                     stream=True)
    return dump_chunks(document)


class Stream:
    """A file written as chunks, measured (size, SHA-256) as they pass on their way to disk."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self.size = 0
        self._digest = hashlib.sha256()

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.size += len(chunk)
            self._digest.update(chunk)
            yield chunk

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()


def _write_chunks(path: Path, chunks) -> None:
    with path.open("wb") as handle:
        for chunk in chunks:
            handle.write(chunk)


def _second_half(graph) -> slice:
    """The part of the N-Triples dump the second process writes in a large build."""
    return slice(len(graph.subjects) // 2, None)


def _ntriples_in_halves(graph, second_half) -> Iterator[bytes]:
    """The N-Triples dump: its first half written here, then, once `second_half()` has waited
    for the other process to write it, the file of the second half."""
    from .dumps import ntriples_chunks

    yield from ntriples_chunks(graph, slice(None, _second_half(graph).start))
    with second_half().open("rb") as handle:
        while chunk := handle.read(1 << 20):
            yield chunk


def artefacts(dataset: Dataset, graph, site: bool = True,
              second_half=None) -> Iterator[tuple[str, object]]:
    """Every published file but SHA256SUMS, as (name, bytes or Stream), one at a time: a
    Stream must be read to its end before the next file is asked for. `second_half()`, if
    given, waits for the file holding the second half of the N-Triples dump, written by another
    process: that dump then comes last, its first half written here.

    With `site`, the website (jitarsa.site) follows under `site/`, the dumps copied into it: the
    top-level files are then kept as bytes until the site is rendered.
    """
    from .description import description_triples
    from .dumps import ntriples_chunks, turtle, turtle_chunks

    published: dict[str, bytes] = {}
    makers = {"turtle": (TURTLE, lambda: turtle_chunks(graph)),
              "ntriples": (NTRIPLES, lambda: ntriples_chunks(graph)),
              "jsonld": (JSONLD, lambda: jsonld_chunks(dataset, graph))}
    order = list(makers)
    if second_half is not None:  # last, when the other process has had time to write its half
        makers["ntriples"] = (NTRIPLES, lambda: _ntriples_in_halves(graph, second_half))
        order = ["turtle", "jsonld", "ntriples"]
    made = {}
    for key in order:
        fmt, chunks = makers[key]
        stream = Stream(chunks())
        if site:
            published[FILES[key]] = data = b"".join(stream)
            yield FILES[key], data
        else:
            yield FILES[key], stream
        made[key] = (fmt, FILES[key], stream.size, stream.sha256)
    dumps = [made[key] for key in makers]
    fixed = [(FILES["context"], context_file().read_bytes()),
             (FILES["ontology"], ontology_file().read_bytes()),
             (FILES["shapes"], shapes_file().read_bytes()),
             (FILES["description"], turtle(description_triples(dataset, graph, dumps)))]
    for name, data in fixed:
        if site:
            published[name] = data
        yield name, data
    if site:
        from .site import render_site

        for name, data in render_site(dataset, graph, published).items():
            yield f"site/{name}", data


def render(dataset: Dataset, graph, site: bool = True) -> dict[str, bytes]:
    """Every published file, by name, as bytes: nothing touches the disk here."""
    files = {name: data if isinstance(data, bytes) else b"".join(data)
             for name, data in artefacts(dataset, graph, site)}
    files[FILES["checksums"]] = checksums(files)
    return files


def checksums(files: dict[str, bytes]) -> bytes:
    """`sha256sum -c` format, sorted by path."""
    return _checksum_lines({name: hashlib.sha256(data).hexdigest()
                            for name, data in files.items()})


def _checksum_lines(digests: dict[str, str]) -> bytes:
    lines = [f"{digest}  {name}" for name, digest in sorted(digests.items())]
    return ("\n".join(lines) + "\n").encode("utf-8")


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector: a build makes millions of small objects without
    cycles, and the collector's passes over them would make the cost grow faster than N. On the
    way out they are frozen (gc.freeze), or the first pass after would still walk them all."""
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.collect()  # so that only what the build makes is frozen, not a caller's garbage
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


def _checked(data_dir, base, progress):
    """Load, build and validate; raise before anything is written if any step fails."""
    dataset, graph = _loaded(data_dir, base, progress)
    _validate_now(dataset, graph, progress)
    return dataset, graph


def _loaded(data_dir, base, progress):
    from .graph import triples

    dataset = load_dataset(data_dir or default_data_dir(), base=base, progress=progress)
    return dataset, triples(dataset, progress=progress)


def _stage(progress, graph):
    return (progress or SILENT).stage("validate", len(graph), "triples")


def _validate_now(dataset, graph, progress) -> None:
    from .shacl import validate_triples

    _require(lambda: validate_triples(graph, dataset.info.base), graph, _stage(progress, graph))


def _require(report, graph, stage, out_dir=None) -> None:
    """Raise ValidationFailed unless the graph conforms; `report()` validates, or waits for the
    process that does (then `stage`, the progress line, started when that process did)."""
    from .background import Stopped

    with stage:
        try:
            found = report()
        except Stopped as err:
            raise OutputError(f"was not replaced: the process validating the graph stopped "
                              f"({err}; killed for lack of memory?). Set JITARSA_PROCESSES=1 "
                              "to validate in one process", out_dir) from None
        stage.advance(len(graph))
    if not found.conforms:
        raise ValidationFailed(found)


def _second_share(graph, base: str, path: Path):
    """The second process's share of a large build: validate, then, if the graph conforms,
    write the second half of the N-Triples dump to `path`. Meanwhile the first writes Turtle,
    JSON-LD and the first half: about as long."""
    from .dumps import ntriples_chunks
    from .shacl import validate_triples

    report = validate_triples(graph, base)
    if report.conforms:
        _write_chunks(path, ntriples_chunks(graph, _second_half(graph)))
    return report


#: From this many triples on, `build` validates and writes the second half of the N-Triples
#: dump in a second process (jitarsa.background) while it writes the rest.
BACKGROUND_FROM = 100_000


def build_files(data_dir: Path | str | None = None, base: str | None = None,
                site: bool = True, progress=None) -> BuildResult:
    """Load, build, validate and render in memory; nothing is written."""
    with _collector_paused():
        dataset, graph = _checked(data_dir, base, progress)
        files = render(dataset, graph, site)
    return BuildResult(dataset, len(graph), files, paths=sorted(files))


def build(data_dir: Path | str | None = None, out_dir: Path | str = "dist",
          base: str | None = None, site: bool = True, progress=None) -> BuildResult:
    """The whole pipeline, `jitarsa build`: files are streamed to disk, not kept (`files` is
    empty; `paths` names what was written). A large graph is validated, and the second half of
    its N-Triples dump written, in a second process while this one writes the rest; nothing
    replaces `out_dir` unless the graph conforms."""
    from .background import can_fork, forked

    out_dir = Path(out_dir).resolve()
    with _collector_paused():
        dataset, graph = _loaded(data_dir, base, progress)
        second = scratch = half = None
        if len(graph) >= BACKGROUND_FROM and can_fork():
            scratch = _folder_beside(out_dir, "second")  # where the second process writes
            written = scratch / FILES["ntriples"]
            second = forked(_second_share, graph, dataset.info.base, written)
            checking = _stage(progress, graph)  # its clock starts with the second process

            def half() -> Path:  # waits for the verdict and the file of the second half
                _require(second, graph, checking, out_dir)
                return written
        else:
            _validate_now(dataset, graph, progress)
        result = BuildResult(dataset, len(graph))
        try:
            with (progress or SILENT).stage("write", len(FILES), "files") as stage:
                files = artefacts(dataset, graph, site, half)
                result.out_dir = write_atomic(out_dir, _counted(files, stage, result.paths))
        finally:
            if second is not None:
                second.cancel()
                shutil.rmtree(scratch, ignore_errors=True)
    result.paths = sorted(result.paths + [FILES["checksums"]])
    return result


def _folder_beside(out_dir: Path, purpose: str) -> Path:
    """A new hidden folder beside `out_dir`: on the same file system, so that what is written
    in it is moved into place, not copied."""
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{purpose}-", dir=out_dir.parent))
    except OSError as err:
        raise OutputError(f"cannot be written ({err.strerror})", out_dir) from None


def _counted(files, stage, names: list[str]):
    """Pass the files on, counting them on the progress stage and noting their names."""
    for name, data in files:
        names.append(name)
        yield name, data
        stage.advance()


def write_atomic(out_dir: Path, files) -> Path:
    """Write `files` (a mapping or an iterable of (name, bytes or Stream)) into `out_dir`,
    replacing it whole, or leave it untouched on failure. SHA256SUMS is added if `files` lacks
    it."""
    out_dir = out_dir.resolve()
    if out_dir.exists() and not _is_ours(out_dir):
        raise OutputError("already holds files jitarsa did not write (no SHA256SUMS); choose "
                          "an empty or new folder", out_dir)
    staging = _folder_beside(out_dir, "new")
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    items = sorted(files.items()) if isinstance(files, dict) else files
    digests: dict[str, str] = {}
    try:
        for name, data in items:
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, Stream):
                _write_chunks(target, data)
                digests[name] = data.sha256
            else:
                target.write_bytes(data)
                digests[name] = hashlib.sha256(data).hexdigest()
            del data  # not held while the next file is rendered
        if FILES["checksums"] not in digests:
            (staging / FILES["checksums"]).write_bytes(_checksum_lines(digests))
        staging.chmod(0o755)
        if out_dir.exists():
            out_dir.rename(old)
        staging.rename(out_dir)
    except OSError as err:
        if old.exists() and not out_dir.exists():
            old.rename(out_dir)
        raise OutputError(f"cannot be written ({err.strerror})", out_dir) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return out_dir


def _is_ours(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    visible = [p for p in folder.iterdir() if not p.name.startswith(".")]
    return not visible or (folder / FILES["checksums"]).is_file()


def write_file(path: Path | str, data: bytes) -> Path:
    """Write one file atomically: a temporary file beside it, renamed over it."""
    target = Path(path)
    temp = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        temp = Path(name)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        temp.chmod(target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(temp, target)
    except OSError as err:
        raise OutputError(f"cannot be written ({err.strerror})", path) from None
    finally:
        if temp is not None:
            temp.unlink(missing_ok=True)
    return target
