"""SPARQL for everyone: ask the network's graph a question from the shell or from Python.

A query is SPARQL text, a `.rq` file or the name of a query in the catalogue (`queries/*.rq`).
It runs on Oxigraph (pyoxigraph) over the packaged N-Triples dump (no build needed), a data
folder built in memory, any RDF file, or a remote SPARQL 1.1 Protocol endpoint. `--param`
values are parsed into one RDF term each and bound by a trailing VALUES clause written from the
term, so no value can change the structure of the query. Only pyoxigraph is imported on the
default path: a cold `jitarsa query` must start faster than `import rdflib`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import EndpointError, QueryError
from .namespaces import PREFIXES, XSD
from .resources import default_dump, queries_dir

#: Output formats: W3C SPARQL 1.1 Query Results formats (and a table for people) for SELECT
#: and ASK, RDF formats for CONSTRUCT and DESCRIBE.
RESULTS_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("ttl", "nt", "jsonld")
RESULTS_MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
#: What `--endpoint` asks for: results it can parse back (pyoxigraph reads JSON, XML, TSV) and RDF.
ACCEPT = ("application/sparql-results+json, application/sparql-results+xml;q=0.9, "
          "text/turtle;q=0.8, application/n-triples;q=0.8")
USER_AGENT = "jitarsa (SPARQL client; https://w3id.org/jitarsa/)"

# --- The catalogue ------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueQuery:
    """A query shipped with jitarsa; its header (`# key: value` lines) says what it answers."""

    name: str
    description: str
    params: tuple[str, ...]
    text: str


_HEADER = re.compile(r"#\s*(\w+):\s*(.*)")


def catalogue() -> dict[str, CatalogueQuery]:
    """Every catalogue query by name, in name order."""
    entries = {}
    for path in sorted(queries_dir().glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header: dict[str, list[str]] = {}
        for line in text.splitlines():
            match = _HEADER.fullmatch(line.strip())
            if not match:
                break
            header.setdefault(match[1], []).append(match[2].strip())
        name = header.get("name", [path.stem])[0]
        entries[name] = CatalogueQuery(name, header.get("description", [""])[0],
                                       tuple(header.get("param", ())), text)
    return entries


def read_query(query: str) -> str:
    """The SPARQL text of QUERY: a catalogue name, a `.rq` file, or the text itself."""
    if re.fullmatch(r"[a-z0-9-]+", query):
        entry = catalogue().get(query)
        if entry is not None:
            return entry.text
    if "\n" not in query and "{" not in query and len(query) < 4096:
        path = Path(query)
        if path.suffix == ".rq" or path.is_file():
            try:
                return path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                reason = getattr(err, "strerror", None) or str(err)
                raise QueryError(f"cannot read the query ({reason})", query) from None
        if re.fullmatch(r"[a-z0-9-]+", query):
            names = ", ".join(catalogue())
            raise QueryError(f"no query named {query!r} in the catalogue ({names}); "
                             "see jitarsa query --list")
    return query


# --- Parameters: one RDF term each --------------------------------------------------------

# Patterns as strings: `re` compiles and caches each on first use, so a query without
# --param does not pay for them at start-up.
_IRI = r'<([^<>"{}|^`\\\x00-\x20]*)>'
_PNAME = r"([A-Za-z][\w.-]*)?:([\w%-](?:[\w.%:-]*[\w%:-])?)?"
_LITERAL = (
    r'(?:"(?P<dq>(?:[^"\\\n\r]|\\.)*)"|\'(?P<sq>(?:[^\'\\\n\r]|\\.)*)\')'
    r'(?:@(?P<lang>[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)|\^\^(?P<dt>\S+))?')
_NUMBERS = (
    (r"[+-]?[0-9]+", "integer"),
    (r"[+-]?[0-9]*\.[0-9]+", "decimal"),
    (r"[+-]?(?:[0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+", "double"),
)
_ECHAR = r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))"
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def parse_term(value: str):
    """VALUE as one RDF term: a SPARQL term (`"text"@th`, `"2005"^^xsd:gYear`, `<http://…>`,
    `schema:NGO`, `42`, `true`) is that term; anything else is a plain string literal."""
    from pyoxigraph import Literal

    try:
        term = _sparql_term(value)
    except ValueError:
        term = None
    if term is not None:
        return term
    try:
        return Literal(value)
    except ValueError:
        raise QueryError(f"the value {value!r} is not valid Unicode text") from None


def _sparql_term(value: str):
    from pyoxigraph import Literal, NamedNode

    if value in ("true", "false"):
        return Literal(value, datatype=NamedNode(XSD + "boolean"))
    for pattern, datatype in _NUMBERS:
        if re.fullmatch(pattern, value):
            return Literal(value, datatype=NamedNode(XSD + datatype))
    iri = _iri(value)
    if iri is not None:
        return iri
    match = re.fullmatch(_LITERAL, value, re.S)
    if match is None:
        return None
    body = match["dq"] if match["dq"] is not None else match["sq"]
    lexical = re.sub(_ECHAR, _unescape, body, flags=re.S)
    if match["lang"]:
        return Literal(lexical, language=match["lang"])
    if match["dt"]:
        datatype = _iri(match["dt"])
        return None if datatype is None else Literal(lexical, datatype=datatype)
    return Literal(lexical)


def _iri(value: str):
    """`<…>` or a prefixed name with a predeclared prefix, as a NamedNode; else None."""
    from pyoxigraph import NamedNode

    match = re.fullmatch(_IRI, value)
    if match:
        return NamedNode(match[1])
    match = re.fullmatch(_PNAME, value)
    if match and (match[1] or "") in PREFIXES:
        return NamedNode(PREFIXES[match[1] or ""] + (match[2] or ""))
    return None


def _unescape(match) -> str:
    code = match[1] or match[2]
    if code:
        return chr(int(code, 16))
    if match[3] not in _ESCAPES:
        raise ValueError(f"unknown escape \\{match[3]}")
    return _ESCAPES[match[3]]


def parse_param(text: str) -> tuple[str, object]:
    """`NAME=VALUE` (as given to --param) → (NAME, term)."""
    name, sep, value = text.partition("=")
    name = name.lstrip("?$")
    if not sep or not re.fullmatch(r"\w+", name):
        raise QueryError(f"--param {text!r}: write it as NAME=VALUE, e.g. id=mirror-foundation")
    return name, parse_term(value)


def bind(query: str, params: dict) -> str:
    """QUERY with each variable bound to its term by a trailing VALUES clause.

    The clause is written from the terms' N-Triples form (escaped by pyoxigraph), on a line of
    its own so that a comment on the query's last line cannot swallow it.
    """
    if not params:
        return query
    for name in params:
        if not re.fullmatch(r"\w+", name):
            raise QueryError(f"--param: {name!r} is not a SPARQL variable name")
    names = " ".join(f"?{name}" for name in params)
    values = " ".join(str(_term(value)) for value in params.values())
    return f"{query}\nVALUES ({names}) {{ ({values}) }}\n"


def _term(value):
    from pyoxigraph import BlankNode, Literal, NamedNode

    if isinstance(value, (NamedNode, BlankNode, Literal)):
        return value
    if isinstance(value, bool):
        return Literal(value)
    if isinstance(value, (int, float)):
        return Literal(value)
    return parse_term(str(value))


# --- Data sources -------------------------------------------------------------------------


def open_store(data=None, dump=None):
    """An in-memory Oxigraph store of a data folder, an RDF file, or the packaged dump."""
    from pyoxigraph import Quad, Store

    store = Store()
    if data is not None:
        from .graph import triples
        from .records import load_dataset

        store.extend(Quad(t.subject, t.predicate, t.object) for t in triples(load_dataset(data)))
        return store
    path = Path(dump) if dump is not None else default_dump()
    try:
        store.load(path=str(path), format=rdf_format(path))
    except SyntaxError as err:
        raise QueryError(f"not valid RDF: {err}", path) from None
    except OSError as err:
        raise QueryError(f"cannot be read ({err.strerror or err})", path) from None
    return store


def source_ntriples(data=None, dump=None) -> tuple[bytes, str, Path | None]:
    """The graph of a source as N-Triples, its base IRI, and the VoID file beside it if any."""
    from .namespaces import DEFAULT_BASE

    if data is not None:
        from .graph import triples
        from .dumps import ntriples
        from .records import load_dataset

        dataset = load_dataset(data)
        return ntriples(triples(dataset)), dataset.info.base, None
    path = Path(dump) if dump is not None else default_dump()
    if dump is None:
        try:
            return path.read_bytes(), DEFAULT_BASE, path.with_name("void.ttl")
        except OSError as err:
            raise QueryError(f"cannot be read ({err.strerror or err})", path) from None
    from pyoxigraph import DefaultGraph, RdfFormat

    store = open_store(dump=path)
    return (store.dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph()), DEFAULT_BASE,
            path.with_name("void.ttl"))


def rdf_format(path: Path):
    """The RDF format of a file from its extension (.ttl .nt .jsonld .nq .trig .rdf …)."""
    from pyoxigraph import RdfFormat

    from .formats import for_path

    try:
        return for_path(path).pyoxigraph()
    except KeyError:
        fmt = RdfFormat.from_extension(path.suffix.lstrip(".").lower())
    if fmt is None:
        raise QueryError("unknown RDF format; name the file .ttl, .nt, .jsonld, .nq, .trig "
                         "or .rdf", path)
    return fmt


# --- Running a query ----------------------------------------------------------------------


def execute(query: str, params: dict | None = None, *, data=None, dump=None, endpoint=None,
            timeout: float = 30.0, store=None):
    """Run QUERY; answer a pyoxigraph QuerySolutions, QueryBoolean, or a list of Triples."""
    text = bind(read_query(query), params or {})
    if endpoint is not None:
        return remote(endpoint, text, timeout)
    if store is None:
        store = open_store(data, dump)
    try:
        result = store.query(text, prefixes=PREFIXES)
    except SyntaxError as err:
        hint = " (--param adds a VALUES clause after the query)" if params else ""
        raise QueryError(f"bad query: {err}{hint}") from None
    except (OSError, RuntimeError) as err:
        raise QueryError(f"the query failed: {err}") from None
    from pyoxigraph import QueryTriples

    return list(result) if isinstance(result, QueryTriples) else result


def with_prefixes(query: str) -> str:
    """QUERY with the predeclared prefixes it does not declare itself, on its first line, so
    an endpoint's error line numbers still match the user's text."""
    declared = {m.lower() for m in re.findall(r"(?i)\bPREFIX\s+([\w.-]*):", query)}
    missing = [f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items() if p.lower() not in declared]
    return " ".join(missing + [query])


def remote(endpoint: str, text: str, timeout: float):
    """POST the query to a SPARQL 1.1 Protocol endpoint; parse what it answers."""
    import urllib.error
    import urllib.parse
    import urllib.request

    if urllib.parse.urlsplit(endpoint).scheme not in ("http", "https"):
        raise QueryError(f"--endpoint {endpoint!r}: give an http:// or https:// URL")
    body = urllib.parse.urlencode({"query": with_prefixes(text)}).encode("utf-8")
    request = urllib.request.Request(endpoint, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT,
        "User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            media_type = response.headers.get_content_type()
            payload = response.read()
    except urllib.error.HTTPError as err:
        detail = _first_lines(err.read())
        if err.code == 400:
            raise QueryError(f"{endpoint} refused the query (HTTP 400): {detail}") from None
        raise EndpointError(f"{endpoint} answered HTTP {err.code} {err.reason}: {detail}") \
            from None
    except (TimeoutError, urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        if isinstance(reason, TimeoutError) or isinstance(err, TimeoutError):
            raise EndpointError(f"{endpoint} did not answer within {timeout:g} s") from None
        raise EndpointError(f"cannot reach {endpoint}: {reason}") from None
    return parse_answer(payload, media_type, endpoint)


def parse_answer(payload: bytes, media_type: str, endpoint: str):
    from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results

    try:
        results = QueryResultsFormat.from_media_type(media_type)
        if results is not None and results != QueryResultsFormat.CSV:
            return parse_query_results(payload, format=results)
        rdf = RdfFormat.from_media_type(media_type)
        if rdf is not None:
            return [quad.triple for quad in parse(payload, format=rdf)]
    except SyntaxError as err:
        raise EndpointError(f"{endpoint} answered with invalid {media_type}: {err}") from None
    raise EndpointError(f"{endpoint} answered with {media_type}, not SPARQL results or RDF")


def _first_lines(payload: bytes, limit: int = 300) -> str:
    text = " ".join(payload.decode("utf-8", "replace").split())
    return text[:limit] + ("…" if len(text) > limit else "") or "(no message)"


# --- Results as Python values (jitarsa.query) ---------------------------------------------

_INTEGERS = {XSD + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt", "unsignedShort",
    "unsignedByte")}


def python_value(term):
    """An RDF term as the Python value a user expects: int, Decimal, float, bool, date, str."""
    import datetime
    from decimal import Decimal, InvalidOperation

    from pyoxigraph import BlankNode, Literal

    if term is None:
        return None
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if not isinstance(term, Literal):
        return term.value
    datatype, value = term.datatype.value, term.value
    convert = {XSD + "decimal": Decimal, XSD + "double": float, XSD + "float": float,
               XSD + "boolean": lambda v: v in ("true", "1"),
               XSD + "date": datetime.date.fromisoformat,
               XSD + "dateTime": datetime.datetime.fromisoformat}.get(datatype)
    if datatype in _INTEGERS:
        convert = int
    try:
        return convert(value) if convert else value
    except (ValueError, InvalidOperation):
        return value


def query(query: str, params: dict | None = None, *, data=None, dump=None, endpoint=None,
          timeout: float = 30.0):
    """Run a SPARQL query (text, .rq file or catalogue name) and answer Python values.

    SELECT → a list of dicts (variable → value, None when unbound); ASK → a bool;
    CONSTRUCT/DESCRIBE → a list of (subject, predicate, object) tuples. PARAMS binds variables
    like `--param`: a string is read as a SPARQL term or else a plain string.

    >>> jitarsa.query("member-count")
    [{'members': 28}]
    """
    from pyoxigraph import QueryBoolean, QuerySolutions

    result = execute(query, params, data=data, dump=dump, endpoint=endpoint, timeout=timeout)
    if isinstance(result, QueryBoolean):
        return bool(result)
    if isinstance(result, QuerySolutions):
        names = [v.value for v in result.variables]
        return [{n: python_value(row[n]) for n in names} for row in result]
    from .graph import sort_triples

    return [tuple(python_value(x) for x in (t.subject, t.predicate, t.object))
            for t in sort_triples(result)]


# --- Output -------------------------------------------------------------------------------


def is_graph(result) -> bool:
    """CONSTRUCT and DESCRIBE answer triples (a list); SELECT and ASK do not."""
    return isinstance(result, list)


def is_boolean(result) -> bool:
    from pyoxigraph import QueryBoolean

    return isinstance(result, QueryBoolean)


def render(result, fmt: str) -> bytes:
    """The result in FMT: a W3C results format, `table`, or an RDF format for graphs."""
    from pyoxigraph import QueryBoolean, QueryResultsFormat

    if fmt not in RESULTS_FORMATS + GRAPH_FORMATS:
        raise QueryError(f"unknown --format {fmt!r}; choose one of "
                         f"{'|'.join(RESULTS_FORMATS + GRAPH_FORMATS)}")
    if is_graph(result):
        if fmt not in GRAPH_FORMATS:
            raise QueryError(f"--format {fmt} is for SELECT and ASK; a CONSTRUCT or DESCRIBE "
                             f"answers triples: use --format {'|'.join(GRAPH_FORMATS)}")
        return render_graph(result, fmt)
    if fmt not in RESULTS_FORMATS:
        raise QueryError(f"--format {fmt} is for CONSTRUCT and DESCRIBE; use --format "
                         f"{'|'.join(RESULTS_FORMATS)}")
    if isinstance(result, QueryBoolean) and fmt in ("table", "csv", "tsv"):
        # The W3C CSV/TSV formats define SELECT results only: an ASK answer is one line.
        return ("true\n" if bool(result) else "false\n").encode("utf-8")
    if fmt == "table":
        return table(result).encode("utf-8")
    return result.serialize(format=QueryResultsFormat.from_media_type(RESULTS_MEDIA_TYPES[fmt]))


def render_graph(triples, fmt: str) -> bytes:
    from .dumps import ntriples, turtle

    if fmt == "ttl":
        from .graph import sort_triples

        return turtle(sort_triples(triples))
    if fmt == "nt":
        return ntriples(triples) if triples else b""
    from pyoxigraph import RdfFormat, serialize

    return serialize(triples, format=RdfFormat.JSON_LD)


def compact(term) -> str:
    """A term as a person reads it in a table: prefixed IRIs, literal values."""
    from pyoxigraph import BlankNode, NamedNode

    if term is None:
        return ""
    if isinstance(term, NamedNode):
        for prefix, ns in PREFIXES.items():
            local = term.value[len(ns):]
            if term.value.startswith(ns) and re.fullmatch(r"[\w-]*", local):
                return f"{prefix}:{local}"
        return term.value
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
        padded = [c + " " * (w - width(c)) for c, w in zip(cells, widths)]
        return "  ".join(padded).rstrip()

    out = [line(names), "  ".join("─" * w for w in widths)]
    out += [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
