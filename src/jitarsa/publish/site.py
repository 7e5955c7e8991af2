"""The linked-data website: one bilingual page per entity IRI, laid out by IRI path.

`<base>org/<id>` is the page `org/<id>/index.html`, with that entity's own triples beside it as
`index.ttl`, `index.jsonld` and `index.nt`; the dumps are copied to the site root, where their
IRIs (`<base>jitarsa.ttl`, …) put them. Every link is relative and names `index.html`, so the
site works from any static host and opened from disk. Rendering is pure, like publish.render:
path → bytes. Templates, styles, script and example queries are files in `templates/`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pyoxigraph import Literal, QuerySolutions

from jitarsa.formats import JSONLD, NTRIPLES, TURTLE
from jitarsa.namespaces import JITARSA, PREFIXES, RDF, SCHEMA, WD, entity_iri, shorten
from jitarsa.publish.output import checksums
from jitarsa.records.dates import BE_OFFSET, FIRST_CALENDAR_YEAR_BE
from jitarsa.records.model import Dataset, Record
from jitarsa.resources import context_file

TEMPLATES = Path(__file__).resolve().parent / "templates"
QUERIES = TEMPLATES / "queries"
ASSETS = ("site.css", "site.js")
RDF_TYPE = RDF + "type"
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
    """JSON safe inside <script>: `<`, `>` and `&` escaped as \\u003c…, which JSON allows."""
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False)
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


@dataclass
class Page:
    """Where a page is, so that every link from it can be relative."""

    path: str  # e.g. "org/mirror-foundation/index.html"

    @property
    def root(self) -> str:
        return "../" * self.path.count("/")

    def to(self, target: str) -> str:
        return self.root + target


class Site:
    """Everything the templates need about a built graph, computed once."""

    def __init__(self, dataset: Dataset, triples, files: dict[str, bytes]):
        self.dataset = dataset
        self.triples = triples
        self.files = files
        self.base = dataset.info.base

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
    def own(self) -> dict[str, list]:
        """Each subject's own triples, in the canonical order of the graph."""
        found: dict[str, list] = {}
        for t in self.triples:
            found.setdefault(t.subject.value, []).append(t)
        return found

    def kind_label(self, record: Record) -> dict[str, str]:
        return self.dataset.kinds[record.kind].label

    def parent(self, record: Record) -> Record | None:
        return self.dataset.get(record.parent) if record.parent else None

    def subs(self, record: Record) -> list[Record]:
        return [r for r in self.dataset.records if r.parent == record.id]

    def members(self, record: Record) -> list[Record]:
        found = [r for r in self.dataset.records if record.id in r.member_of]
        return sorted(found, key=lambda r: (r.listed.position if r.listed else 0, r.id))

    def served_by(self, record: Record) -> list[Record]:
        return [r for r in self.dataset.records if record.id in r.area_served]

    def rows(self, page: Page, record: Record) -> list[dict]:
        """The entity's own triples for the readable table: predicate, object, link."""
        out = []
        for t in self.own.get(self.iri(record), []):
            o = t.object
            row: dict[str, object] = {
                "predicate": shorten(t.predicate.value),
                "predicate_href": self.link(page, t.predicate.value),
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
        from jitarsa.rdf.dumps import ntriples, turtle
        from jitarsa.rdf.jsonld import Context, dumps, frame

        context = Context(self.context_document)
        own = self.own[self.iri(record)]
        # The context is inline: the IRI <base>org/x has no folder of its own to resolve a
        # relative context against, and a reader then needs no other request.
        document = frame(own, self.iri(record), context, self.context_document["@context"])
        return {
            "index.ttl": turtle(own),
            "index.nt": ntriples(own),
            "index.jsonld": dumps(document).encode("utf-8"),
        }

    @cached_property
    def context_document(self) -> dict:
        """The project's JSON-LD context (ontology/context.jsonld)."""
        return json.loads(context_file().read_text(encoding="utf-8"))

    def schema_jsonld(self, record: Record) -> str:
        """The entity's schema.org description for search engines, safe inside <script>.

        Its own schema.org triples, with the names of the entities it links to embedded; the
        context is inline (`@vocab` schema.org), so reading it needs no other request.
        """

        def node(iri: str, deep: bool) -> dict:
            out: dict = {"@id": iri}
            for t in self.own.get(iri, []):
                p, o = t.predicate.value, t.object
                if p == RDF_TYPE and o.value.startswith(SCHEMA):
                    out.setdefault("@type", []).append(o.value[len(SCHEMA) :])
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
        """Every `.rq` file in templates/queries, run over the built graph."""
        from pyoxigraph import DefaultGraph, Quad, Store

        store = Store()
        store.extend(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in self.triples)
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
            rows = [[self.cell(solution[v]) for v in variables] for solution in result]
            out.append(
                {
                    "name": path.name,
                    "text": text,
                    "title": titles,
                    "variables": variables,
                    "rows": rows,
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

    def render(self) -> dict[str, bytes]:
        from jitarsa.publish.dictionary import Dictionary

        env = environment()
        files: dict[str, bytes] = {}
        common = {
            "site": self,
            "info": self.dataset.info,
            "network": self.dataset.network,
            "formats": (TURTLE, JSONLD, NTRIPLES),
            "year_text": year_text,
            "wikidata": WD,
        }

        def page(template: str, path: str, **values) -> None:
            html = env.get_template(template).render(page=Page(path), **common, **values)
            files[path] = html.encode("utf-8")

        page("home.html", "index.html", members=self.dataset.members)
        for record in self.dataset.records:
            folder = self.folder(record)
            page("entity.html", f"{folder}/index.html", record=record)
            for name, data in self.entity_files(record).items():
                files[f"{folder}/{name}"] = data
        page("queries.html", "queries/index.html", queries=self.queries)
        for query in self.queries:
            files[f"queries/{query['name']}"] = query["text"].encode("utf-8")
        page("ontology.html", "ontology/index.html", dictionary=Dictionary.load())
        releases = self.dataset.info.releases  # the "what changed" pages, at the releases' IRIs
        for release in releases:
            path = f"releases/{release.version}/index.html"
            page("release.html", path, release=release, kinds=CHANGE_KINDS)
        if releases:
            page("releases.html", "releases/index.html", releases=releases, kinds=CHANGE_KINDS)
        for name in ASSETS:
            files[f"assets/{name}"] = (TEMPLATES / name).read_bytes()
        for name, data in self.files.items():
            if "/" not in name and name != "SHA256SUMS":
                files[name] = data
        # The ontology's IRI (…/jitarsa/ontology) negotiates like an entity's: page or Turtle.
        files["ontology/index.ttl"] = self.files["ontology.ttl"]
        return files


def environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_site(dataset: Dataset, triples, files: dict[str, bytes]) -> dict[str, bytes]:
    """The site's files by path inside the site folder; `files` are the dumps to copy in."""
    out = Site(dataset, triples, files).render()
    out["SHA256SUMS"] = checksums(out)
    return out
