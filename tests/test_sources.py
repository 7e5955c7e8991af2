"""`jitarsa sources check`: records against the stored lists, newer copies against the stored
lists, and every published fact backed by a source."""

import unicodedata

from click.testing import CliRunner
from conftest import SEED
from hypothesis import given
from hypothesis import strategies as st

from jitarsa.cli import cli
from jitarsa.records.sources import drift, match_key, read_copy, unbacked_fields


def check(*args):
    return CliRunner().invoke(cli, ["sources", "check", *args], catch_exceptions=False)


def modified_seed(tmp_path, *replacements):
    text = SEED.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "newer.txt"
    path.write_text(text, encoding="utf-8")
    return path


def drift_lines(result):
    return [line for line in result.output.splitlines() if line.startswith("drift")]


# --- The shipped data -----------------------------------------------------------------------


def test_the_shipped_data_passes_and_notes_who_lists_whom():
    result = check()
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "2 stored list(s): 0 mismatch(es)"
    notes = [line for line in result.output.splitlines() if line.startswith("note")]
    assert (
        "note      thwiki-26361: actionaid is listed here and not by volunteerspirit-about-vsn"
        in notes
    )
    assert (
        "note      volunteerspirit-about-vsn: changefusion is listed here and not by thwiki-26361"
        in notes
    )
    assert len(notes) == 18 + 12


def test_the_seed_itself_is_no_drift():
    result = check("--copy", str(SEED))
    assert result.exit_code == 0, result.output
    assert drift_lines(result) == []
    assert result.output.endswith(f"no drift in {SEED}\n")


def test_every_published_field_of_every_record_is_backed(built):
    for record in built.dataset.records:
        assert unbacked_fields(record) == [], record.id


# --- Drift in a newer copy of the article ----------------------------------------------------


def test_an_added_entry(tmp_path):
    copy = modified_seed(
        tmp_path,
        ("มูลนิธิจิตอาสาช่วยเหลือสังคมเพื่อสังคม</doc>", "มูลนิธิจิตอาสาช่วยเหลือสังคมเพื่อสังคม 29. มูลนิธิใหม่</doc>"),
    )
    result = check("--copy", str(copy))
    assert result.exit_code == 1
    assert drift_lines(result) == ["drift     thwiki-26361: added    29: 'มูลนิธิใหม่'"]


def test_a_removed_entry(tmp_path):
    copy = modified_seed(
        tmp_path,
        (" 27. ธนาคารจิตอาสา 28. มูลนิธิจิตอาสาช่วยเหลือสังคมเพื่อสังคม", " 27. มูลนิธิจิตอาสาช่วยเหลือสังคมเพื่อสังคม"),
    )
    result = check("--copy", str(copy))
    assert result.exit_code == 1
    assert drift_lines(result) == ["drift     thwiki-26361: removed  27: 'ธนาคารจิตอาสา'"]


def test_a_renamed_entry(tmp_path):
    copy = modified_seed(
        tmp_path, ("17. มูลนิธิบูรณะพัฒนาชนบทแห่งประเทศไทย", "17. มูลนิธิบูรณะชนบทแห่งประเทศไทย")
    )
    result = check("--copy", str(copy))
    assert result.exit_code == 1
    assert drift_lines(result) == [
        "drift     thwiki-26361: renamed  17: 'มูลนิธิบูรณะพัฒนาชนบทแห่งประเทศไทย' -> "
        "17: 'มูลนิธิบูรณะชนบทแห่งประเทศไทย'"
    ]


def test_a_reordered_list(tmp_path):
    copy = modified_seed(
        tmp_path,
        ("3. มูลนิธิกระจกเงา 4. กลุ่มนวัตกรรม", "3. กลุ่มนวัตกรรม"),
        ("(why i why) 5.", "(why i why) 4. มูลนิธิกระจกเงา 5."),
    )
    result = check("--copy", str(copy))
    assert result.exit_code == 1
    # two entries swapped: one of them moved (the other kept its order with the rest)
    assert drift_lines(result) == [
        "drift     thwiki-26361: moved    4 -> 3: 'กลุ่มนวัตกรรมเยาวชนเพื่อสังคม (why i why)'"
    ]


