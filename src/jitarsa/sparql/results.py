"""Query answers written out: the W3C SPARQL 1.1 results formats, a table for people (Thai text
aligned by display width) and RDF formats for graphs."""

from __future__ import annotations

import re

from jitarsa.errors import QueryError
from jitarsa.formats import JSONLD, RESULTS_MEDIA_TYPES
from jitarsa.namespaces import shorten

#: Output formats: W3C SPARQL 1.1 Query Results formats (and a table for people) for SELECT
#: and ASK, RDF formats for CONSTRUCT and DESCRIBE.
RESULTS_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("ttl", "nt", "jsonld", "rdf")


def is_graph(result) -> bool:
    """CONSTRUCT and DESCRIBE answer triples (a list); SELECT and ASK do not."""
    return isinstance(result, list)


def is_boolean(result) -> bool:
    from pyoxigraph import QueryBoolean

    return isinstance(result, QueryBoolean)


def render(result, fmt: str) -> bytes:
    """The result in FMT: a W3C results format, `table`, or an RDF format for graphs; text
    that ends with a newline, as a shell expects."""
    body = _render(result, fmt)
    return body if not body or body.endswith(b"\n") else body + b"\n"


def _render(result, fmt: str) -> bytes:
    from pyoxigraph import QueryBoolean

    if fmt not in RESULTS_FORMATS + GRAPH_FORMATS:
        raise QueryError(
            f"unknown --format {fmt!r}; choose one of {'|'.join(RESULTS_FORMATS + GRAPH_FORMATS)}"
        )
    if is_graph(result):
        if fmt not in GRAPH_FORMATS:
            raise QueryError(
                f"--format {fmt} is for SELECT and ASK; a CONSTRUCT or DESCRIBE "
                f"answers triples: use --format {'|'.join(GRAPH_FORMATS)}"
            )
        return render_graph(result, fmt)
    if fmt not in RESULTS_FORMATS:
        raise QueryError(
            f"--format {fmt} is for CONSTRUCT and DESCRIBE; use --format "
            f"{'|'.join(RESULTS_FORMATS)}"
        )
    if isinstance(result, QueryBoolean) and fmt in ("table", "csv", "tsv"):
        # The W3C CSV/TSV formats define SELECT results only: an ASK answer is one line.
        return ("true\n" if bool(result) else "false\n").encode("utf-8")
    if fmt == "table":
        return table(result).encode("utf-8")
    return results_bytes(result, RESULTS_MEDIA_TYPES[fmt])


def results_bytes(result, media_type: str) -> bytes:
    """A SELECT or ASK answer in a W3C results format, by its media type."""
    from pyoxigraph import QueryResultsFormat

    data = result.serialize(format=QueryResultsFormat.from_media_type(media_type))
    assert data is not None  # pyoxigraph returns None only when given an output file
    return xml_safe(data) if media_type == RESULTS_MEDIA_TYPES["xml"] else data


def xml_safe(data: bytes) -> bytes:
    """XML results with each carriage return written `&#13;`. Oxigraph writes it raw, and an
    XML parser reads a raw CR as a line feed (XML 1.0 §2.11, end-of-line handling): a literal's
    CR would be lost. (Byte 0x0D occurs in UTF-8 only as CR, and only in text: the markup
    Oxigraph writes has none.)"""
    return data.replace(b"\r", b"&#13;")


def render_graph(triples, fmt: str) -> bytes:
    """Triples in the format of extension FMT (jitarsa.formats): a graph is also a dataset
    with only a default graph, so N-Quads writes it as N-Triples and TriG as Turtle."""
    from jitarsa.rdf.dumps import ntriples, rdfxml, turtle

    if fmt in ("ttl", "trig"):
        from jitarsa.rdf.graph import sort_triples

        return turtle(sort_triples(triples))
    if fmt in ("nt", "nq"):
        return ntriples(triples) if triples else b""
    if fmt == "rdf":
        return rdfxml(triples)
    return JSONLD.serialize(triples)


def compact(term) -> str:
    """A term as a person reads it in a table: prefixed IRIs, literal values."""
    from pyoxigraph import BlankNode, NamedNode

    if term is None:
        return ""
    if isinstance(term, NamedNode):
        return shorten(term.value)
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return re.sub(r"[\x00-\x1f\x7f]", " ", term.value)


def width(text: str) -> int:
    """Terminal columns of TEXT: Thai vowels above/below and tone marks take none."""
    from wcwidth import wcswidth

    columns = wcswidth(text)
    return columns if columns >= 0 else len(text)


def table(solutions) -> str:
    """Solutions as an aligned text table, padded by display width, with a row count."""
    names = [v.value for v in solutions.variables]
    rows = [[compact(row[n]) for n in names] for row in solutions]
    widths = [max([width(n)] + [width(r[i]) for r in rows]) for i, n in enumerate(names)]

    def line(cells):
        padded = [c + " " * (w - width(c)) for c, w in zip(cells, widths, strict=True)]
        return "  ".join(padded).rstrip()

    out = [line(names), "  ".join("─" * w for w in widths)]
    out += [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
