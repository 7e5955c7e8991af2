"""What a query may ask before it reaches the parser: no SERVICE, and a bounded nesting depth.

Oxigraph's parser and evaluator recurse once per nesting level: 3,000 nested braces overflow a
thread's stack and the process dies with SIGSEGV, which no `except` can catch. And a SERVICE
clause makes the engine send an HTTP request to any host the query names, so a public endpoint
would be a proxy into its visitors' network. Both are found here by reading the query as the
SPARQL grammar's terminals (section 19 of SPARQL 1.1 Query): codepoint escapes are expanded
first, as the parser does, then strings, IRIs and comments are skipped, so the words `SERVICE`
or `FROM` inside them are not keywords. Where the reading could differ from the parser's (a `<`
that is a less-than sign rather than the start of an IRI), the check errs on refusing.
"""

from __future__ import annotations

import re

from jitarsa.errors import QueryError

#: The deepest nesting of `{`, `(` and `[` a query may have. The catalogue's queries nest 3
#: deep; Oxigraph's parser overflows an 8 MiB stack at about 3,000.
MAX_NESTING = 64

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(
    r"""
      (?P<escape>\\.)
    | (?P<comment>\#[^\r\n]*)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<string>'''(?:[^'\\]++|\\.|'(?!''))*+'''
               | \"\"\"(?:[^"\\]++|\\.|"(?!""))*+\"\"\"
               | '(?:[^'\\\n\r]++|\\.)*+'
               | "(?:[^"\\\n\r]++|\\.)*+")
    """,
    re.VERBOSE | re.DOTALL,
)
_OPEN, _CLOSE = "{([", "})]"


def _keyword(word: str) -> re.Pattern:
    """WORD as a keyword: not part of a prefixed name, a variable or a longer word."""
    return re.compile(rf"(?<![\w:?$%\\-]){word}(?![\w:-])", re.IGNORECASE)


_SERVICE, _FROM = _keyword("SERVICE"), _keyword("FROM")


def code(query: str) -> str:
    """QUERY with its strings, IRIs and comments blanked: what the parser reads as syntax.

    An IRI holding a `)` is kept: `FILTER(?a<1)SERVICE#>` is a comparison followed by a SERVICE
    to the parser, and only looks like one IRI.
    """
    text = _CODEPOINT.sub(lambda m: _char(m.group(1) or m.group(2)), query)
    return _TOKEN.sub(_blank, text)


def _blank(match: re.Match) -> str:
    kind, value = match.lastgroup, match.group()
    if kind == "escape" or (kind == "iri" and ")" in value):
        return value
    return " "


def _char(hex_digits: str) -> str:
    value = int(hex_digits, 16)
    return chr(value) if value <= 0x10FFFF else "\ufffd"


def nesting(syntax: str) -> int:
    """The deepest nesting of brackets in SYNTAX (as `code` gives it)."""
    depth = deepest = 0
    for char in syntax:
        if char in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif char in _CLOSE:
            depth -= 1
    return deepest


def check(query: str, *, allow_service: bool = False, hint: str = "") -> bool:
    """Refuse QUERY with a QueryError if it nests too deep or (unless allowed) uses SERVICE;
    HINT ends the SERVICE message. Answers whether the query names its own dataset (FROM)."""
    syntax = code(query)
    if nesting(syntax) > MAX_NESTING:
        raise QueryError(
            f"the query nests brackets more than {MAX_NESTING} deep; "
            "write it with fewer nested groups"
        )
    if not allow_service and _SERVICE.search(syntax):
        raise QueryError(f"SERVICE (a federated query to another endpoint) is refused{hint}")
    return bool(_FROM.search(syntax))
