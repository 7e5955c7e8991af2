"""Build and publish: records → graph → SHACL → dist/, written deterministically and atomically.

`artefacts()` renders the published files one at a time; `render()` collects them in memory (the
small-data path, `build_files`), while `build()` streams each into a fresh folder beside the
output as soon as it is made, so only one file's bytes are held at a time, and swaps the folder
in with renames: a failure at any step leaves the previous `dist/` exactly as it was. Both write
the same bytes (tests/test_scale.py).
"""

from __future__ import annotations

import gc
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from jitarsa._util.output import (
    CHECKSUMS,
    Stream,
    Written,
    checksums,
    folder_beside,
    prepare,
    write_atomic,
    write_chunks,
)
from jitarsa._util.progress import SILENT
from jitarsa.errors import OutputError, ValidationFailed
from jitarsa.formats import JSONLD, NTRIPLES, RDF_XML, TURTLE
from jitarsa.namespaces import entity_iri
from jitarsa.records.load import load_dataset
from jitarsa.records.model import Dataset
from jitarsa.resources import context_file, default_data_dir, ontology_file, shapes_file

#: Artefact → file name in the output folder: the one table of published paths.
FILES = {
    "turtle": "jitarsa.ttl",
    "ntriples": "jitarsa.nt",
    "jsonld": "jitarsa.jsonld",
    "rdfxml": "jitarsa.rdf",
    "context": "context.jsonld",
    "description": "void.ttl",
    "ontology": "ontology.ttl",
    "shapes": "shapes.ttl",
    "checksums": CHECKSUMS,
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
    from jitarsa.rdf.jsonld import Context, dump_chunks, frame

    root = entity_iri(dataset.info.base, "collaboration", dataset.info.network)
    # The context is embedded, so a reader needs no document loader, no base and no network;
    # context.jsonld is published beside it for reuse.
    context = json.loads(context_file().read_text(encoding="utf-8"))
    document = frame(graph, root, Context(context), context["@context"], stream=True)
    return dump_chunks(document)


def _second_half(graph) -> slice:
    """The part of the N-Triples dump the second process writes in a large build."""
    return slice(len(graph.subjects) // 2, None)


def _ntriples_in_halves(graph, second_half) -> Iterator[bytes]:
    """The N-Triples dump: its first half written here, then, once `second_half()` has waited
    for the other process to write it, the file of the second half."""
    from jitarsa.rdf.dumps import ntriples_chunks

    yield from ntriples_chunks(graph, slice(None, _second_half(graph).start))
    with second_half().open("rb") as handle:
        while chunk := handle.read(1 << 20):
            yield chunk


def artefacts(
    dataset: Dataset,
    graph,
    site: bool = True,
    second_half=None,
    site_folder: Path | None = None,
    progress=None,
) -> Iterator[tuple[str, bytes | Stream | Written]]:
    """Every published file but SHA256SUMS, as (name, bytes or Stream), one at a time: a
    Stream must be read to its end before the next file is asked for. `second_half()`, if
    given, waits for the file holding the second half of the N-Triples dump, written by another
    process: that dump then comes last, its first half written here.

    With `site`, the website (jitarsa.site) follows under `site/`, the dumps copied into it: the
    top-level files are then kept as bytes until the site is rendered. With `site_folder` (the
    output's `site/` in the staging folder) the site is written there directly, in batches and
    where it can in two processes, and passed on as Written digests; the dumps are then not kept
    but copied from the staging folder, where they have been written by then.
    """
    from jitarsa.rdf.description import description_triples
    from jitarsa.rdf.dumps import ntriples_chunks, rdfxml_chunks, turtle, turtle_chunks

    published: dict[str, bytes] = {}
    makers = {
        "turtle": (TURTLE, lambda: turtle_chunks(graph)),
        "ntriples": (NTRIPLES, lambda: ntriples_chunks(graph)),
        "jsonld": (JSONLD, lambda: jsonld_chunks(dataset, graph)),
        "rdfxml": (RDF_XML, lambda: rdfxml_chunks(graph)),
    }
    order = list(makers)
    if second_half is not None:  # last, when the other process has had time to write its half
        makers["ntriples"] = (NTRIPLES, lambda: _ntriples_in_halves(graph, second_half))
        order = ["turtle", "jsonld", "rdfxml", "ntriples"]
    made = {}
    for key in order:
        fmt, chunks = makers[key]
        stream = Stream(chunks())
        if site and site_folder is None:
            published[FILES[key]] = data = b"".join(stream)
            yield FILES[key], data
        else:
            yield FILES[key], stream
        made[key] = (fmt, FILES[key], stream.size, stream.sha256)
    dumps = [made[key] for key in makers]
    fixed = [
        (FILES["context"], context_file().read_bytes()),
        (FILES["ontology"], ontology_file().read_bytes()),
        (FILES["shapes"], shapes_file().read_bytes()),
        (FILES["description"], turtle(description_triples(dataset, graph, dumps))),
    ]
    for name, data in fixed:
        if site:
            published[name] = data
        yield name, data
    if site and site_folder is not None:
        from jitarsa.publish.site import Site, write_site

        site_folder.mkdir()
        copied = {}
        for _, name, _, digest in dumps:
            _link_or_copy(site_folder.parent / name, site_folder / name)
            copied[name] = digest
        with (progress or SILENT).stage("site", len(dataset.records), "records") as stage:
            pages = Site(dataset, graph, published)
            digests = write_site(pages, site_folder, stage, copied)
        for name, digest in sorted(digests.items()):
            yield f"site/{name}", Written(digest)
    elif site:
        from jitarsa.publish.site import render_site

        for name, data in render_site(dataset, graph, published).items():
            yield f"site/{name}", data


def _link_or_copy(source: Path, target: Path) -> None:
    """The site's dumps are the output's own: a hard link where the filesystem has them (no
    second copy of the dumps to write, 0.5 GB at 100k organisations), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def render(dataset: Dataset, graph, site: bool = True) -> dict[str, bytes]:
    """Every published file, by name, as bytes: nothing touches the disk here."""
    files = {}
    for name, data in artefacts(dataset, graph, site):
        assert not isinstance(data, Written)  # only a site written into a folder is
        files[name] = data if isinstance(data, bytes) else b"".join(data)
    files[FILES["checksums"]] = checksums(files)
    return files


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


def _checked(data_dir, base, progress, engine="auto"):
    """Load, build and validate; raise before anything is written if any step fails."""
    dataset, graph = _loaded(data_dir, base, progress)
    _validate_now(dataset, graph, progress, engine)
    return dataset, graph


def _loaded(data_dir, base, progress):
    from jitarsa.rdf.graph import triples

    dataset = load_dataset(data_dir or default_data_dir(), base=base, progress=progress)
    return dataset, triples(dataset, progress=progress)


def _stage(progress, graph):
    return (progress or SILENT).stage("validate", len(graph), "triples")


def _validate_now(dataset, graph, progress, engine: str) -> None:
    from jitarsa.shacl.engine import validate_triples

    _require(
        lambda: validate_triples(graph, dataset.info.base, engine),
        graph,
        _stage(progress, graph),
    )


def _require(report, graph, stage, out_dir=None) -> None:
    """Raise ValidationFailed unless the graph conforms; `report()` validates, or waits for the
    process that does (then `stage`, the progress line, started when that process did)."""
    from jitarsa.errors import Stopped

    with stage:
        try:
            found = report()
        except Stopped as err:
            raise OutputError(
                f"was not replaced: the process validating the graph stopped "
                f"({err}; killed for lack of memory?). Set JITARSA_PROCESSES=1 "
                "to validate in one process",
                out_dir,
            ) from None
        stage.advance(len(graph))
    if not found.conforms:
        raise ValidationFailed(found)


def _second_share(graph, base: str, path: Path, engine: str):
    """The second process's share of a large build: validate, then, if the graph conforms,
    write the second half of the N-Triples dump to `path`. Meanwhile the first writes Turtle,
    JSON-LD and the first half: about as long."""
    from jitarsa.rdf.dumps import ntriples_chunks
    from jitarsa.shacl.engine import validate_triples

    report = validate_triples(graph, base, engine)
    if report.conforms:
        write_chunks(path, ntriples_chunks(graph, _second_half(graph)))
    return report


#: From this many triples on, `build` validates and writes the second half of the N-Triples
#: dump in a second process (jitarsa.background) while it writes the rest.
BACKGROUND_FROM = 100_000


def build_files(
    data_dir: Path | str | None = None, base: str | None = None, site: bool = True, progress=None
) -> BuildResult:
    """Load, build, validate and render in memory; nothing is written."""
    with _collector_paused():
        dataset, graph = _checked(data_dir, base, progress)
        files = render(dataset, graph, site)
    return BuildResult(dataset, len(graph), files, paths=sorted(files))


def build(
    data_dir: Path | str | None = None,
    out_dir: Path | str = "dist",
    base: str | None = None,
    site: bool = True,
    progress=None,
    engine: str = "auto",
) -> BuildResult:
    """The whole pipeline, `jitarsa build`: files are streamed to disk, not kept (`files` is
    empty; `paths` names what was written). A large graph is validated (with `engine`, see
    jitarsa.shacl.engine), and the second half of its N-Triples dump written, in a second
    process while this one writes the rest; nothing replaces `out_dir` unless the graph
    conforms."""
    from jitarsa._util.background import can_fork, forked

    out_dir = prepare(Path(out_dir))  # refused before any work if it is not jitarsa's
    with _collector_paused():
        dataset, graph = _loaded(data_dir, base, progress)
        second = scratch = half = None
        if len(graph) >= BACKGROUND_FROM and can_fork():
            scratch = folder_beside(out_dir, "second")  # where the second process writes
            written = scratch / FILES["ntriples"]
            second = forked(_second_share, graph, dataset.info.base, written, engine)
            checking = _stage(progress, graph)  # its clock starts with the second process

            def half() -> Path:  # waits for the verdict and the file of the second half
                _require(second, graph, checking, out_dir)
                return written
        else:
            _validate_now(dataset, graph, progress, engine)
        result = BuildResult(dataset, len(graph))
        staging = folder_beside(out_dir, "new")  # write_atomic swaps it in, or removes it
        try:
            with (progress or SILENT).stage("write", len(FILES), "files") as stage:
                files = artefacts(dataset, graph, site, half, staging / "site", progress)
                result.out_dir = write_atomic(
                    out_dir, _counted(files, stage, result.paths), staging
                )
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            if second is not None:
                second.cancel()
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
    result.paths = sorted(result.paths + [FILES["checksums"]])
    return result


def _counted(files, stage, names: list[str]):
    """Pass the files on, counting the top-level ones on the progress stage (the site has its
    own) and noting their names."""
    for name, data in files:
        names.append(name)
        yield name, data
        if "/" not in name:
            stage.advance()


def build_site(
    data_dir: Path | str | None = None, out_dir: Path | str = "dist/site", base: str | None = None
):
    """`jitarsa site`: build and validate as `jitarsa build` does, write only the site."""
    result = build_files(data_dir, base, site=True)
    result.files = {
        name[5:]: data for name, data in result.files.items() if name.startswith("site/")
    }
    result.out_dir = write_atomic(Path(out_dir), result.files)
    return result
