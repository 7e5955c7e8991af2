"""Literals and their datatypes, for the fast engine: XSD lexical spaces and numeric values.

A literal matches sh:datatype when its lexical form is in the datatype's lexical space, decided
by `xmlschema`'s XSD 1.1 built-in types (with a fast path for plain forms such as `1`), and a
range compares numbers by their value (`_xpath.numeric`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from jitarsa.namespaces import RDF, XSD
from jitarsa.shacl import _xpath

#: The XSD datatypes RDF 1.1 admits (its section 5.1), checked by xmlschema's XSD 1.1 types.
XSD_TYPES = {
    "anyURI",
    "base64Binary",
    "boolean",
    "byte",
    "date",
    "dateTime",
    "dateTimeStamp",
    "dayTimeDuration",
    "decimal",
    "double",
    "duration",
    "float",
    "gDay",
    "gMonth",
    "gMonthDay",
    "gYear",
    "gYearMonth",
    "hexBinary",
    "int",
    "integer",
    "language",
    "long",
    "Name",
    "NCName",
    "negativeInteger",
    "NMTOKEN",
    "nonNegativeInteger",
    "nonPositiveInteger",
    "normalizedString",
    "positiveInteger",
    "short",
    "string",
    "time",
    "token",
    "unsignedByte",
    "unsignedInt",
    "unsignedLong",
    "unsignedShort",
    "yearMonthDuration",
}
#: Lexical forms certainly in a datatype's lexical space, to spare the library the common
#: case (a test checks each against it); anything else is decided by xmlschema.
_SMALL = r"(?:0|[1-9][0-9]{0,8})"
_YEAR = r"[1-9][0-9]{3}"
_MONTH = r"(?:0[1-9]|1[0-2])"
PLAIN = {
    **{
        XSD + n: re.compile(_SMALL)
        for n in ("integer", "nonNegativeInteger", "int", "long", "unsignedInt", "unsignedLong")
    },
    XSD + "decimal": re.compile(_SMALL + r"(?:\.[0-9]{1,9})?"),
    XSD + "gYear": re.compile(_YEAR),
    XSD + "gYearMonth": re.compile(f"{_YEAR}-{_MONTH}"),
    XSD + "date": re.compile(f"{_YEAR}-{_MONTH}-(?:0[1-9]|[12][0-9]|3[01])"),
}


def well_formed(text: str, datatype: str) -> bool:
    """Whether `text` is in the lexical space of `datatype` (an XSD one; any other that is not
    rdf:langString has no ill-formed literals here)."""
    plain = PLAIN.get(datatype)
    if plain is not None and plain.fullmatch(text):
        if datatype != XSD + "date":
            return True
        try:  # the day exists in that month
            date.fromisoformat(text)
            return True
        except ValueError:
            pass
    return _in_lexical_space(text, datatype)


@lru_cache(maxsize=65536)
def _in_lexical_space(text: str, datatype: str) -> bool:
    if not datatype.startswith(XSD) or datatype[len(XSD) :] not in XSD_TYPES:
        return True
    return xsd_types()[datatype[len(XSD) :]].is_valid(text)


@lru_cache(maxsize=1)
def xsd_types() -> Mapping[str, Any]:
    import xmlschema

    return xmlschema.XMLSchema11.builtin_types()


def datatype_ok(v, datatype: str) -> bool:
    if type(v) is not tuple:
        return False
    text, lang, own = v
    if datatype == RDF + "langString":
        return lang is not None
    return lang is None and own == datatype and well_formed(text, datatype)


@lru_cache(maxsize=4096)
def number(v):
    """(numeric type, value) of a well-formed numeric literal (jitarsa.shacl._xpath), else None."""
    if type(v) is not tuple or v[1] is not None:
        return None
    return _xpath.numeric(v[0], v[2], well_formed)
