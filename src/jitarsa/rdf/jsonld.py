"""The framed JSON-LD dump: the network at the root, members embedded under `member`.

Written directly from the sorted triples and the hand-written context (ontology/context.jsonld)
rather than through a general JSON-LD framing library: the output is then plain, stable JSON a
web developer can read without RDF tooling, and fast at any size. The tests check with pyld, an
independent JSON-LD 1.1 processor, that it expands to exactly the Turtle dump's graph.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from json.encoder import encode_basestring  # the C version where available
from pathlib import Path

from jitarsa.namespaces import ORG, SCHEMA, XSD
from jitarsa.rdf.graph import TYPE, XSD_STRING, as_graph

#: Relations along which a node is embedded in the first node that reaches it.
EMBED = (
    SCHEMA + "member",
    SCHEMA + "subOrganization",
    SCHEMA + "parentOrganization",
    SCHEMA + "areaServed",
    ORG + "hasMembership",
)
_TYPE = TYPE.value
_INTEGER = XSD + "integer"


class Context:
    """What the writer needs to know of a JSON-LD context: IRI → term and definition."""

    def __init__(self, document: dict):
        ctx = document["@context"]
        self.prefixes = {
            k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("/", "#"))
        }
        self.terms: dict[str, tuple[str, dict]] = {}
        self.vocab: dict[str, str] = {}
        self._compacted: dict[str, str] = {}
        for term, definition in ctx.items():
            if term.startswith("@") or term in ("id", "type") or term in self.prefixes:
                continue
            if isinstance(definition, str):
                self.vocab[self.expand(definition)] = term
                continue
            iri = self.expand(definition.get("@id", term))
            self.terms[iri] = (term, definition)

    @classmethod
    def from_file(cls, path: Path) -> Context:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def expand(self, value: str) -> str:
        prefix, _, local = value.partition(":")
        return self.prefixes[prefix] + local if prefix in self.prefixes else value

    def compact(self, iri: str) -> str:
        """A class or datatype IRI as its term, else as a compact IRI, else in full."""
        found = self._compacted.get(iri)
        if found is None:
            found = self._compacted[iri] = self._compact(iri)
        return found

    def _compact(self, iri: str) -> str:
        if iri in self.vocab:
            return self.vocab[iri]
        for prefix, ns in self.prefixes.items():
            if iri.startswith(ns) and iri != ns:
                return f"{prefix}:{iri[len(ns) :]}"
        return iri


def frame(triples, root: str, context: Context, context_ref: str, stream: bool = False) -> dict:
    """The JSON-LD document: `root` with everything reachable embedded once, the rest included.

    `triples` is a jitarsa.graph.Graph, or pyoxigraph Triples. With `stream`, `@included` is an
    iterator that makes each node as it is read (`dump_chunks` reads it once): a registry's
    nodes are then never all held at once."""
    graph = as_graph(triples)
    by_subject = graph.statements
    embedded: set[str] = set()
    embedding = _embedding_terms(context)
    terms = context.terms

    def node(subject: str) -> dict:
        embedded.add(subject)
        out: dict = {"id": subject}
        values: dict[str, list] = {}
        definitions: dict[str, dict] = {}
        for predicate, o in by_subject[subject]:
            if predicate == _TYPE:
                out.setdefault("type", []).append(context.compact(o))
                continue
            term, definition = terms.get(predicate) or (predicate, {})
            found = values.get(term)
            if found is None:
                found = values[term] = []
                definitions[term] = definition
            found.append(o)
        for term in sorted(values):
            out[term] = _value(
                values[term],
                definitions[term],
                context,
                node,
                embedded,
                term in embedding,
                by_subject,
            )
        return out

    document = {"@context": context_ref, **node(root)}
    if any(s not in embedded for s in graph.subjects):
        included = (node(s) for s in graph.subjects if s not in embedded)
        document["@included"] = included if stream else list(included)
    return document


def _embedding_terms(context: Context) -> set[str]:
    return {context.terms[iri][0] for iri in EMBED if iri in context.terms}


def _value(objects, definition, context, node, embedded, embeds, by_subject):
    container = definition.get("@container")
    if container == "@language":
        langs: dict[str, list] = defaultdict(list)
        for text, lang, _ in objects:
            langs[lang].append(text)
        return {lang: v if len(v) > 1 else v[0] for lang, v in langs.items()}
    out = []
    kind = definition.get("@type")
    for o in objects:
        if type(o) is str:
            if embeds and o in by_subject and o not in embedded:
                out.append(node(o))
            elif kind == "@vocab":
                out.append(context.compact(o))
            elif kind == "@id":
                out.append(o)
            else:
                out.append({"id": o})
        else:
            out.append(_literal(o, definition, context))
    if len(out) > 1:
        out.sort(key=_list_order)
        return out
    return out if container == "@set" else out[0]


def _list_order(value) -> tuple:
    """Embedded members in the order of the source list; everything else as it came."""
    if isinstance(value, dict) and "sourcePosition" in value:
        return (0, value["sourcePosition"])
    return (1, 0)


def _literal(o: tuple, definition: dict, context: Context):
    text, lang, datatype = o
    if lang:
        if definition.get("@language") == lang:
            return text
        return {"@value": text, "@language": lang}
    if datatype == _INTEGER and "@type" not in definition:
        return int(text)
    if datatype == XSD_STRING and "@type" not in definition:
        # a term with a default language would read a bare string as in that language
        return {"@value": text} if "@language" in definition else text
    return {"@value": text, "@type": context.compact(datatype)}


def dumps(document: dict) -> str:
    """Stable, readable JSON: two-space indent, Thai written as characters, final newline.

    Exactly `json.dumps(document, ensure_ascii=False, indent=2)`, which with an indent runs the
    standard library's pure-Python encoder; this writer does the same for the few types a
    JSON-LD document holds, with the C string encoder, about twice as fast on large dumps."""
    parts: list[str] = []
    _encode(document, "\n", parts)
    parts.append("\n")
    return "".join(parts)


def dump_chunks(document: dict) -> Iterator[bytes]:
    """`dumps(document)` as UTF-8, a chunk per item of each top-level list, so that the text of
    a large document is never held whole beside its bytes. A top-level list may be an iterator
    (`frame(…, stream=True)`), which must not be empty."""
    if not document:
        yield b"{}\n"
        return
    parts: list[str] = []
    separator = "{\n  "
    for key, value in document.items():
        parts.append(separator + encode_basestring(key) + ": ")
        separator = ",\n  "
        if (type(value) is list and value) or isinstance(value, Iterator):
            item_separator = "[\n    "
            for item in value:
                parts.append(item_separator)
                item_separator = ",\n    "
                _encode(item, "\n    ", parts)
                yield "".join(parts).encode("utf-8")
                parts.clear()
            parts.append("\n  ]")
        else:
            _encode(value, "\n  ", parts)
    parts.append("\n}\n")
    yield "".join(parts).encode("utf-8")


def _encode(value, newline: str, parts: list[str]) -> None:
    """Append the JSON of `value` to `parts`. Text items, most of a dump, are written in place
    rather than by a call each."""
    kind = type(value)
    if kind is str:
        parts.append(encode_basestring(value))
    elif kind is dict or kind is list:
        if not value:
            parts.append("{}" if kind is dict else "[]")
            return
        inner = newline + "  "
        parts.append("{" if kind is dict else "[")
        separator = inner
        if kind is dict:
            for key, item in value.items():
                if type(item) is str:
                    parts.append(
                        separator + encode_basestring(key) + ": " + encode_basestring(item)
                    )
                else:
                    parts.append(separator + encode_basestring(key) + ": ")
                    _encode(item, inner, parts)
                separator = "," + inner
        else:
            for item in value:
                if type(item) is str:
                    parts.append(separator + encode_basestring(item))
                else:
                    parts.append(separator)
                    _encode(item, inner, parts)
                separator = "," + inner
        parts.append(newline + ("}" if kind is dict else "]"))
    else:  # numbers, true/false, null: exactly as json writes them
        parts.append(json.dumps(value))
