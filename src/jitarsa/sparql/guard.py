"""What a query may ask before it reaches the parser: no SERVICE, and bounded complexity.

A SERVICE clause makes the engine send an HTTP request to any host the query names, so a public
endpoint would be a proxy into its visitors' network. And Oxigraph's parser and evaluator
recurse once per nesting level, per chained operator and per term of a long chain: deep enough,
the stack overflows and the process dies with SIGSEGV, which no `except` can catch.

Both are decided here on the tokens the engine reads: the query is split by the terminals of
the SPARQL 1.1 grammar (section 19 of SPARQL 1.1 Query: IRIs, prefixed names, variables, blank
node labels, strings, language tags, numbers, comments, punctuation). Oxigraph 0.5 reads
codepoint escapes (`\u0045`) only inside strings and IRIs, where SPARQL 1.1 expands them in the
whole query first: the query is read both ways, and refused if either reading finds a reason.
Oxigraph matches keywords without word boundaries
(`16SERVICE` is the integer 16 and the keyword, `trueSERVICE` the boolean and the keyword), so
every word that holds `SERVICE` counts as one. A `<` inside brackets after a value may be a
less-than sign rather than the start of an IRI: it is read as the engine would, and where the
two readings could differ in what they hide (a `#` or a `'` between it and the next `>`), the
query is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from jitarsa.errors import QueryError

#: The deepest nesting of brackets (`{`, `(`, `[`, `<<`, `{|`) a query may have. The
#: catalogue's queries nest 3 deep; Oxigraph's parser overflows an 8 MiB stack at about 3,000.
MAX_NESTING = 64
#: The most tokens a query may have. The catalogue's largest has about 120; a chain of 10,000
#: UNIONs, `+` or `/` (each 20,000 tokens or more) takes the engine minutes or, longer, its stack.
MAX_TOKENS = 10_000
#: The longest chain of prefix operators (`!`, `-`, `+`, `^`, and `*`, `?` between them): no
#: query needs more than two, and 500,000 `!` overflow even a 256 MiB stack.
MAX_UNARY = 16

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

# The terminals as Oxigraph 0.5's parser (spargebra) writes them, which differ from the
# grammar's in places: a local name takes one run of dots only (`schema:a.b.SERVICE` is
# `schema:a.b`, a dot and SERVICE), and names keep to the Basic Multilingual Plane.
_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
)
_U = _BASE + "_"  # PN_CHARS_U
_NAME = _U + "0-9\u00b7\u0300-\u036f\u203f-\u2040"  # VARNAME's characters after the first
_CHARS = _NAME + "\\-"  # PN_CHARS
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_LOCAL = rf"(?:[{_U}:0-9]|{_PLX})(?:[{_CHARS}:]|{_PLX})*+(?:\.++(?:[{_CHARS}:]|{_PLX})++)?+"
_PREFIX = rf"[{_BASE}][{_CHARS}]*+(?:\.++[{_CHARS}]++)*+"

_TERMINALS = re.compile(  # spaces and comments first, then one terminal
    rf"""
    (?:[\x20\t\r\n]++|\#[^\r\n]*+)*+
    (?:
      (?P<string>'''(?:[^'\\]++|\\.|'(?!''))*+'''
               | \"\"\"(?:[^"\\]++|\\.|"(?!""))*+\"\"\"
               | '(?:[^'\\\n\r]++|\\.)*+'
               | "(?:[^"\\\n\r]++|\\.)*+")
    | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]++|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*+>)
    | (?P<var>[?$][{_U}0-9][{_NAME}]*+)
    | (?P<bnode>_:[{_U}0-9][{_CHARS}]*+(?:\.++[{_CHARS}]++)*+)
    | (?P<langtag>@[a-zA-Z]++(?:-[a-zA-Z0-9]++)*+(?:--[a-zA-Z]++)?)
    | (?P<number>[0-9]++\.[0-9]*+[eE][+-]?[0-9]++|\.?[0-9]++[eE][+-]?[0-9]++
               |[0-9]*+\.[0-9]++|[0-9]++)
    | (?P<word>[{_U}][{_NAME}]*+)
    | (?P<punct>\^\^|&&|\|\||!=|<=|>=|<<|>>|\{{\||\|}}|.)
    )""",
    re.VERBOSE | re.DOTALL,
)
_PNAME = re.compile(rf"(?:{_PREFIX})?:(?:{_LOCAL})?")
_RUN = re.compile(rf"[{_CHARS}.]*+")
_OPENERS = {"{": "}", "(": ")", "[": "]", "<<": ">>", "{|": "|}"}
#: Tokens after which a `<` in an expression is a comparison: the end of a value.
_VALUE_ENDS = {"var", "number", "string", "iri", "pname", "bnode", "langtag", "word", ")", "]"}
_PREFIX_OPERATORS = {"!": 1, "-": 1, "+": 1, "^": 1, "*": 1, "?": 1, "^^": 2}
_SERVICE = re.compile("service", re.IGNORECASE)


#: A token: its kind (a group name of _TERMINALS, "pname", or "ambiguous") and its text.
Token = tuple[str, str]


@dataclass
class Reading:
    """What the guard read in a query: its size, depth, longest operator chain, keywords."""

    tokens: int = 0
    depth: int = 0
    unary: int = 0
    service: bool = False
    ambiguous: str = ""  # an IRI or a comparison, with text after it read differently
    names_dataset: bool = False  # FROM: the query names its own dataset


def expand(query: str) -> str:
    """QUERY with its `\\uXXXX` and `\\UXXXXXXXX` escapes expanded, as the parser does first."""
    return _CODEPOINT.sub(lambda m: _char(m.group(1) or m.group(2)), query)


def _char(hex_digits: str) -> str:
    value = int(hex_digits, 16)
    return chr(value) if value <= 0x10FFFF else "\ufffd"


def tokens(text: str) -> Iterator[Token]:
    """The terminals of TEXT, spaces and comments left out.

    A `<` that may begin an IRI or be a less-than sign with a comment or a string after it is
    read as the engine reads it in an expression, after a Token "ambiguous": if it was a
    collection's IRI, what follows may not be what the engine reads."""
    pos, size = 0, len(text)
    no_pname_before = 0  # a run of name characters from here on has no `:` after it
    brackets: list[tuple[str, bool]] = []  # open brackets, and whether in a VALUES block
    values = False  # after the keyword VALUES, before its block
    previous = ""
    match_at = _TERMINALS.match
    while pos < size:
        match = match_at(text, pos)
        if match is None:  # only spaces and comments were left
            return
        kind = match.lastgroup or "punct"
        value, pos, end = match.group(kind), match.start(kind), match.end()
        # A prefixed name starts as a word (or with `:`) and goes on with `:`, `.` or `-`.
        if value == ":" or (
            kind == "word" and end < size and text[end] in ":.-" and pos >= no_pname_before
        ):
            pname = _PNAME.match(text, pos)
            if pname is not None:
                kind, value = "pname", pname.group()
            else:
                run = _RUN.match(text, pos)  # the name characters (and dots) from here
                no_pname_before = run.end() if run else pos
        if (
            (kind == "iri" or value == "<<")
            and previous in _VALUE_ENDS
            and _in_expression(brackets)
        ):
            if "#" in value or "'" in value:
                yield "ambiguous", value
            # A less-than sign, as the engine reads it here: `1<<http://e/#x>` is 1, `<` and
            # an IRI, not `<<` and a comment.
            kind, value = "punct", "<"
        pos += len(value)
        if kind == "word" and value.upper() == "VALUES":
            values = True
        elif kind == "punct" and value in _OPENERS:
            data = values or (bool(brackets) and brackets[-1][1])
            brackets.append((value, data))
            values = values and value != "{"  # VALUES (?a ?b) { … }: data up to its block
        elif kind == "punct" and brackets and _OPENERS[brackets[-1][0]] == value:
            brackets.pop()
        previous = kind if kind != "punct" else value
        yield kind, value


