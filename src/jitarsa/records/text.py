"""Text rules for every string in a record: NFC, and no invisible characters.

Control characters and zero-width characters (including U+200B, which some Thai editors insert
as a word-break hint) make two names that look identical differ, so they are refused, not
silently dropped: a curator should see and remove them.
"""

import re
import unicodedata

#: C0 and C1 controls (tab and newline included), zero-width space/joiners, word joiner, BOM,
#: and the bidirectional embedding/override/isolate controls.
FORBIDDEN = re.compile(
    "[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def forbidden_character(text: str) -> str | None:
    """A description of the first forbidden character in `text`, or None."""
    match = FORBIDDEN.search(text)
    if match is None:
        return None
    char = match.group()
    name = unicodedata.name(char, "control character")
    return f"U+{ord(char):04X} {name} at position {match.start() + 1}"


def nfc(text: str) -> str:
    """Unicode NFC: Thai vowels and tone marks composed the one canonical way."""
    return unicodedata.normalize("NFC", text)
