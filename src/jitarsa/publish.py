"""Build and publish: records → graph → SHACL → dist/, written deterministically and atomically.

Every file is rendered in memory first, then written into a fresh folder beside the output and
swapped in with renames, so a failure at any step leaves the previous `dist/` exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OutputError, ValidationFailed
from .formats import JSONLD, NTRIPLES, TURTLE
from .namespaces import PREFIXES, entity_iri
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
    """What a build published: the dataset, the triple count and the files, by name."""

    dataset: Dataset
    triple_count: int
    files: dict[str, bytes] = field(default_factory=dict)
    out_dir: Path | None = None


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

    lines = serialize(triples, format=NTRIPLES.pyoxigraph()).decode("utf-8").splitlines()
    return ("\n".join(sorted(set(lines))) + "\n").encode("utf-8")


def jsonld(dataset: Dataset, triples) -> bytes:
    from .jsonld import Context, dumps, frame

    root = entity_iri(dataset.info.base, "collaboration", dataset.info.network)
    document = frame(triples, root, Context.from_file(context_file()), FILES["context"])
    return dumps(document).encode("utf-8")


def render(dataset: Dataset, triples, site: bool = True) -> dict[str, bytes]:
    """Every published file, by name, as bytes: nothing touches the disk here.

    With `site`, the website (jitarsa.site) is under `site/`, the dumps copied into it.
    """
    from .description import description_triples

    files = {
        FILES["turtle"]: turtle(triples),
        FILES["ntriples"]: ntriples(triples),
        FILES["jsonld"]: jsonld(dataset, triples),
        FILES["context"]: context_file().read_bytes(),
        FILES["ontology"]: ontology_file().read_bytes(),
        FILES["shapes"]: shapes_file().read_bytes(),
    }
    dumps = [(fmt, FILES[key], files[FILES[key]])
             for fmt, key in ((TURTLE, "turtle"), (NTRIPLES, "ntriples"), (JSONLD, "jsonld"))]
    files[FILES["description"]] = turtle(description_triples(dataset, triples, dumps))
    if site:
        from .site import render_site

        files.update({f"site/{name}": data
                      for name, data in render_site(dataset, triples, files).items()})
    files[FILES["checksums"]] = checksums(files)
    return files


def checksums(files: dict[str, bytes]) -> bytes:
    """`sha256sum -c` format, sorted by path."""
    lines = [f"{hashlib.sha256(data).hexdigest()}  {name}" for name, data in sorted(files.items())]
    return ("\n".join(lines) + "\n").encode("utf-8")


def build_files(data_dir: Path | str | None = None, base: str | None = None,
                site: bool = True) -> BuildResult:
    """Load, build, validate and render; raise before anything is written if any step fails."""
    from .graph import triples as make_triples
    from .shacl import validate_triples

    dataset = load_dataset(data_dir or default_data_dir(), base=base)
    triples = make_triples(dataset)
    report = validate_triples(triples, dataset.info.base)
    if not report.conforms:
        raise ValidationFailed(report)
    return BuildResult(dataset, len(triples), render(dataset, triples, site))


def build(data_dir: Path | str | None = None, out_dir: Path | str = "dist",
          base: str | None = None, site: bool = True) -> BuildResult:
    """The whole pipeline: `jitarsa build`."""
    result = build_files(data_dir, base, site)
    result.out_dir = write_atomic(Path(out_dir), result.files)
    return result


def write_atomic(out_dir: Path, files: dict[str, bytes]) -> Path:
    """Write `files` into `out_dir`, replacing it whole, or leave it untouched on failure."""
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
    try:
        for name, data in sorted(files.items()):
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
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
