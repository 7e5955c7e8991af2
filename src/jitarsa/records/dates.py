"""Dates as curators write them, Buddhist-Era years included, to typed XSD literals.

A Thai source gives years in the Buddhist Era (BE, พ.ศ.). Since 1 January 1941 (2484 BE) the
Thai year starts on 1 January, so CE = BE − 543 exactly. Before that the year began on 1 April,
so one BE year covers parts of two CE years: a bare BE year before 2484 is refused rather than
guessed. Thai digits (๐–๙) are accepted.
"""

import re
from datetime import date

from jitarsa.errors import RecordError, shown
from jitarsa.records.yamlfile import NotDecimal

XSD = "http://www.w3.org/2001/XMLSchema#"
BE_OFFSET = 543
FIRST_CALENDAR_YEAR_BE = 2484

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_BE = re.compile(r"^(?:พ\.\s?ศ\.|BE)\s*(\d{4})$|^(\d{4})\s*(?:BE|B\.E\.)$", re.IGNORECASE)
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def be_to_ce(year_be: int) -> int:
    """The Common-Era year of a Buddhist-Era year from 2484 BE (1941 CE) on."""
    if year_be < FIRST_CALENDAR_YEAR_BE:
        raise ValueError(
            f"{year_be} BE is before 2484 BE, when the Thai year began on 1 April; "
            "it spans two CE years, so give the CE date instead"
        )
    return year_be - BE_OFFSET


def parse_date(value) -> tuple[str, str]:
    """`(lexical form, XSD datatype IRI)` for a year, year-month or date, CE or BE.

    >>> parse_date("พ.ศ. 2548")
    ('2005', 'http://www.w3.org/2001/XMLSchema#gYear')
    """
    if isinstance(value, date):
        return value.isoformat(), XSD + "date"
    if isinstance(value, NotDecimal):
        raise ValueError(value.problem)
    if isinstance(value, int) and not isinstance(value, bool) and not 0 < value < 10_000:
        raise ValueError("is not a year: a year has one to four digits")
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(
            f"expected a year or a date such as 2005 or 2005-06-30, got {shown(value)}"
        )
    text = str(value).strip().translate(_THAI_DIGITS)
    be = _BE.match(text)
    if be:
        return f"{be_to_ce(int(be.group(1) or be.group(2))):04d}", XSD + "gYear"
    iso = _ISO.match(text)
    if not iso:
        raise ValueError(
            f"{shown(value)} is not a date: write 2005, 2005-06, 2005-06-30 or a Buddhist-Era year "
            "as 'พ.ศ. 2548' or '2548 BE'"
        )
    year, month, day = iso.groups()
    if int(year) >= 2400:
        raise ValueError(
            f"{year} looks like a Buddhist-Era year: write it as 'พ.ศ. {year}' "
            f"or as the CE year {int(year) - BE_OFFSET}"
        )
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError as err:
        raise ValueError(f"{shown(value)} is not a real date ({err})") from None
    if day:
        return text, XSD + "date"
    if month:
        return text, XSD + "gYearMonth"
    return text, XSD + "gYear"


def check_date(value, file, record, field) -> tuple[str, str]:
    """`parse_date`, with a failure reported against the record and field."""
    try:
        return parse_date(value)
    except ValueError as err:
        raise RecordError(str(err), file, record, field) from None