def _in_expression(brackets: list[tuple[str, bool]]) -> bool:
    """Whether a `<` here may be a comparison: the innermost bracket is a `(` of no VALUES."""
    return bool(brackets) and brackets[-1] == ("(", False)


def read(query: str) -> Reading:
    """The guard's reading of QUERY as Oxigraph reads it, and with its codepoint escapes
    expanded first as SPARQL 1.1 says: the larger size, depth and chain of the two, and what
    either found. Stopped (and refused) past MAX_TOKENS tokens."""
    reading = _read(query)
    if "\\u" in query or "\\U" in query:
        spec = _read(expand(query))
        reading = Reading(
            max(reading.tokens, spec.tokens),
            max(reading.depth, spec.depth),
            max(reading.unary, spec.unary),
            reading.service or spec.service,
            reading.ambiguous or spec.ambiguous,
            reading.names_dataset,
        )
    return reading


def _read(query: str) -> Reading:
    """QUERY read token by token, refused at the first limit it passes, in the order the
    parser would meet them (a query both too deep and too long is told it is too deep)."""
    reading = Reading()
    chain = 0
    stack: list[str] = []
    for kind, text in tokens(query):
        reading.tokens += 1
        if reading.tokens > MAX_TOKENS:
            raise QueryError(
                f"the query has more than {MAX_TOKENS:,} tokens; split it into smaller queries"
            )
        if kind == "ambiguous":
            reading.ambiguous = reading.ambiguous or text
            continue
        chain = chain + _PREFIX_OPERATORS[text] if text in _PREFIX_OPERATORS else 0
        if chain > MAX_UNARY:
            raise QueryError(
                f"the query chains more than {MAX_UNARY} operators like ! and - in a row; "
                "write the expression without repeating them"
            )
        reading.unary = max(reading.unary, chain)
        if kind in ("word", "langtag") and _SERVICE.search(text):
            reading.service = True
        elif kind == "word" and text.upper() == "FROM":
            reading.names_dataset = True
        elif kind == "punct" and text in _OPENERS:
            stack.append(text)
            if len(stack) > MAX_NESTING:
                raise QueryError(
                    f"the query nests brackets more than {MAX_NESTING} deep; "
                    "write it with fewer nested groups"
                )
            reading.depth = max(reading.depth, len(stack))
        elif kind == "punct" and stack and _OPENERS[stack[-1]] == text:
            stack.pop()  # a closing bracket that closes nothing open leaves the depth
    return reading


def check(query: str, *, allow_service: bool = False, hint: str = "") -> bool:
    """Refuse QUERY with a QueryError if it is too large, nests too deep, chains too many
    prefix operators or (unless allowed) uses SERVICE; HINT ends the SERVICE message. Answers
    whether the query names its own dataset (FROM)."""
    reading = read(query)
    if reading.service and not allow_service:
        raise QueryError(f"SERVICE (a federated query to another endpoint) is refused{hint}")
    if reading.ambiguous:
        raise QueryError(
            f"{reading.ambiguous[:40]!r} could be an IRI or a less-than sign followed by a "
            "comment or a string; put spaces around a less-than sign, or write the IRI as a "
            "prefixed name"
        )
    return reading.names_dataset
