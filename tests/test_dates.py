"""Buddhist-Era years and dates as curators write them (property-based)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jitarsa.records.dates import XSD, be_to_ce, parse_date

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def test_the_source_year():
    assert parse_date("พ.ศ. 2548") == ("2005", XSD + "gYear")


@given(st.integers(min_value=2484, max_value=3000))
def test_every_spelling_of_a_be_year_is_ce_minus_543(year_be):
    expected = (f"{year_be - 543:04d}", XSD + "gYear")
    for text in (
        f"พ.ศ. {year_be}",
        f"พ.ศ.{year_be}",
        f"{year_be} BE",
        f"BE {year_be}",
        f"{year_be} B.E.",
        f"พ.ศ. {year_be}".translate(THAI_DIGITS),
    ):
        assert parse_date(text) == expected, text


@given(st.integers(min_value=1000, max_value=2483))
def test_be_years_before_1941_are_refused(year_be):
    with pytest.raises(ValueError, match="began on 1 April"):
        parse_date(f"พ.ศ. {year_be}")


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(2399, 12, 31)))
def test_iso_dates_round_trip(day):
    assert parse_date(day.isoformat()) == (day.isoformat(), XSD + "date")
    assert parse_date(day.isoformat()[:7]) == (day.isoformat()[:7], XSD + "gYearMonth")
    assert parse_date(day.year) == (f"{day.year:04d}", XSD + "gYear")


@given(st.text(max_size=20))
def test_any_text_is_a_date_or_a_clear_value_error(text):
    try:
        lexical, datatype = parse_date(text)
    except ValueError as err:
        assert str(err)
    else:
        assert datatype in (XSD + "gYear", XSD + "gYearMonth", XSD + "date")
        assert lexical[:4].isdigit()


def test_be_to_ce():
    assert be_to_ce(2484) == 1941
    with pytest.raises(ValueError):
        be_to_ce(2483)
