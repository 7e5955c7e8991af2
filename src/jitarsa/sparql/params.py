"""`--param` values: each parsed into exactly one RDF term and bound by a trailing VALUES clause
written from the term, so no value can change the structure of the query."""

from __future__ import annotations

import re

from jitarsa.errors import QueryError
from jitarsa.namespaces import PREFIXES, XSD

# Patterns as strings: `re` compiles and caches each on first use, so a query without
# --param does not pay for them at start-up.
_IRI = r'<([^<>"{}|^`\\\x00-\x20]*)>'
_PNAME = r"([A-Za-z][\w.-]*)?:([\w%-](?:[\w.%:-]*[\w%:-])?)?"
_LITERAL = (
    r'(?:"(?P<dq>(?:[^"\\\n\r]|\\.)*)"|\'(?P<sq>(?:[^\'\\\n\r]|\\.)*)\')'
    r"(?:@(?P<lang>[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)|\^\^(?P<dt>\S+))?"
)
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