def test_a_plain_list_of_the_network_site(tmp_path, built):
    [site] = [s for s in built.dataset.lists if s.slug == "volunteerspirit-about-vsn"]
    entries = list(site.entries)
    entries[0] = "มูลนิธิบูรณะชนบทแห่งประเทศไทย (บชท.)"  # spelled out, abbreviation in brackets
    entries[14] = "ศูนย์อาสาสมัคร์ มหาวิทยาลัยธรรมศาสตร์"  # a space added
    copy = tmp_path / "site.txt"
    copy.write_text("\n".join(f"– {e}" for e in entries[:-1]) + "\n", encoding="utf-8")
    result = check("--copy", str(copy), "--list", "volunteerspirit-about-vsn")
    assert result.exit_code == 1
    assert drift_lines(result) == [
        "drift     volunteerspirit-about-vsn: removed  22: 'เครือข่ายอาสาอิสระ โรงบ่มอารมณ์สุข'",
        "drift     volunteerspirit-about-vsn: renamed  1: 'มูลนิธิ บูรณะชนบทแห่งประเทศไทยฯ' -> "
        "1: 'มูลนิธิบูรณะชนบทแห่งประเทศไทย (บชท.)'",
        "drift     volunteerspirit-about-vsn: renamed  15: 'ศูนย์อาสาสมัคร์มหาวิทยาลัยธรรมศาสตร์' -> "
        "15: 'ศูนย์อาสาสมัคร์ มหาวิทยาลัยธรรมศาสตร์'",
    ]


def test_thai_aware_keys():
    decomposed = unicodedata.normalize("NFD", "มูลนิธิกระจกเงา")
    assert match_key(decomposed) == match_key("มูลนิธิ กระจกเงา") == "มูลนิธิกระจกเงา"
    assert match_key("มูลนิธิอาสาสมัครเพื่อสังคม (มอส.)") == match_key("มูลนิธิอาสาสมัครเพื่อสังคม")
    assert match_key("มูลนิธิ บูรณะชนบทแห่งประเทศไทยฯ") == "มูลนิธิบูรณะชนบทแห่งประเทศไทย"


def test_an_unknown_list_and_an_unreadable_copy_are_one_line_errors(tmp_path):
    result = check("--copy", str(SEED), "--list", "nope")
    assert result.exit_code == 2
    assert result.output.startswith("Error: --list: no stored list 'nope'; choose one of:")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n", encoding="utf-8")
    result = check("--copy", str(empty))
    assert (result.exit_code, result.output) == (
        2,
        f"Error: {empty}: holds no entries (a plain list has one entry a line)\n",
    )


# --- Records against the stored lists --------------------------------------------------------


def test_a_record_quoting_an_entry_the_list_lacks_and_an_unclaimed_entry(data_dir):
    path = data_dir / "organisations" / "mirror-foundation.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'entry: "มูลนิธิกระจกเงา"\n    position: 3', 'entry: "มูลนิธิกระจก"\n    position: 3'
        ),
        encoding="utf-8",
    )
    (data_dir / "organisations" / "changefusion.yaml").unlink()
    result = check("--data", str(data_dir))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert (
        "mismatch  thwiki-26361: mirror-foundation claims entry 3 'มูลนิธิกระจก', "
        "which the list does not hold there"
    ) in lines
    assert (
        "mismatch  volunteerspirit-about-vsn: entry 18 'ChangeFusion' is claimed by no record"
        in lines
    )
    assert lines[-1] == "2 stored list(s): 2 mismatch(es)"


def test_a_fact_without_a_source_is_reported(data_dir):
    path = data_dir / "organisations" / "ramajitti-institute.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("kind:", "url: https://example.org/\nkind:"),
        encoding="utf-8",
    )
    result = check("--data", str(data_dir))
    assert result.exit_code == 1
    assert "mismatch  records: ramajitti-institute: field 'url' is backed by no source" in (
        result.output.splitlines()
    )


# --- Properties of the readers and the comparison --------------------------------------------

ENTRY = (
    st.text(
        st.characters(whitelist_categories=("L", "M", "N"), whitelist_characters=" ()."),
        min_size=1,
        max_size=30,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(lambda s: s and not s[0].isdigit())
)


@given(st.lists(ENTRY, min_size=1, max_size=12, unique=True))
def test_a_plain_list_reads_back_and_is_no_drift(tmp_path_factory, entries):
    entries = [unicodedata.normalize("NFC", e) for e in entries]
    path = tmp_path_factory.mktemp("copy") / "list.txt"
    path.write_text("\n".join(entries) + "\n", encoding="utf-8")
    assert read_copy(path) == tuple(entries)
    assert not drift(tuple(entries), tuple(entries))


@given(st.lists(ENTRY, min_size=2, max_size=12, unique_by=match_key), st.randoms())
def test_a_shuffled_list_only_moves(entries, random):
    shuffled = list(entries)
    random.shuffle(shuffled)
    found = drift(tuple(entries), tuple(shuffled))
    assert found.added == found.removed == found.renamed == []
    assert bool(found.moved) == (shuffled != entries)
