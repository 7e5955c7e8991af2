"""The N-Triples and Turtle dumps, written from the graph in pieces.

Each writer yields the file as byte chunks of a few thousand subjects, so a registry's dump is
never held whole, and both the small and the registry-sized build write the same bytes.
N-Triples and Turtle are written here from the graph's plain text, exactly as Oxigraph writes
them (tests/test_dumps.py compares them with pyoxigraph on any text, local name and datatype):
handing the graph to Oxigraph would cost a Python `Triple` per triple, more than the writing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from jitarsa.errors import OutputError
from jitarsa.formats import TURTLE
from jitarsa.namespaces import PREFIXES, RDF, XSD
from jitarsa.rdf.graph import TYPE, XSD_STRING, Graph, as_graph

#: Subjects per chunk: few enough that a chunk's text is small beside the graph.
CHUNK = 4096

_SPECIAL = re.compile(r'[\x00-\x1f"\\\x7f]')
_ESCAPES = {c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F]} | {
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}


def quoted(text: str) -> str:
    """A string as an N-Triples literal's quoted part, escaped as Oxigraph escapes it."""
    return '"' + (text.translate(_ESCAPES) if _SPECIAL.search(text) else text) + '"'


def nt_term(value) -> str:
    """A term in plain form (jitarsa.graph) as N-Triples."""
    if type(value) is tuple:
        return _literal(value, _angled)
    if value[:2] == "_:":
        return value
    return _angled(value)


def _angled(iri: str) -> str:
    return "<" + iri + ">"


def _literal(value: tuple, datatype_term) -> str:
    """A literal as N-Triples and Turtle both write it, its datatype by `datatype_term`."""
    text, lang, datatype = value
    if lang is not None:
        return quoted(text) + "@" + lang
    if datatype == XSD_STRING:
        return quoted(text)
    return quoted(text) + "^^" + datatype_term(datatype)


def _lines(graph: Graph, subjects: Iterable[str]) -> list[str]:
    """The N-Triples lines of these subjects, in the graph's order."""
    statements = graph.statements
    predicates: dict[str, str] = {}
    out: list[str] = []
    add = out.append
    for s in subjects:
        head = nt_term(s) + " "
        for p, o in statements[s]:
            pred = predicates.get(p)
            if pred is None:
                pred = predicates[p] = "<" + p + "> "
            add(head + pred + (("<" + o + ">") if type(o) is str else nt_term(o)) + " .\n")
    return out


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ntriples_chunks(triples, part: slice = slice(None)) -> Iterator[bytes]:
    """N-Triples sorted line by line: canonical, so dumps diff cleanly and load in bulk.

    Line order is byte order (that of code points, as UTF-8 keeps it): subjects sort as they
    begin their lines (`<iri> `, whose closing `>` makes `…/a>` follow `…/a-b>`, or `_:b `), and
    lines sort within a subject. `part` (a slice of the subjects in that order) gives only their
    lines: the parts of one dump, concatenated, are the dump, so two processes can share it."""
    graph = as_graph(triples)
    for subjects in _chunks(sorted(graph.subjects, key=lambda s: nt_term(s) + " ")[part]):
        lines = _lines(graph, subjects)
        lines.sort()
        yield "".join(lines).encode("utf-8")


def ntriples(triples) -> bytes:
    return b"".join(ntriples_chunks(triples))


def used_prefixes(graph: Graph) -> dict[str, str]:
    """The prefixes whose namespace holds a predicate, an IRI object or a datatype."""
    namespaces = tuple(PREFIXES.values())
    under = [i for i in graph.iris if i.startswith(namespaces)]  # in C: few are, at scale
    # One substring search per prefix, in C (an IRI holds no line break): a Python test of
    # every IRI against every namespace cost a site page as much as its Turtle.
    lines = "\n" + "\n".join(under)
    return {p: ns for p, ns in PREFIXES.items() if "\n" + ns in lines}


def turtle_chunks(triples) -> Iterator[bytes]:
    """Readable Turtle: the prefixes the triples use, subjects grouped in canonical order.

    Written as Oxigraph's serialiser writes it (tests/test_dumps.py compares the two on any
    text and IRI), but here, from plain text: Oxigraph would need a Python object per triple."""
    graph = as_graph(triples)
    writer = _TurtleTerms(used_prefixes(graph))
    predicates: dict[str, str] = {}
    iri, literal = writer.iri, writer.literal
    yield writer.header
    for subjects in _chunks(graph.subjects):
        out: list[str] = []
        add = out.append
        for s in subjects:
            previous = None
            for p, o in graph.statements[s]:
                if p == previous:
                    add(" , ")
                else:
                    pred = predicates.get(p)
                    if pred is None:
                        pred = predicates[p] = "a" if p == TYPE.value else iri(p)
                    add(
                        (nt_term(s) if s[:2] == "_:" else iri(s)) + " " + pred + " "
                        if previous is None
                        else " ;\n\t" + pred + " "
                    )
                    previous = p
                add(iri(o) if type(o) is str else literal(o))
            add(" .\n")
        yield "".join(out).encode("utf-8")


