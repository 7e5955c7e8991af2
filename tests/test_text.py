"""Text in records: invisible characters are refused, everything else is kept, in NFC."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from jitarsa.records.text import FORBIDDEN, forbidden_character, nfc

INVISIBLE = st.sampled_from(
    [
        "\u0000",
        "\t",
        "\n",
        "\u007f",
        "\u0085",
        "\u200b",
        "\u200c",
        "\u200d",
        "\u200e",
        "\u202e",
        "\u2060",
        "\u2066",
        "\ufeff",
    ]
)
VISIBLE = st.text(st.characters(blacklist_categories=("Cc", "Cf", "Cs")))


@given(VISIBLE, INVISIBLE, VISIBLE)
def test_an_invisible_character_anywhere_is_found(before, char, after):
    found = forbidden_character(before + char + after)
    assert found is not None
    assert found.startswith(f"U+{ord(char):04X}")


@given(VISIBLE)
def test_visible_text_passes_and_nfc_is_idempotent(text):
    assert forbidden_character(text) is None
    assert nfc(nfc(text)) == nfc(text) == unicodedata.normalize("NFC", text)


def test_the_shapes_forbid_exactly_the_characters_the_records_refuse():
    """ontology/shapes.ttl (jsh:text) and text.FORBIDDEN agree on every BMP character.

    One exception, a quirk of Python's `re` that pySHACL inherits: `$` also matches before a
    final newline, so a lone "\\n" passes the pattern there (not in XPath regex engines).
    The record checks refuse it before any shape runs."""
    import re

    import rdflib

    from jitarsa.resources import shapes_file

    shapes = rdflib.Graph().parse(shapes_file())
    pattern = shapes.value(
        rdflib.URIRef("https://w3id.org/jitarsa/shapes#text"),
        rdflib.URIRef("http://www.w3.org/ns/shacl#pattern"),
    )
    allowed = re.compile(str(pattern))
    disagree = [
        hex(cp)
        for cp in range(0x10000)
        if cp < 0xD800 or cp > 0xDFFF
        if bool(allowed.search(chr(cp))) == bool(FORBIDDEN.search(chr(cp)))
    ]
    assert disagree == ["0xa"]
