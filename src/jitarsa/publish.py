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
from .namespaces import PREFIXES, entity_iri
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


def turtle(triples) -> bytes:
    """Readable Turtle: the prefixes the triples use, subjects grouped in canonical order."""
    from pyoxigraph import Literal, serialize

    iris = {t.object.datatype.value if isinstance(t.object, Literal) else t.object.value
            for t in triples} | {t.predicate.value for t in triples}
    used = {p: ns for p, ns in PREFIXES.items() if any(i.startswith(ns) for i in iris)}
    return serialize(triples, format=TURTLE.pyoxigraph(), prefixes=used)


def ntriples(triples) -> bytes:
    """N-Triples sorted line by line: canonical, so dumps diff cleanly and load in bulk."""
    from pyoxigraph import serialize

    # Sorted as bytes (UTF-8 byte order is code-point order, and bytes compare with memcmp), in
    # place, and without repeats, holding no second copy of the lines.
    lines = serialize(triples, format=NTRIPLES.pyoxigraph()).splitlines()
    lines.sort()
    unique = [line for line, previous in zip(lines, [None, *lines]) if line != previous]
    del lines
    return b"\n".join(unique) + b"\n"


def jsonld(dataset: Dataset, triples) -> bytes:
    from .jsonld import Context, dump_bytes, frame

    root = entity_iri(dataset.info.base, "collaboration", dataset.info.network)
    document = frame(triples, root, Context.from_file(context_file()), FILES["context"])
    return dump_bytes(document)


def artefacts(dataset: Dataset, triples, site: bool = True) -> Iterator[tuple[str, bytes]]:
    """Every published file but SHA256SUMS, as (name, bytes), one at a time.

    With `site`, the website (jitarsa.site) follows under `site/`, the dumps copied into it: the
    top-level files are then kept until the site is rendered.
    """
    from .description import description_triples

    published: dict[str, bytes] = {}

    def emit(name: str, data: bytes) -> tuple[str, bytes]:
        if site:
            published[name] = data
        return name, data

    dumps = []
    for fmt, key, make in ((TURTLE, "turtle", lambda: turtle(triples)),
                           (NTRIPLES, "ntriples", lambda: ntriples(triples)),
                           (JSONLD, "jsonld", lambda: jsonld(dataset, triples))):
        data = make()
        dumps.append((fmt, FILES[key], len(data), hashlib.sha256(data).hexdigest()))
        yield emit(FILES[key], data)
        del data
    yield emit(FILES["context"], context_file().read_bytes())
    yield emit(FILES["ontology"], ontology_file().read_bytes())
    yield emit(FILES["shapes"], shapes_file().read_bytes())
    yield emit(FILES["description"], turtle(description_triples(dataset, triples, dumps)))
    if site:
        from .site import render_site

        for name, data in render_site(dataset, triples, published).items():
            yield f"site/{name}", data


def render(dataset: Dataset, triples, site: bool = True) -> dict[str, bytes]:
    """Every published file, by name, as bytes: nothing touches the disk here."""
    files = dict(artefacts(dataset, triples, site))
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
    cycles, and the collector's full passes over them would make the cost grow faster than N."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _checked(data_dir, base, progress):
    """Load, build and validate; raise before anything is written if any step fails."""
    from .graph import triples as make_triples
    from .shacl import validate_triples

    dataset = load_dataset(data_dir or default_data_dir(), base=base, progress=progress)
    triples = make_triples(dataset, progress=progress)
    with (progress or SILENT).stage("validate", len(triples), "triples") as stage:
        report = validate_triples(triples, dataset.info.base)
        stage.advance(len(triples))
    if not report.conforms:
        raise ValidationFailed(report)
    return dataset, triples


def build_files(data_dir: Path | str | None = None, base: str | None = None,
                site: bool = True, progress=None) -> BuildResult:
    """Load, build, validate and render in memory; nothing is written."""
    with _collector_paused():
        dataset, triples = _checked(data_dir, base, progress)
        files = render(dataset, triples, site)
    return BuildResult(dataset, len(triples), files, paths=sorted(files))


def build(data_dir: Path | str | None = None, out_dir: Path | str = "dist",
          base: str | None = None, site: bool = True, progress=None) -> BuildResult:
    """The whole pipeline, `jitarsa build`: files are streamed to disk, not kept (`files` is
    empty; `paths` names what was written)."""
    with _collector_paused():
        dataset, triples = _checked(data_dir, base, progress)
        result = BuildResult(dataset, len(triples))
        with (progress or SILENT).stage("write", len(FILES), "files") as stage:
            result.out_dir = write_atomic(
                Path(out_dir), _counted(artefacts(dataset, triples, site), stage, result.paths))
    result.paths = sorted(result.paths + [FILES["checksums"]])
    return result


def _counted(files, stage, names: list[str]):
    """Pass the files on, counting them on the progress stage and noting their names."""
    for name, data in files:
        names.append(name)
        yield name, data
        stage.advance()


def write_atomic(out_dir: Path, files) -> Path:
    """Write `files` (a mapping or an iterable of (name, bytes)) into `out_dir`, replacing it
    whole, or leave it untouched on failure. SHA256SUMS is added if `files` lacks it."""
    out_dir = out_dir.resolve()
    if out_dir.exists() and not _is_ours(out_dir):
        raise OutputError("already holds files jitarsa did not write (no SHA256SUMS); choose "
                          "an empty or new folder", out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    except OSError as err:
        raise OutputError(f"cannot be written ({err.strerror})", out_dir) from None
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    items = sorted(files.items()) if isinstance(files, dict) else files
    digests: dict[str, str] = {}
    try:
        for name, data in items:
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
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
