"""Names made comparable: one normal form for queries and for the registry's names.

Thai has no spaces between words and its writers space, dot and bracket names freely
("มูลนิธิ บูรณะชนบทแห่งประเทศไทยฯ", "มอส."), so a name is compared as a compact key: NFC,
case-folded, Thai digits as Arabic ones, ฯ and dots dropped, other punctuation and spaces
between Thai letters removed. Organisational words (มูลนิธิ, Foundation, Munnithi …) say little
about which organisation is meant, so each key also has a *core* with them removed: the scorer
weighs the core most, the whole name a little (they are weighted low, not dropped).

Thai names are also romanised in the Royal Thai General System (PyThaiNLP's `royin` engine,
offline), and both the romanisation and a Latin query are reduced to a consonant skeleton, so
"Munnithi Krachok Ngao" finds มูลนิธิกระจกเงา although rule-based romanisation is imperfect.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Words that name a kind of organisation, not an organisation: Thai (matched inside a name,
#: since Thai is written without spaces), English and their usual romanisations (whole words).
ORG_WORDS_TH = (
    "แห่งประเทศไทย",
    "ประเทศไทย",
    "มูลนิธิ",
    "สมาคม",
    "ชมรม",
    "กลุ่ม",
    "เครือข่าย",
    "โครงการ",
    "องค์การ",
    "องค์กร",
    "สถาบัน",
    "สำนักงาน",
    "แผนงาน",
    "ศูนย์",
)
ORG_WORDS_LATIN = frozenset(
    (
        "foundation",
        "foundations",
        "network",
        "group",
        "club",
        "association",
        "project",
        "programme",
        "program",
        "organisation",
        "organization",
        "institute",
        "centre",
        "center",
        "office",
        "thailand",
        "the",
        "of",
        "for",
        "and",
        "munnithi",
        "mulnithi",
        "moonlanithi",
        "samakhom",
        "chomrom",
        "klum",
        "khrueakhai",
        "khruea",
        "khai",
        "khrongkan",
        "ongkan",
        "ongkon",
        "sathaban",
        "samnakngan",
        "phaenngan",
        "prathet",
        "prathetthai",
        "sun",
    )
)

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
_DROPPED = re.compile(r"ฯลฯ|ฯ|[.'’]")
_THAI = "\u0e00-\u0e7f"
_PUNCTUATION = re.compile(f"[^\\w\\s{_THAI}]|_|\u0e3f|\u0e4f|\u0e5a|\u0e5b")
_THAI_GAP = re.compile(f"(?<=[{_THAI}])\\s+(?=[{_THAI}])")
_SPACES = re.compile(r"\s+")
_BRACKETED = re.compile(r"[(\[{（]([^)\]}）]*)[)\]}）]")
_HAS_THAI = re.compile(f"[{_THAI}]")
_LATIN_LETTER = re.compile(r"[a-z]")
_ORG_TH = re.compile("|".join(ORG_WORDS_TH))


def normalise(text: str) -> str:
    """TEXT as a compact comparison key: NFC, case-folded, Thai digits as 0-9, sara am typed
    in two keys joined, ฯ and dots dropped, punctuation as spaces, no spaces between Thai
    letters, single spaces elsewhere."""
    text = unicodedata.normalize("NFC", text).casefold().translate(_THAI_DIGITS)
    text = text.replace("\u0e4d\u0e32", "\u0e33")  # sara am typed as nikhahit + sara aa
    text = _DROPPED.sub("", _INVISIBLE.sub("", text))
    text = _PUNCTUATION.sub(" ", text)
    text = _THAI_GAP.sub("", text)
    return _SPACES.sub(" ", text).strip()


def core(key: str) -> str:
    """A normalised KEY without its organisational words ("" if it has nothing else); a long
    Latin word one typing error away from one ("Foundaton") counts as one too."""
    text = _ORG_TH.sub(" ", key)
    words = [w for w in text.split() if not _is_org_word(w)]
    return _THAI_GAP.sub("", " ".join(words)).strip()


@lru_cache(maxsize=1 << 14)
def _is_org_word(word: str) -> bool:
    if word in ORG_WORDS_LATIN:
        return True
    if len(word) < 7 or not word.isascii():
        return False
    from rapidfuzz.distance import OSA

    return any(len(w) >= 7 and OSA.distance(word, w, score_cutoff=1) <= 1 for w in ORG_WORDS_LATIN)


@lru_cache(maxsize=1 << 16)
def variants(name: str) -> tuple[str, ...]:
    """The forms of a NAME worth indexing: itself, without its bracketed parts, and each
    bracketed part ("มูลนิธิอาสาสมัครเพื่อสังคม (มอส.)" names the foundation and its
    abbreviation), normalised, unique, in that order."""
    found = [name]
    if _BRACKETED.search(name):
        found.append(_BRACKETED.sub(" ", name))
        found.extend(_BRACKETED.findall(name))
    out: list[str] = []
    for form in found:
        key = normalise(form)
        if key and key not in out:
            out.append(key)
    return tuple(out)  # cached, so never to be changed by a caller


def has_thai(text: str) -> bool:
    return _HAS_THAI.search(text) is not None


def has_latin(key: str) -> bool:
    return _LATIN_LETTER.search(key) is not None


def romanise(key: str) -> tuple[str, str]:
    """A normalised Thai KEY in the Royal Thai General System (PyThaiNLP, engine `royin`),
    word by word (Latin parts pass through), and the same without its organisational words."""
    from pythainlp.tokenize import word_tokenize

    words = word_tokenize(key, engine="newmm", keep_whitespace=False)
    latin = [_romanise_word(w) for w in words]
    kept = [r for w, r in zip(words, latin, strict=True) if w not in _ORG_WORDS_TH]
    return " ".join(latin).strip(), " ".join(kept).strip()


_ORG_WORDS_TH = frozenset(ORG_WORDS_TH)


@lru_cache(maxsize=1 << 16)
def _romanise_word(word: str) -> str:
    from pythainlp.transliterate import romanize

    return romanize(word, engine="royin").casefold() if has_thai(word) else word


#: RTGS spellings that sound alike collapse to one consonant skeleton: aspirates lose their h,
#: finals l/r sound as n, vowels (spelled many ways and often guessed) are dropped.
_DIGRAPHS = (("kh", "k"), ("ph", "p"), ("th", "t"), ("ch", "c"), ("ng", "g"), ("j", "c"))
_VOWELS = re.compile(r"[aeiouy]+")
_NON_LETTERS = re.compile(r"[^a-z ]+")
_REPEATS = re.compile(r"(.)\1+")


def skeleton(latin: str) -> str:
    """A romanised (or typed) Latin name reduced to its consonants, the same way on both
    sides: "Munnithi Krachok Ngao" and royin's "munnithi kratkngao" come out close."""
    text = _NON_LETTERS.sub("", unicodedata.normalize("NFKD", latin.casefold()))
    for digraph, letter in _DIGRAPHS:
        text = text.replace(digraph, letter)
    text = text.replace("l", "n").replace("r", "n")
    text = _VOWELS.sub("", text.replace(" ", ""))
    return _REPEATS.sub(r"\1", text)


def latin_core(key: str) -> str:
    """A Latin query's words without organisational words (in English or romanised Thai)."""
    return " ".join(w for w in key.split() if w not in ORG_WORDS_LATIN)
