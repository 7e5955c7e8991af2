"""Text rules for every string in a record: NFC, and no invisible characters.

One rule, by Unicode property, so that two names that look identical never differ: a character
is refused if its general category is C (Cc controls, tab and newline included; Cf format
characters such as U+200B ZERO WIDTH SPACE, which some Thai editors insert as a word-break hint,
U+200E LEFT-TO-RIGHT MARK, U+061C ARABIC LETTER MARK, U+00AD SOFT HYPHEN, the tags
U+E0000-U+E007F and the bidirectional controls; Cs surrogates; Co private use; Cn unassigned in the
Unicode version of the Python running jitarsa), Zl or Zp (line and paragraph separators), or if
it is one of the other Default_Ignorable_Code_Point characters of Unicode's
DerivedCoreProperties.txt, which render as nothing: the Hangul fillers, the variation selectors
(U+FE0F included), the combining grapheme joiner, two Khmer inherent vowels and the Mongolian
free variation selectors. Spaces (Zs, U+00A0 included) are allowed; Thai vowels and tone marks
(Mn) are ordinary characters. Refused, not silently dropped: a curator should see and remove them.

Two more rules keep a text readable (`unreadable`): it holds at least one visible character (not
only spaces, U+2800 BRAILLE PATTERN BLANK, which renders as nothing, or combining marks), and no
character carries more than MAX_MARKS combining marks (category M): Thai stacks at most two on
a consonant (a vowel above or below, and a tone mark: ปู่, กี้, กั๊), and a pile of hundreds
("Zalgo" text) spills over the lines around it.
"""

import functools
import re
import unicodedata

#: Default_Ignorable_Code_Point characters outside category C (DerivedCoreProperties.txt):
#: U+034F COMBINING GRAPHEME JOINER, U+115F/U+1160 HANGUL CHOSEONG/JUNGSEONG FILLER, U+17B4/
#: U+17B5 KHMER VOWEL INHERENT AQ/AA, U+180B-U+180D and U+180F MONGOLIAN FREE VARIATION
#: SELECTORs, U+3164 HANGUL FILLER, U+FE00-U+FE0F VARIATION SELECTORs, U+FFA0 HALFWIDTH HANGUL
#: FILLER, U+E0100-U+E01EF VARIATION SELECTORs 17-256.
IGNORABLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u180f\u3164\ufe00-\ufe0f\uffa0"
    "\U000e0100-\U000e01ef]"
)


def _refused(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] == "C" or category in ("Zl", "Zp") or bool(IGNORABLE.match(char))


_UNNAMED = {
    "Cc": "control character",
    "Cs": "surrogate",
    "Co": "private-use character",
    "Cn": "unassigned code point",
}


def forbidden_character(text: str) -> str | None:
    """A description of the first forbidden character in `text`, or None."""
    # str.isprintable() is False exactly for categories C and Z (but U+0020): one pass in C
    # clears nearly every text, and only one with a space other than U+0020 or a refused
    # character is looked at character by character.
    if text.isprintable() and not IGNORABLE.search(text):
        return None
    for position, char in enumerate(text, start=1):
        if _refused(char):
            category = unicodedata.category(char)
            name = unicodedata.name(char, "") or _UNNAMED.get(category, category)
            return f"U+{ord(char):04X} {name} at position {position}"
    return None


def nfc(text: str) -> str:
    """Unicode NFC: Thai vowels and tone marks composed the one canonical way."""
    return unicodedata.normalize("NFC", text)


#: Most combining marks (general category M) one character may carry: Thai needs two (ปู่),
#: other scripts a few more.
MAX_MARKS = 4
#: Characters that are not whitespace but render as nothing.
BLANKS = "\u2800"


#: A character outside the Basic Multilingual Plane: rare in records.
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _class(spans: list[list[int]]) -> str:
    """A regular expression's character class (without brackets) of the (first, last) SPANS."""
    return "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in spans)


@functools.cache
def _readability() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(a run of more than MAX_MARKS marks of the BMP, the same of any plane, a visible
    character): the marks of Python's Unicode version, found once. They lie in planes 0, 1 and
    14 (planes 2, 3 hold CJK ideographs only), so only those are scanned: a few hundredths of a
    second, on the first non-ASCII text. The BMP's marks alone make a class `re` looks up in a
    table, thirteen times faster than one with other planes, so the full class is tried only
    on a text with a character outside the BMP."""
    category = unicodedata.category
    codes = [c for c in (*range(0x20000), *range(0xE0000, 0xE1000)) if category(chr(c))[0] == "M"]
    spans: list[list[int]] = []
    for c in codes:
        if spans and spans[-1][1] == c - 1:
            spans[-1][1] = c
        else:
            spans.append([c, c])
    bmp, every = _class([s for s in spans if s[1] <= 0xFFFF]), _class(spans)
    run = f"{{{MAX_MARKS + 1},}}"
    return (
        re.compile(f"[{bmp}]{run}"),
        re.compile(f"[{every}]{run}"),
        re.compile(f"[^\\s{BLANKS}{every}]"),
    )


def unreadable(text: str) -> str | None:
    """Why TEXT (NFC, without invisible characters) cannot be read, or None: no visible
    character, or one character carrying more than MAX_MARKS combining marks."""
    if text.isascii():
        return None if text.strip() else "has no visible character"
    stacked, stacked_astral, visible = _readability()
    if not visible.search(text):
        return (
            "has no visible character (only spaces, blanks such as U+2800 BRAILLE PATTERN "
            "BLANK, or combining marks)"
        )
    run = (stacked_astral if _ASTRAL.search(text) else stacked).search(text)
    if run:
        return (
            f"has {len(run.group()):,} combining marks on the character at position "
            f"{run.start()}; at most {MAX_MARKS} are allowed"
        )
    return None