_INLINE = {
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD + "double": re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+"),
    XSD + "boolean": re.compile(r"true|false"),
}
# Turtle's PN_CHARS_BASE, PN_CHARS_U and PN_CHARS (https://www.w3.org/TR/turtle/#grammar).
_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff"
)
_CHARS = _BASE + "_\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_FIRST = re.compile(f"[{_BASE}_:0-9]")
_LATER = re.compile(f"[{_CHARS}:]")
_PLAIN_LOCAL = re.compile(f"[{_BASE}_:0-9](?:[{_CHARS}.:]*[{_CHARS}:])?")
_ESCAPABLE = set("_~.-!$&'()*+,;=/?#@%")


def _local_name(local: str) -> str | None:
    """A prefixed name's local part, with `\\` escapes where Turtle needs them; None if it
    cannot be one (then the IRI is written in full)."""
    if not local or _PLAIN_LOCAL.fullmatch(local):
        return local  # an empty local name is a valid prefixed name: `schema:`
    out = []
    for i, c in enumerate(local):
        if (_FIRST if i == 0 else _LATER).match(c) or (c == "." and 0 < i < len(local) - 1):
            out.append(c)
        elif c in _ESCAPABLE:
            out.append("\\" + c)
        else:
            return None
    return "".join(out)


class _TurtleTerms:
    """IRIs and literals as Oxigraph's Turtle serialiser writes them, with these prefixes."""

    def __init__(self, prefixes: dict[str, str]):
        from pyoxigraph import Literal, NamedNode, Triple

        sample = Triple(NamedNode("urn:x"), NamedNode("urn:x"), Literal(""))
        self.header = TURTLE.serialize([sample], prefixes)
        self.header = self.header[: _header_end(self.header)]
        # Oxigraph tries the prefixes in the order it declares them (the longest first).
        self.order = [
            (line.split()[1][:-1], line.split()[2][1:-1])
            for line in self.header.decode("utf-8").splitlines()
        ]
        self.starts = tuple(ns for _, ns in self.order)
        self._cache: dict[str, str] = {}

    def iri(self, value: str) -> str:
        if not value.startswith(self.starts):
            return "<" + value + ">"
        found = self._cache.get(value)
        if found is None:
            found = "<" + value + ">"
            for name, ns in self.order:
                if value.startswith(ns):
                    local = _local_name(value[len(ns) :])
                    if local is not None:
                        found = name + ":" + local
                        break
            if len(self._cache) < 100_000:
                self._cache[value] = found
        return found

    def literal(self, value: tuple) -> str:
        inline = _INLINE.get(value[2])
        if inline is not None and inline.fullmatch(value[0]):
            return value[0]  # 5, not "5"^^xsd:integer
        return _literal(value, self.iri)


def _header_end(data: bytes) -> int:
    end = 0
    while data.startswith(b"@prefix ", end):
        end = data.index(b"\n", end) + 1
    return end


def turtle(triples) -> bytes:
    return b"".join(turtle_chunks(triples))


# --- RDF/XML --------------------------------------------------------------------------------

# XML's NCName (https://www.w3.org/TR/xml-names/#NT-NCName), limited to ASCII: the names
# every XML 1.0 edition accepts (expat, which rdflib uses, follows the fourth edition's tables).
_NCNAME = re.compile("[A-Za-z_][A-Za-z0-9_.-]*")
# Characters XML 1.0 cannot carry at all, even as character references.
_NOT_XML = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ud800-\\udfff\\ufffe\\uffff"
_XML_TEXT = (
    re.compile(f"[&<>\\r{_NOT_XML}]"),
    str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}),
)
_XML_ATTRIBUTE = (
    re.compile(f'[&<>"\\t\\n\\r{_NOT_XML}]'),
    str.maketrans(
        {
            "&": "&amp;",
            "<": "&lt;",
            ">": "&gt;",
            '"': "&quot;",
            "\t": "&#9;",
            "\n": "&#10;",
            "\r": "&#13;",
        }
    ),
)
_NOT_XML_CHAR = re.compile(f"[{_NOT_XML}]")


