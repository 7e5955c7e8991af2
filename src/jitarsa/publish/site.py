"""The linked-data website: one bilingual page per entity IRI, laid out by IRI path.

`<base>org/<id>` is the page `org/<id>/index.html`, with that entity's own triples beside it as
`index.ttl`, `index.jsonld`, `index.nt` and `index.rdf` (RDF/XML, what rdflib and SPARQLWrapper
ask for by default); the dumps are copied to the site root, where their IRIs
(`<base>jitarsa.ttl`, …) put them. Every link is relative and names `index.html`, so the site
works from any static host and opened from disk. Rendering is pure, like publish.render:
path → bytes. Templates, styles, script and example queries are files in `templates/`.

At registry scale the site is linear in the number of records: who is a member, unit or served
organisation of whom is indexed once, each page is rendered from its entity's own statements,
and a long list (members, units, organisations serving a place, an entity's statements) shows
PAGE_SIZE entries a page and continues on `<folder>/page/2/index.html`, … (the IRI
`<entity IRI>/page/2`), linked with rel=prev/next; the files beside the page and the dumps hold
it whole. `write_site` renders and writes the records' pages in batches, in two processes where
it can fork (jitarsa._util.background), each taking the next batch from a shared queue, and the
bytes do not depend on how many.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from pyoxigraph import Literal, QuerySolutions

from jitarsa._util.output import CHECKSUMS, checksum_lines, checksums
from jitarsa.errors import OutputError, Stopped
from jitarsa.formats import JSONLD, NTRIPLES, RDF_XML, TURTLE
from jitarsa.namespaces import JITARSA, PREFIXES, RDF, SCHEMA, WD, entity_iri, shorten
from jitarsa.rdf.graph import Graph, as_graph, term
from jitarsa.records.dates import BE_OFFSET, FIRST_CALENDAR_YEAR_BE
from jitarsa.records.model import Dataset, Record
from jitarsa.resources import context_file

TEMPLATES = Path(__file__).resolve().parent / "templates"
QUERIES = TEMPLATES / "queries"
ASSETS = ("site.css", "site.js")
RDF_TYPE = RDF + "type"
#: Entries of a long list on one page. The default dataset's network (28 members) fits on one;
#: a registry's network of thousands continues over pages of this many.
PAGE_SIZE = 100
#: Records whose files are rendered in memory before they are written, one batch at a time.
BATCH = 256

#: The kinds of change of a release (jitarsa.releases.diff), labelled in Thai and English.
CHANGE_KINDS = {
    "added": ("เพิ่ม", "added"),
    "removed": ("ลบ", "removed"),
    "reidentified": ("เปลี่ยน IRI", "re-identified"),
    "renamed": ("เปลี่ยนชื่อ", "renamed"),
    "membership": ("สมาชิกภาพ", "membership"),
    "parent": ("องค์กรแม่", "parent"),
    "property": ("คุณสมบัติอื่น", "other property"),
}


def path_of(base: str, iri: str) -> str | None:
    """The page folder of an IRI under the base (`org/x`), or None for an IRI outside it."""
    return iri[len(base) :] if iri.startswith(base) and len(iri) > len(base) else None


def script_json(document) -> str:
    """JSON safe inside <script>: `<`, `>` and `&` escaped as \\u003c…, which JSON allows.
    (Written by jitarsa.rdf.jsonld.dumps: json.dumps's bytes, twice as fast with an indent.)"""
    from jitarsa.rdf.jsonld import dumps

    text = dumps(document).removesuffix("\n")
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def year_text(founded: tuple[str, str] | None) -> dict[str, str]:
    """A founding date for people: Thai with the Buddhist-Era year, English as CE."""
    if not founded:
        return {}
    lexical = founded[0]
    year = int(lexical[:4])
    th = lexical
    if year + BE_OFFSET >= FIRST_CALENDAR_YEAR_BE and len(lexical) == 4:
        th = f"พ.ศ. {year + BE_OFFSET} (ค.ศ. {lexical})"
    return {"th": th, "en": lexical}


def page_path(folder: str, number: int) -> str:
    """The path of page `number` of the page whose first is `<folder>/index.html` (the home
    page's folder is "")."""
    prefix = f"{folder}/" if folder else ""
    return f"{prefix}index.html" if number == 1 else f"{prefix}page/{number}/index.html"


def page_count(length: int, size: int) -> int:
    return max(1, -(-length // size))


@dataclass
class Page:
    """Where a page is, so that every link from it can be relative; and, for a page of a
    paginated series, which page it is (`number` of `count`, `size` entries of each list)."""

    path: str  # e.g. "org/mirror-foundation/index.html"
    folder: str = ""
    number: int = 1
    count: int = 1
    size: int = PAGE_SIZE

    @classmethod
    def numbered(cls, folder: str, number: int, count: int, size: int) -> Page:
        return cls(page_path(folder, number), folder, number, count, size)

    @property
    def root(self) -> str:
        return "../" * self.path.count("/")

    def to(self, target: str) -> str:
        return self.root + target

    def part(self, items: Sequence) -> Sequence:
        """This page's entries of a list."""
        start = (self.number - 1) * self.size
        return items[start : start + self.size]

    @property
    def offset(self) -> int:
        """How many entries of a list come before this page's."""
        return (self.number - 1) * self.size

    def sibling(self, number: int) -> str:
        """The relative link to page `number` of the same series."""
        return self.to(page_path(self.folder, number))

    def beside(self, name: str) -> str:
        """The relative link to a file beside the series' first page (`index.ttl`)."""
        return name if self.number == 1 else "../../" + name

    @property
    def suffix(self) -> str:
        """What the page's IRI adds to its entity's: "" for the first, "/page/N" after."""
        return "" if self.number == 1 else f"/page/{self.number}"


class _Own(Mapping):
    """Each subject's own triples, in the canonical order of the graph, made when asked: a
    registry's graph is never turned into Python triples as a whole. With `only`, just the
    statements of those predicates, kept for the subjects most recently asked for (a network
    linked from each of its thousands of members is read once, not once per member)."""

    def __init__(self, graph: Graph, only: frozenset[str] | None = None):
        self.graph = graph
        self.only = only
        self._get = self._made if only is None else functools.lru_cache(4096)(self._made)

    def __getitem__(self, iri: str) -> list:
        return self._get(iri)

    def _made(self, iri: str) -> list:
        if self.only is None:
            return list(self.slice(iri))
        pairs = [pair for pair in self.graph.statements[iri] if pair[0] in self.only]
        return list(Graph({iri: pairs}))

    def slice(self, iri: str) -> Graph:
        """The graph of the subject's own statements alone."""
        return Graph({iri: self.graph.statements[iri]})

    def __iter__(self) -> Iterator[str]:
        return iter(self.graph.statements)

    def __len__(self) -> int:
        return len(self.graph.statements)


#: The basis of the English name travels with every name embedded in a page's JSON-LD.
BASIS = JITARSA + "englishNameBasis"


class Site:
    """Everything the templates need about a built graph, computed once."""

    def __init__(
        self, dataset: Dataset, triples, files: dict[str, bytes], page_size: int = PAGE_SIZE
    ):
        self.dataset = dataset
        self.graph = as_graph(triples)
        self.files = files
        self.base = dataset.info.base
        self.page_size = page_size

    # --- entities -------------------------------------------------------------------------

    def iri(self, record: Record) -> str:
        return entity_iri(self.base, record.kind, record.id)

    def folder(self, record: Record) -> str:
        folder = path_of(self.base, self.iri(record))
        assert folder is not None  # a record's IRI is under the base
        return folder

    def href(self, page: Page, record: Record) -> str:
        return page.to(f"{self.folder(record)}/index.html")

    @cached_property
    def by_iri(self) -> dict[str, Record]:
        return {self.iri(r): r for r in self.dataset.records}

    @cached_property
    def own(self) -> _Own:
        """Each subject's own triples, in the canonical order of the graph."""
        return _Own(self.graph)

    @cached_property
    def labels(self) -> _Own:
        """Each subject's types, names and the basis of its English name: all a page embeds of
        an entity it links to."""
        return _Own(self.graph, frozenset({RDF_TYPE, SCHEMA + "name", BASIS}))

    @cached_property
    def relations(self) -> tuple[dict, dict, dict]:
        """By record id, once for the whole site: its units (in record order), its members (in
        the order of the source list) and the records serving it as a place."""
        children: dict[str, list[Record]] = {}
        members: dict[str, list[Record]] = {}
        served: dict[str, list[Record]] = {}
        for r in self.dataset.records:
            if r.parent:
                children.setdefault(r.parent, []).append(r)
            for target in dict.fromkeys(r.member_of):
                members.setdefault(target, []).append(r)
            for place in dict.fromkeys(r.area_served):
                served.setdefault(place, []).append(r)
        for found in members.values():
            found.sort(key=self.dataset.list_order)
        return children, members, served

    def kind_label(self, record: Record) -> dict[str, str]:
        return self.dataset.kinds[record.kind].label

    def parent(self, record: Record) -> Record | None:
        return self.dataset.get(record.parent) if record.parent else None

    def subs(self, record: Record) -> list[Record]:
        return self.relations[0].get(record.id, [])

    def members(self, record: Record) -> list[Record]:
        return self.relations[1].get(record.id, [])

    def listings(self, record: Record) -> list[dict]:
        """Each stored list that names the record: the source, a short label, the number."""
        out = []
        for source in record.listings:
            found = self.dataset.list_by_url.get(source.url)
            host = urlsplit(source.url).hostname or source.url
            out.append(
                {
                    "url": source.url,
                    "label": host.removeprefix("www."),
                    "position": source.position,
                    "slug": found.slug if found else None,
                    "retrieved": found.retrieved if found else source.retrieved,
                }
            )
        return out

    @cached_property
    def _predecessors(self) -> dict[str, list[Record]]:
        found: dict[str, list[Record]] = {}
        for r in self.dataset.records:
            if r.successor:
                found.setdefault(r.successor, []).append(r)
        return found

    def predecessors(self, record: Record) -> list[Record]:
        """The organisations that ended and became this one."""
        return self._predecessors.get(record.id, [])

    def served_by(self, record: Record) -> list[Record]:
        return self.relations[2].get(record.id, [])

    def statements(self, record: Record) -> list[tuple]:
        return self.graph.statements.get(self.iri(record), [])

    def page_count(self, record: Record) -> int:
        """How many pages the entity's longest list needs."""
        lists = (self.subs, self.members, self.served_by, self.statements)
        return page_count(max(len(entries(record)) for entries in lists), self.page_size)

    def rows(self, page: Page, record: Record) -> list[dict]:
        """The entity's own triples on this page for the readable table: predicate, object,
        link."""
        out = []
        for p, value in page.part(self.statements(record)):
            o = term(value)
            row: dict[str, object] = {
                "predicate": shorten(p),
                "predicate_href": self.link(page, p),
            }
            if isinstance(o, Literal):
                row.update(
                    text=o.value,
                    lang=o.language,
                    datatype=None if o.language else shorten(o.datatype.value),
                )
            else:
                row.update(text=shorten(o.value), iri=o.value, href=self.link(page, o.value))
            out.append(row)
        return out

    # --- files beside each page -----------------------------------------------------------

    def entity_files(self, record: Record) -> dict[str, bytes]:
        from jitarsa.rdf.dumps import ntriples, rdfxml, turtle
        from jitarsa.rdf.jsonld import dumps, frame

        own = self.own.slice(self.iri(record))
        # The context is inline: the IRI <base>org/x has no folder of its own to resolve a
        # relative context against, and a reader then needs no other request.
        document = frame(own, self.iri(record), self.context, self.context_document["@context"])
        return {
            "index.ttl": turtle(own),
            "index.nt": ntriples(own),
            "index.jsonld": dumps(document).encode("utf-8"),
            "index.rdf": rdfxml(own),
        }

    @cached_property
    def context_document(self) -> dict:
        """The project's JSON-LD context (ontology/context.jsonld)."""
        return json.loads(context_file().read_text(encoding="utf-8"))

    @cached_property
    def context(self):
        from jitarsa.rdf.jsonld import Context

        return Context(self.context_document)

    def schema_jsonld(self, record: Record) -> str:
        """The entity's schema.org description for search engines, safe inside <script>.

        Its own schema.org triples, with the names of the entities it links to embedded; the
        context is inline (`@vocab` schema.org), so reading it needs no other request.
        """

        def node(iri: str, deep: bool) -> dict:
            out: dict = {"@id": iri}
            for t in (self.own if deep else self.labels).get(iri, []):
                p, o = t.predicate.value, t.object
                if p == RDF_TYPE and o.value.startswith(SCHEMA):
                    out.setdefault("@type", []).append(o.value[len(SCHEMA) :])
                elif p == BASIS:
                    out.setdefault(p, []).append({"@id": o.value})
                elif not p.startswith(SCHEMA) or (not deep and p != SCHEMA + "name"):
                    continue
                elif isinstance(o, Literal):
                    value = {"@value": o.value}
                    value.update(
                        {"@language": o.language} if o.language else {"@type": o.datatype.value}
                    )
                    out.setdefault(p[len(SCHEMA) :], []).append(value)
                else:
                    linked = (
                        node(o.value, False)
                        if deep and o.value in self.by_iri
                        else {"@id": o.value}
                    )
                    out.setdefault(p[len(SCHEMA) :], []).append(linked)
            return out

        return script_json({"@context": {"@vocab": SCHEMA}, **node(self.iri(record), True)})

    def link(self, page: Page, iri: str) -> str:
        """Where a link to an IRI goes: its page on this site when it has one."""
        if iri in self.by_iri:
            return self.href(page, self.by_iri[iri])
        if iri.startswith(JITARSA):
            return page.to("ontology/index.html#" + iri[len(JITARSA) :])
        return iri

    # --- example queries ------------------------------------------------------------------

    @cached_property
    def queries(self) -> list[dict]:
        """Every `.rq` file in templates/queries, run over the built graph: its number of
        results and the first `page_size` of them (a registry's answers are thousands of rows,
        which the dumps and the endpoint give whole; the page would be megabytes)."""
        from pyoxigraph import RdfFormat, Store

        from jitarsa.rdf.dumps import ntriples_chunks

        store = Store()
        for chunk in ntriples_chunks(self.graph):
            store.load(chunk, format=RdfFormat.N_TRIPLES)
        out = []
        for path in sorted(QUERIES.glob("*.rq")):
            text = path.read_text(encoding="utf-8")
            titles = {
                line[2:4]: line[5:].strip()
                for line in text.splitlines()
                if line[:2] == "# " and line[4:5] == ":" and line[2:4] in ("th", "en")
            }
            result = store.query(text, prefixes=PREFIXES)
            assert isinstance(result, QuerySolutions), f"{path.name} is not a SELECT query"
            variables = [v.value for v in result.variables]
            rows, count = [], 0
            for solution in result:  # all are counted, the first page_size shown
                if count < self.page_size:
                    rows.append([self.cell(solution[v]) for v in variables])
                count += 1
            out.append(
                {
                    "name": path.name,
                    "text": text,
                    "title": titles,
                    "variables": variables,
                    "rows": rows,
                    "count": count,
                    "id": path.stem,
                }
            )
        return out

    def cell(self, term) -> dict:
        if term is None:
            return {"text": "", "lang": None, "record": None}
        if isinstance(term, Literal):
            return {"text": term.value, "lang": term.language, "record": None}
        return {"text": shorten(term.value), "lang": None, "record": self.by_iri.get(term.value)}

    # --- the pages ------------------------------------------------------------------------

    @cached_property
    def environment(self):
        env = environment()
        env.globals.update(
            site=self,
            info=self.dataset.info,
            network=self.dataset.network,
            formats=(TURTLE, JSONLD, NTRIPLES, RDF_XML),
            year_text=year_text,
            wikidata=WD,
        )
        return env

    def page(self, template: str, page: Page, **values) -> bytes:
        html = self.environment.get_template(template).render(page=page, **values)
        return html.encode("utf-8")

    def entity_page(self, record: Record, number: int) -> bytes | None:
        """Page `number` of a record's page (None past its last): what `jitarsa serve`
        renders on request when the site folder lacks it."""
        count = self.page_count(record)
        if not 1 <= number <= count:
            return None
        page = Page.numbered(self.folder(record), number, count, self.page_size)
        return self.page("entity.html", page, record=record)

    def page_at(self, path: str) -> bytes | None:
        """The HTML the site has at an entity's page path (`org/x`, `org/x/page/2`, either with
        `/index.html`), rendered now; None if the site has no such entity page."""
        path = path.strip("/").removesuffix("index.html").rstrip("/")
        folder, _, number = path.partition("/page/")
        record = self.by_iri.get(self.base + folder)
        # ASCII digits, no leading zero, within a length: `str.isdigit` takes "²", and `int()`
        # refuses more than 4,300 digits with an error
        if record is None or (number and not re.fullmatch(r"[1-9][0-9]{0,8}", number)):
            return None
        if number == "1":  # page 1 is the entity's own index.html, never page/1/
            return None
        return self.entity_page(record, int(number or 1))

    def record_files(self, record: Record) -> Iterator[tuple[str, bytes]]:
        """A record's pages and, beside the first, its own Turtle, N-Triples, JSON-LD and
        RDF/XML."""
        folder = self.folder(record)
        for number in range(1, self.page_count(record) + 1):
            html = self.entity_page(record, number)
            assert html is not None
            yield page_path(folder, number), html
        for name, data in self.entity_files(record).items():
            yield f"{folder}/{name}", data

    def other_files(self) -> Iterator[tuple[str, bytes]]:
        """Every file but the records' own: home, queries, ontology, assets, the dumps."""
        from jitarsa.publish.dictionary import Dictionary

        members = self.members(self.dataset.network)
        count = page_count(len(members), self.page_size)
        for number in range(1, count + 1):
            page = Page.numbered("", number, count, self.page_size)
            yield page.path, self.page("home.html", page, members=page.part(members))
        yield (
            "queries/index.html",
            self.page("queries.html", Page("queries/index.html"), queries=self.queries),
        )
        for query in self.queries:
            yield f"queries/{query['name']}", query["text"].encode("utf-8")
        yield (
            "ontology/index.html",
            self.page("ontology.html", Page("ontology/index.html"), dictionary=Dictionary.load()),
        )
        releases = self.dataset.info.releases  # the "what changed" pages, at the releases' IRIs
        for release in releases:
            path = f"releases/{release.version}/index.html"
            yield path, self.page("release.html", Page(path), release=release, kinds=CHANGE_KINDS)
        if releases:
            path = "releases/index.html"
            yield (
                path,
                self.page("releases.html", Page(path), releases=releases, kinds=CHANGE_KINDS),
            )
        for name in ASSETS:
            yield f"assets/{name}", (TEMPLATES / name).read_bytes()
        for name, data in self.files.items():
            if "/" not in name and name != CHECKSUMS:
                yield name, data
        # The ontology's IRI (…/jitarsa/ontology) negotiates like an entity's: page or Turtle.
        yield "ontology/index.ttl", self.files["ontology.ttl"]

    def render(self) -> dict[str, bytes]:
        files = dict(self.other_files())
        for record in self.dataset.records:
            files.update(self.record_files(record))
        return files

    def prepare(self) -> None:
        """Compute what every page shares (indexes, templates) before the work is divided, so
        that a forked process starts with it."""
        _ = self.relations, self.by_iri, self.context
        for name in ("entity.html", "home.html", "base.html", "macros.html"):
            self.environment.get_template(name)


@functools.lru_cache(maxsize=4096, typed=True)  # typed: Markup is not escaped again
def bilingual_label(th: str, en: str):
    """A label in both languages, as the templates write labels: the language switch shows one
    or both. (A function, not a Jinja macro: a page has dozens, the same on every page, and a
    macro call costs ten times as much.)"""
    from markupsafe import Markup, escape

    return Markup('<span class="t" lang="th">%s</span><span class="t" lang="en">%s</span>') % (
        escape(th),
        escape(en),
    )


def bilingual_text(values: Mapping[str, str]):
    """A value given in Thai and English (either may be missing), each in its language."""
    from markupsafe import Markup

    return Markup("").join(
        Markup('<span class="t" lang="%s">%s</span>') % (lang, values[lang])
        for lang in ("th", "en")
        if lang in values
    )


def environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a template is read once per build, not checked on every page
    )
    env.globals.update(t=bilingual_label, text=bilingual_text)
    return env


def render_site(
    dataset: Dataset, triples, files: dict[str, bytes], page_size: int = PAGE_SIZE
) -> dict[str, bytes]:
    """The site's files by path inside the site folder; `files` are the dumps to copy in."""
    out = Site(dataset, triples, files, page_size).render()
    out[CHECKSUMS] = checksums(out)
    return out


def write_site(
    site: Site, folder: Path, stage, present: dict[str, str] | None = None
) -> dict[str, str]:
    """Render the site and write it into `folder`, the records' pages in batches, and return
    each file's SHA-256 by path; `present` are the digests of the files already there. Where it
    can fork, a second process takes batches too, from the same queue, while this one first
    writes the other files (the home pages, the example queries run over the whole graph);
    `stage` (a progress stage of records) counts both."""
    from multiprocessing import get_context

    from jitarsa._util.background import can_fork, forked

    records = site.dataset.records
    batches: list[Sequence[Record]] = [
        records[i : i + BATCH] for i in range(0, len(records), BATCH)
    ]
    digests = dict(present or {})
    site.prepare()
    # What exists now lives to the end of the build: each batch's collection (_write_batch)
    # then looks at that batch's objects alone.
    gc.freeze()
    if len(batches) < 2 or not can_fork():
        digests.update(_write(folder, site.other_files()))
        for batch in batches:
            digests.update(_write_batch(site, batch, folder))
            stage.advance(len(batch))
    else:
        context = get_context("fork")
        queue = context.Value("q", 0)  # the index of the next batch to take
        theirs = context.RawValue("q", 0)  # records the other process has written
        other = forked(_write_batches, site, batches, queue, folder, theirs)
        mine = 0
        try:
            digests.update(_write(folder, site.other_files()))
            for batch in _taken(batches, queue):
                digests.update(_write_batch(site, batch, folder))
                mine += len(batch)
                stage.advance(mine + theirs.value - stage.done)
            while not other.ready(0.1):
                stage.advance(mine + theirs.value - stage.done)
            digests.update(other())
        except Stopped as err:
            raise OutputError(
                f"was not written: the second process writing the site stopped ({err}; killed "
                "for lack of memory?). Set JITARSA_PROCESSES=1 to write it in one process",
                folder,
            ) from None
        finally:
            other.cancel()
        stage.advance(len(records) - stage.done)
    lines = checksum_lines(digests)
    (folder / CHECKSUMS).write_bytes(lines)
    digests[CHECKSUMS] = hashlib.sha256(lines).hexdigest()
    return digests


def _taken(batches: list, queue) -> Iterator[Sequence[Record]]:
    """The batches this process takes from the queue shared with the other, until none is
    left: whichever is free takes the next, so neither waits for the other at the end."""
    while True:
        with queue.get_lock():
            index = queue.value
            queue.value = index + 1
        if index >= len(batches):
            return
        yield batches[index]


def _batch_files(site: Site, batch: Sequence[Record]) -> Iterator[tuple[str, bytes]]:
    for record in batch:
        yield from site.record_files(record)


def _write_batches(site: Site, batches: list, queue, folder: Path, done) -> dict[str, str]:
    """The second process's share of `write_site`."""
    digests: dict[str, str] = {}
    for batch in _taken(batches, queue):
        digests.update(_write_batch(site, batch, folder))
        done.value += len(batch)
    return digests


def _write_batch(site: Site, batch: Sequence[Record], folder: Path) -> dict[str, str]:
    digests = _write(folder, _batch_files(site, batch))
    # Rendering leaves reference cycles (Jinja's contexts), and a build pauses the cyclic
    # collector (publish.build): without this, they would pile up, 0.5 GB at 100k records.
    gc.collect(0)
    return digests


#: A new file of the site: the folder is jitarsa's own (a fresh staging folder).
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC


def _write(folder: Path, files) -> dict[str, str]:
    """Render the files, then write them all: the disk sees one batch at a time.

    Each file is three system calls (open relative to the site folder, write, close): a
    registry's site is half a million files, and a Python file object adds three more (fstat,
    ioctl, lseek) and a walk of the whole path."""
    rendered = dict(files)
    for path in {name.rpartition("/")[0] for name in rendered}:
        (folder / path).mkdir(parents=True, exist_ok=True)
    digests = {}
    root = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for name, data in rendered.items():
            fd = os.open(name, _CREATE, 0o666, dir_fd=root)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            digests[name] = hashlib.sha256(data).hexdigest()
    finally:
        os.close(root)
    return digests
