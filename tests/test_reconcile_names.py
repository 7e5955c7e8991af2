"""Names made comparable (jitarsa.reconcile.names): the normal form, organisational words,
bracketed abbreviations, RTGS romanisation and its consonant skeleton."""

import pytest

from jitarsa.reconcile import names


@pytest.mark.parametrize(
    "given, expected",
    [
        # ฯ dropped, the space a writer put after มูลนิธิ closed up (Thai has no word spaces)
        ("มูลนิธิ บูรณะชนบทแห่งประเทศไทยฯ", "มูลนิธิบูรณะชนบทแห่งประเทศไทย"),
        ("มอส.", "มอส"),  # dots of an abbreviation
        ("U.N.V.", "unv"),
        ("สำนักงาน ๑๒๓", "สำนักงาน 123"),  # Thai digits
        ("The  NETWORK – (NGO-Business)", "the network ngo business"),
        ("Budpage.com", "budpagecom"),
        ("\u200bมูลนิธิ\u00adกระจกเงา", "มูลนิธิกระจกเงา"),  # invisible characters
        ("Sodsri–Saridwongse", "sodsri saridwongse"),
    ],
)
def test_normalise(given, expected):
    assert names.normalise(given) == expected


def test_normalise_joins_sara_am_typed_in_two_keys():
    """Sara am typed as nikhahit + sara aa (U+0E4D U+0E32) looks the same and is the same name;
    NFC leaves it apart, so the normal form joins it (and composes decomposed Latin)."""
    assert names.normalise("ส\u0e4d\u0e32นักงาน") == names.normalise("สำนักงาน")
    assert names.normalise("Cafe\u0301") == "café"


def test_core_weighs_organisational_words_out():
    assert names.core(names.normalise("มูลนิธิกระจกเงา")) == "กระจกเงา"
    assert names.core(names.normalise("The Mirror Foundation")) == "mirror"
    assert names.core(names.normalise("Makhampom Group Foundaton")) == "makhampom"  # a typo
    assert names.core(names.normalise("Munnithi Krachok Ngao")) == "krachok ngao"
    assert names.core("มูลนิธิ") == ""


def test_variants_split_bracketed_abbreviations():
    assert names.variants("มูลนิธิอาสาสมัครเพื่อสังคม (มอส.)") == (
        "มูลนิธิอาสาสมัครเพื่อสังคมมอส",
        "มูลนิธิอาสาสมัครเพื่อสังคม",
        "มอส",
    )
    assert names.variants("ChangeFusion") == ("changefusion",)
    assert names.variants("()") == ()


def test_romanisation_is_rtgs_word_by_word():
    full, core = names.romanise("มูลนิธิกระจกเงา")
    assert full.startswith("munnithi ") and not core.startswith("munnithi")
    assert names.romanise("บ้านดินไทย")[0].replace(" ", "") == "bandinthai"


def test_skeletons_of_typed_and_machine_romanisations_meet():
    typed = names.skeleton("Munnithi Krachok Ngao")
    assert (
        typed == names.skeleton("Mulnithi Krachok Ngao") == names.skeleton("munnithi krachokngao")
    )
    machine = names.skeleton(names.romanise("มูลนิธิกระจกเงา")[0])
    assert machine[:4] == typed[:4]  # mntk…: the same consonants, vowels aside