def _xml(text: str, escaping: tuple) -> str:
    """TEXT escaped for XML element content or an attribute; most text needs nothing."""
    special, table = escaping
    if special.search(text) is None:
        return text
    if _NOT_XML_CHAR.search(text):
        raise OutputError(
            f"{text[:40]!r} holds a character XML 1.0 cannot carry, so it has no RDF/XML form; "
            "ask for Turtle or N-Triples"
        )
    return text.translate(table)


class _RdfXmlTerms:
    """Predicates as qualified names: an RDF/XML property element needs one."""

    def __init__(self, prefixes: dict[str, str]):
        self.prefixes = {"rdf": RDF, **prefixes}
        self.order = sorted(self.prefixes.items(), key=lambda item: -len(item[1]))
        self._cache: dict[str, tuple[str, str]] = {}

    @property
    def header(self) -> bytes:
        declarations = "".join(
            f'\n\txmlns:{name}="{_xml(ns, _XML_ATTRIBUTE)}"' for name, ns in self.prefixes.items()
        )
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF{declarations}>\n'.encode()

    def element(self, predicate: str) -> tuple[str, str]:
        """The element's name and any namespace declaration it needs (`xmlns:ns="…"`)."""
        found = self._cache.get(predicate)
        if found is None:
            found = self._cache[predicate] = self._element(predicate)
        return found

    def _element(self, predicate: str) -> tuple[str, str]:
        for name, ns in self.order:
            if predicate.startswith(ns) and _NCNAME.fullmatch(predicate[len(ns) :]):
                return f"{name}:{predicate[len(ns) :]}", ""
        for split in range(1, len(predicate)):  # the longest XML name that ends it
            if _NCNAME.fullmatch(predicate[split:]):
                ns = _xml(predicate[:split], _XML_ATTRIBUTE)
                return f"ns:{predicate[split:]}", f' xmlns:ns="{ns}"'
        raise OutputError(
            f"the predicate <{predicate}> does not end in an XML name, so it has no RDF/XML "
            "form; ask for Turtle or N-Triples"
        )


def _node(value: str, attribute: str) -> str:
    if value[:2] == "_:":
        return f' rdf:nodeID="{_xml(value[2:], _XML_ATTRIBUTE)}"'
    return f' rdf:{attribute}="{_xml(value, _XML_ATTRIBUTE)}"'


def rdfxml_chunks(triples) -> Iterator[bytes]:
    """RDF/XML (https://www.w3.org/TR/rdf-syntax-grammar/), the format SPARQLWrapper, rdflib's
    SPARQLStore and older tools ask for by default: a description per subject, in the graph's
    order, with the prefixes of the Turtle dump. Written from plain text, like the Turtle: the
    parts of each element are made once per predicate, IRI object, language and datatype."""
    graph = as_graph(triples)
    writer = _RdfXmlTerms(used_prefixes(graph))
    tags: dict[str, tuple[str, str]] = {}  # predicate → ("\t\t<name decl", "</name>\n")
    resources: dict[str, str] = {}  # IRI object → ' rdf:resource="…"/>\n'
    literal_attributes: dict[tuple, str] = {}  # (lang, datatype) → ' xml:lang="th">' …
    yield writer.header
    for subjects in _chunks(graph.subjects):
        out: list[str] = []
        add = out.append
        for s in subjects:
            add("\t<rdf:Description" + _node(s, "about") + ">\n")
            for p, o in graph.statements[s]:
                tag = tags.get(p)
                if tag is None:
                    name, declaration = writer.element(p)
                    tag = tags[p] = ("\t\t<" + name + declaration, "</" + name + ">\n")
                if type(o) is not tuple:  # an IRI or a blank node
                    resource = resources.get(o)
                    if resource is None:
                        resource = _node(o, "resource") + "/>\n"
                        if len(resources) < 100_000:
                            resources[o] = resource
                    add(tag[0] + resource)
                    continue
                key = o[1:]
                attributes = literal_attributes.get(key)
                if attributes is None:
                    lang, datatype = key
                    if lang is not None:
                        attributes = f' xml:lang="{_xml(lang, _XML_ATTRIBUTE)}">'
                    elif datatype != XSD_STRING:
                        attributes = f' rdf:datatype="{_xml(datatype, _XML_ATTRIBUTE)}">'
                    else:
                        attributes = ">"
                    literal_attributes[key] = attributes
                add(tag[0] + attributes + _xml(o[0], _XML_TEXT) + tag[1])
            add("\t</rdf:Description>\n")
        yield "".join(out).encode("utf-8")
    yield b"</rdf:RDF>\n"


def rdfxml(triples) -> bytes:
    return b"".join(rdfxml_chunks(triples))
