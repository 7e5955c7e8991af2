"""English names made by jitarsa: the Thai name in the Royal Thai General System (RTGS).

PyThaiNLP's `romanize(engine="royin")` follows the Royal Institute's rules, offline and with no
model to download. It romanises a whole string without knowing where words end, so a curator
writes the name with the spaces and capitals of the words (`Ban Din Thai`), and the check here
is that the letters are exactly PyThaiNLP's: `matches(th, en)`. A name whose romanisation reads
badly (the engine knows no loanwords: อินเตอร์เนชั่นแนล) is better translated; which basis each
name has, and why, is in docs/sources.md.
"""

from __future__ import annotations


def romanise(thai: str) -> str:
    """The RTGS letters of a Thai text, lower case, each space-separated part on its own."""
    from pythainlp.transliterate import romanize

    return " ".join(romanize(part, engine="royin") for part in thai.split())


def letters(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def matches(thai: str, english: str) -> bool:
    """Whether `english` is the RTGS romanisation of `thai`, whatever its spaces and capitals."""
    return letters(romanise(thai)) == letters(english)
