"""The SPARQL and XPath operators SHACL Core defines its components by, for the fast engine.

- Ranges (sh:minInclusive and the like) compare "as in SPARQL's < operator": for numbers,
  XPath's op:numeric-less-than after numeric type promotion (XPath 2.0, appendix B.1): an
  integer or decimal meets a float as a float, anything meets a double as a double. A float
  is a 32-bit IEEE number, so "0.1"^^xsd:float is not "0.1"^^xsd:double.
- sh:pattern is XPath's fn:matches; its regular expressions are not Python's, so a pattern is
  translated (`$`, `.`) or refused where the two differ.
- sh:languageIn is SPARQL's langMatches: RFC 4647 basic filtering.
"""

from __future__ import annotations

import math
import re
import struct
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from jitarsa.errors import Unsupported
from jitarsa.namespaces import XSD, XSD_INTEGERS

#: Numeric types in the order of promotion: integer (and its subtypes) → decimal → float → double.
INTEGER, DECIMAL, FLOAT, DOUBLE = range(4)


def numeric(text: str, datatype: str, well_formed) -> tuple[int, object] | None:
    """(type, value) of a numeric literal: an int, a Decimal, or a Python float holding the
    float's or double's value; None for anything else or an ill-formed form (which SPARQL
    cannot compare: a range check fails). NaN is kept: it compares false with everything."""
    if datatype in XSD_INTEGERS:
        return (INTEGER, int(text.strip())) if well_formed(text, datatype) else None
    if datatype == XSD + "decimal":
        return (DECIMAL, Decimal(text.strip())) if well_formed(text, datatype) else None
    if datatype == XSD + "double":
        return (DOUBLE, float(text.strip())) if well_formed(text, datatype) else None
    if datatype == XSD + "float":
        return (FLOAT, to_float32(text.strip())) if well_formed(text, datatype) else None
    return None


def compare(a: tuple[int, object], b: tuple[int, object]) -> int | None:
    """-1, 0 or 1 as op:numeric-less-than, op:numeric-equal or op:numeric-greater-than(a, b)
    holds after type promotion; None when none does (NaN)."""
    x, y = _promoted(a, b)
    return -1 if x < y else 1 if x > y else 0 if x == y else None


def _promoted(a, b) -> tuple:
    kind = max(a[0], b[0])
    if kind <= DECIMAL:  # int and Decimal compare exactly in Python
        return a[1], b[1]
    cast = _as_float32 if kind == FLOAT else _as_double
    return cast(a), cast(b)


def _as_double(n: tuple[int, object]) -> float:
    if n[0] >= FLOAT:  # a float's value is a double's too
        return n[1]  # type: ignore[return-value]
    return float(Decimal(n[1]))  # type: ignore[arg-type]  # correctly rounded; inf beyond range


def _as_float32(n: tuple[int, object]) -> float:
    if n[0] == FLOAT:
        return n[1]  # type: ignore[return-value]
    return to_float32(Decimal(n[1]))  # type: ignore[arg-type]


_FLOAT32_MAX = struct.unpack("<f", struct.pack("<I", 0x7F7FFFFF))[0]
#: From here on a number rounds to infinity as a float (the largest float and half an ulp).
_FLOAT32_OVERFLOW = Decimal(2**128 - 2**103)


@lru_cache(maxsize=4096)
def to_float32(text) -> float:
    """The nearest 32-bit float to a decimal numeral (or Decimal), ties to even, as a Python
    float: rounding through a double first could round twice."""
    if isinstance(text, str):
        special = {"INF": math.inf, "+INF": math.inf, "-INF": -math.inf, "NaN": math.nan}
        if text in special:
            return special[text]
        try:
            exact = Decimal(text)
        except InvalidOperation:
            return math.nan
    else:
        exact = text
    if exact.is_nan():
        return math.nan
    if abs(exact) >= _FLOAT32_OVERFLOW:
        return math.copysign(math.inf, exact)
    near = float(exact)
    candidates = {_f32(near)}
    bits = struct.unpack("<I", struct.pack("<f", _f32(near)))[0]
    for neighbour in (bits - 1, bits + 1):
        if 0 <= neighbour < 0x7F800000 or 0x80000000 <= neighbour < 0xFF800000:
            candidates.add(struct.unpack("<f", struct.pack("<I", neighbour))[0])
    return min(candidates, key=lambda c: (abs(Decimal(c) - exact), _odd(c)))


def _f32(x: float) -> float:
    try:
        return struct.unpack("<f", struct.pack("<f", x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


def _odd(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0] & 1


def lang_matches(tag: str, language_range: str) -> bool:
    """SPARQL's langMatches: RFC 4647 basic filtering, case-insensitive; "*" matches any tag."""
    if not tag:
        return False
    if language_range == "*":
        return True
    tag, language_range = tag.lower(), language_range.lower()
    return tag == language_range or tag.startswith(language_range + "-")


class IllFormed(ValueError):
    """A pattern that is not an XPath regular expression: the shape is ill-formed (SHACL 4.4.1:
    sh:pattern's values are valid pattern arguments for SPARQL's REGEX)."""


#: What may follow a backslash in an XPath regular expression (XPath 2.0 Functions, 7.6.1, over
#: XML Schema's): the single-character escapes, the multi-character ones, \p{…} and \P{…}, and
#: back-references. Anything else (\u, \U, \x, \N{…}, \b, \A and other Python escapes) is not.
_XPATH_ESCAPES = set("nrt\\|.?*+(){}-[]^$sSiIcCdDwWpP123456789")
#: Those that mean the same in Python's `re`: the single-character escapes and \d, \D (both
#: Unicode's Nd). The rest differ (\s, \w are wider in Python) or do not exist there.
_SAME_ESCAPES = set("nrt\\|.?*+(){}-[]^$dD")
#: Python-only syntax: groups with options and open-ended counts.
_PYTHON_ONLY = re.compile(r"\(\?|\{,")


def regex(pattern: str, flags: str) -> re.Pattern:
    """A Python regular expression that matches as the XPath one does: `$` only at the very
    end (Python's also before a final newline) and `.` never a carriage return either, unless
    the flags say otherwise. Unsupported for syntax XPath does not define or reads otherwise."""
    if _PYTHON_ONLY.search(pattern):
        raise Unsupported(f"{pattern!r} uses syntax XPath does not define")
    if "x" in flags and "#" in pattern:  # a comment to Python's re.X, a character to XPath
        raise Unsupported(f"'#' in {pattern!r} with the x flag")
    out, in_class, escaped = [], False, False
    for i, c in enumerate(pattern):
        if escaped:
            if c not in _XPATH_ESCAPES:
                raise IllFormed(
                    f"\\{c} in {pattern!r} is not an XPath regular expression escape (write "
                    "the character itself, or a Turtle escape with one backslash)"
                )
            if c not in _SAME_ESCAPES:
                raise Unsupported(f"\\{c} in {pattern!r}: Python's regular expressions differ")
            escaped = False
        elif c == "\\":
            escaped = True
        elif in_class:
            if c == "-" and pattern[i + 1 : i + 2] == "[":
                raise Unsupported(f"character class subtraction in {pattern!r}")
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "$" and "m" not in flags:
            c = r"\Z"
        elif c == "." and "s" not in flags:
            c = r"[^\n\r]"
        out.append(c)
    bits = 0
    for letter in flags:
        bits |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}[letter]
    return re.compile("".join(out), bits)
