"""`jitarsa wikidata quickstatements`: valid V1, referenced, in steps that never create twice.

Golden files (tests/expected/) are the default dataset's output; after a reviewed change to the
data or the mapping, regenerate them with the commands in docs/wikidata.md and review the diff.
QIDs Q900000xx in these tests are placeholders for made-up matches, not facts about Wikidata;
Q4115189 is the Wikidata sandbox item.
"""

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from v1grammar import parse_batch, parse_line

from jitarsa.cli import cli
from jitarsa.errors import WikidataError
from jitarsa.records.load import load_dataset
from jitarsa.wikidata.quickstatements import quote

ROOT = Path(__file__).parent.parent
EXPECTED = Path(__file__).parent / "expected"
FIXTURES = Path(__file__).parent / "fixtures"
ARTICLE = "https://th.wikipedia.org/wiki?curid=26361"
SANDBOX = "Q4115189"


def run(*args):
    result = CliRunner().invoke(cli, ["wikidata", *args], catch_exceptions=False)
    return result


def export(*args):
    result = run("quickstatements", *args)
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def test_step_one_is_the_network_alone_and_matches_the_golden_file():
    text, summary = export()
    assert text == (EXPECTED / "quickstatements-step1.tsv").read_text(encoding="utf-8")
    lines = parse_batch(text)
    assert [line.kind for line in lines].count("create") == 1
    assert ("L", "th", "เครือข่ายจิตอาสา") in [line.term for line in lines]
    inception = [line for line in lines if line.prop == "P571"]
    assert inception == []  # no source read states when the network was founded
    assert summary.splitlines()[0] == (
        "QuickStatements V1: creates 1 item, edits 0 existing "
        "items; 3 statements, each with a reference."
    )
    assert "--network-qid" in summary.splitlines()[-1]


def test_the_network_gets_its_thai_wikipedia_sitelink():
    text, _ = export()
    sitelinks = [line.sitelink for line in parse_batch(text) if line.kind == "sitelink"]
    assert sitelinks == [("thwiki", "เครือข่ายจิตอาสา")]  # the source article's title


def test_memberships_name_the_source_entry_where_it_differs_from_the_label():
    """P1810 ("subject named as") qualifies every membership with the member's line in the
    source's list, verbatim: the list's wording is said there, not as an official name."""
    text, _ = export("--network-qid", SANDBOX)
    found, label = {}, None
    for line in parse_batch(text):
        if line.kind == "create":
            label = None
        elif (
            line.kind == "term" and line.term[0] == "L" and (label is None or line.term[1] == "th")
        ):
            label = line.term[2]
        elif line.prop == "P463":
            found[label] = line.qualifiers
    members = {r.name.get("th", r.name.get("en")): r for r in load_dataset(ROOT / "data").members}
    # Members with a parent or a successor wait for its item (step 3); the others are here.
    assert set(found) == {
        name for name, r in members.items() if r.parent is None and r.successor is None
    }
    for name, qualifiers in found.items():
        entry = members[name].listed.entry
        assert qualifiers == [("P1810", ("string", entry))], name
    assert found["มูลนิธิอาสาสมัครเพื่อสังคม"] == [("P1810", ("string", "มูลนิธิอาสาสมัครเพื่อสังคม (มอส.)"))]
    # the lists' variants of the Thammasat centre and TRRM are said here, and only here
    assert found["ศูนย์อาสาสมัคร มหาวิทยาลัยธรรมศาสตร์"] == [
        ("P1810", ("string", "ศูนย์อาสาสมัคร์มหาวิทยาลัยธรรมศาสตร์"))
    ]
    assert found["มูลนิธิบูรณะชนบทแห่งประเทศไทย"] == [
        ("P1810", ("string", "มูลนิธิบูรณะพัฒนาชนบทแห่งประเทศไทย"))
    ]


def test_step_two_with_the_network_qid_matches_the_golden_file():
    text, summary = export("--network-qid", SANDBOX)
    assert text == (EXPECTED / "quickstatements-step2.tsv").read_text(encoding="utf-8")
    lines = parse_batch(text)
    members = [line for line in lines if line.prop == "P463"]
    assert len(members) == 38  # 2 wait: for a parent's QID, and for a successor's
    assert {line.value for line in members} == {("item", SANDBOX)}
    assert not any(line.entity == SANDBOX for line in lines), "the network is not edited"
    assert "Waiting: 4 items" in summary


def test_every_statement_is_typed_and_carries_a_dated_reference():
    text, _ = export("--network-qid", SANDBOX)
    for line in parse_batch(text):
        if line.kind != "statement":
            continue
        ref = dict(line.reference)
        if "P143" in ref:
            assert ref["P143"] == ("item", "Q565074")
            assert ref["P4656"] == ("string", ARTICLE)
            assert ref["P813"] == ("time", "+2026-11-25T00:00:00Z/11")
        else:  # another cited source: a reference URL, undated when the data has no date
            assert ref["P854"][0] == "string"
            # dated only when the data dates it: the network's list was read on 2026-12-03,
            # the Red Cross page on 2026-12-08
            assert ref.get("P813", ("time", "+2026-12-03T00:00:00Z/11")) in (
                ("time", "+2026-12-03T00:00:00Z/11"),
                ("time", "+2026-12-08T00:00:00Z/11"),
            )
        assert line.prop != "P463" or line.reference, line


def test_monolingual_names_and_short_names():
    text, _ = export("--network-qid", SANDBOX)
    lines = parse_batch(text)
    short = sorted(line.value[1:] for line in lines if line.prop == "P1813")
    assert short == [("en", "C4pC"), ("en", "TRRM"), ("en", "UNV"), ("th", "มสส."), ("th", "มอส.")]
    official = [line.value[1:] for line in lines if line.prop == "P1448"]
    # only a name whose basis is the organisation's own page: no list's wording, no other page's
    assert ("en", "The Mirror Foundation") in official  # its own name, with the page cited
    assert ("th", "ศูนย์อาสาสมัคร มหาวิทยาลัยธรรมศาสตร์") in official  # the university's pages
    assert ("en", "United Nations Volunteers") not in official  # the lists' wording
    assert ("en", "Thai Fund Foundation") not in official  # a curator's translation is no name
    assert ("th", "ศูนย์อาสาสมัคร์มหาวิทยาลัยธรรมศาสตร์") not in official  # the list's typo
    assert ("th", "มูลนิธิบูรณะพัฒนาชนบทแห่งประเทศไทย") not in official  # the article's alone
    aliases = [line.term[1:] for line in lines if line.kind == "term" and line.term[0] == "A"]
    assert ("en", "why i why") in aliases and ("th", "มอส.") in aliases


def test_labels_and_descriptions_are_unique_pairs_per_language():
    text, _ = export("--network-qid", SANDBOX)
    items, current = [], None
    for line in parse_batch(text):
        if line.kind == "create":
            current = {}
            items.append(current)
        elif line.kind == "term" and line.term[0] in "LD":
            current[line.term[:2]] = line.term[2]
    for lang in ("th", "en"):
        pairs = [(i[("L", lang)], i[("D", lang)]) for i in items if ("L", lang) in i]
        assert len(pairs) == len(set(pairs)) == {"th": 36, "en": 42}[lang]


def test_matched_items_are_edited_never_created(data_dir):
    result = run(
        "apply-matches",
        str(FIXTURES / "reconciled.csv"),
        "--data",
        str(data_dir),
        "--by",
        "test curator",
        "--date",
        "2026-11-25",
    )
    assert result.exit_code == 0, result.output
    text, summary = export("--data", str(data_dir), "--network-qid", SANDBOX)
    lines = parse_batch(text)
    labels = {line.term[2] for line in lines if line.kind == "term"}
    for name in (
        "ActionAid",
        "United Nations Volunteers",
        "Thai Fund Foundation",
        "Greenpeace Southeast Asia (Thailand Office)",
    ):
        assert name not in labels
    edits = {line.entity: line for line in lines if line.entity not in (None, "LAST")}
    assert sorted(edits) == ["Q90000001", "Q90000002", "Q90000003", "Q90000004", "Q90000005"]
    assert all(line.prop == "P463" and line.value == ("item", SANDBOX) for line in edits.values())
    # The Thai Fund Foundation's QID is known, so its projects are created with P749 to it.
    parents = [line.value for line in lines if line.prop == "P749"]
    assert parents.count(("item", "Q90000005")) == 2
    assert "creates 39 items, edits 5 existing items" in summary


def test_the_whole_workflow_creates_every_item_exactly_once(data_dir):
    """Run each step, 'create' its items with made-up QIDs, record them, until done."""
    created, steps, next_qid = [], 0, 90000100
    while steps < 6:
        sheet = data_dir.parent / f"created-{steps + 1}.csv"
        text, summary = export("--data", str(data_dir), "--created-sheet", str(sheet))
        lines = parse_batch(text)
        order = [
            s.split(": ", 1)[1].split(", ")
            for s in summary.splitlines()
            if s.startswith("Creates, in this order: ")
        ]
        if not order:
            assert sheet.read_bytes() == b"id,qid\r\n"
            break
        steps += 1
        assert [line.kind for line in lines].count("create") == len(order[0])
        rows = list(csv.reader(sheet.open(encoding="utf-8", newline="")))
        assert rows == [["id", "qid"]] + [[record_id, ""] for record_id in order[0]]
        with sheet.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "qid"])
            for record_id in order[0]:  # as QuickStatements reports the new items, in order
                writer.writerow([record_id, f"Q{next_qid}"])
                next_qid += 1
        result = run(
            "apply-matches",
            str(sheet),
            "--data",
            str(data_dir),
            "--by",
            "test",
            "--date",
            "2026-11-25",
            "--method",
            "quickstatements-create",
        )
        assert result.exit_code == 0, result.output
        created += order[0]
    assert steps == 3
    dataset = load_dataset(data_dir)
    organisations = [r.id for r in dataset.records if r.kind != "country"]
    assert sorted(created) == sorted(organisations) and len(created) == 47
    text, summary = export("--data", str(data_dir))
    lines = parse_batch(text)
    assert all(line.entity.startswith("Q") for line in lines)
    assert {line.prop for line in lines} == {"P463", "P749", "P1366"}
    assert "creates 0 items" in summary and "Waiting" not in summary


def test_no_create_leaves_new_items_out(data_dir):
    run(
        "apply-matches",
        str(FIXTURES / "reconciled.csv"),
        "--data",
        str(data_dir),
        "--by",
        "test curator",
        "--date",
        "2026-11-25",
    )
    text, summary = export("--data", str(data_dir), "--network-qid", SANDBOX, "--no-create")
    lines = parse_batch(text)
    assert "create" not in [line.kind for line in lines]
    assert len(lines) == 5
    assert "--no-create: left out 41 items without a QID." in summary


def test_out_writes_the_same_batch_to_a_file(tmp_path):
    target = tmp_path / "step1.tsv"
    result = run("quickstatements", "--out", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_bytes() == (EXPECTED / "quickstatements-step1.tsv").read_bytes()


@pytest.mark.parametrize(
    "bad, name",
    [
        ('"', 'a double quote (")'),
        ("\t", "a tab"),
        ("|", "a vertical bar (|), which QuickStatements reads as a column separator"),
        ("\u201c", 'a curly double quote (\u201c), which QuickStatements turns into "'),
    ],
)
def test_text_v1_cannot_quote_is_refused_naming_the_record(data_dir, bad, name):
    path = data_dir / "network.yaml"
    text = path.read_text(encoding="utf-8")
    value = {
        '"': 'Volunteer \\"Spirit\\" Network',
        "\t": "Volunteer\\tSpirit",
        "|": "Volunteer | Spirit Network",
        "\u201c": "Volunteer \u201cSpirit\u201d Network",
    }[bad]
    path.write_text(
        text.replace('en: "Volunteer Spirit Network"', f'en: "{value}"'), encoding="utf-8"
    )
    out = data_dir.parent / "batch.tsv"
    result = run("quickstatements", "--data", str(data_dir), "--out", str(out))
    assert result.exit_code == 2
    assert result.stdout == "" and not out.exists()
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    if bad != "\t":
        shown = value.replace("\\", "")
        assert lines[0] == (
            f"Error: {path}, record 'volunteer-spirit-network', field 'name.en': "
            f"{shown!r} contains {name}, which a "
            "QuickStatements V1 string cannot hold; change the text"
        )
    else:  # the record format already refuses control characters
        assert "contains a control or invisible character" in lines[0]


def test_a_label_longer_than_wikidata_allows_is_refused(data_dir):
    path = data_dir / "network.yaml"
    long = "Volunteer Spirit Network " * 11  # 275 characters
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('en: "Volunteer Spirit Network"', f'en: "{long.strip()}"'), encoding="utf-8"
    )
    result = run("quickstatements", "--data", str(data_dir))
    assert (result.exit_code, result.stdout) == (2, "")
    # The record check refuses it first, with Wikidata's limit (SECURITY.md, field lengths).
    assert result.stderr == (
        f"Error: {path}, record 'volunteer-spirit-network', field 'name.en': "
        "is 274 characters long; at most 250 are allowed\n"
    )


def test_a_bad_network_qid_is_refused():
    result = run("quickstatements", "--network-qid", "Q0")
    assert result.exit_code == 2
    assert result.stderr == "Error: --network-qid 'Q0' is not a Wikidata item id such as Q869\n"
    result = run("quickstatements", "--network-qid", "Q869")
    assert result.exit_code == 2
    assert "is already the item of 'thailand'" in result.stderr


SAFE_TEXT = st.text(
    st.characters(blacklist_characters='"\t\n\r|\u201c\u201d', blacklist_categories=("Cs",)),
    min_size=1,
)


@given(SAFE_TEXT)
def test_quoting_round_trips_through_the_grammar(text):
    line = parse_line(f"LAST\tLth\t{quote(text)}") if text.strip() else None
    if line is not None:
        assert line.term == ("L", "th", text)
    assert quote(text) == f'"{text}"'


@given(SAFE_TEXT, st.sampled_from('"\t\n\r|\u201c\u201d'), SAFE_TEXT)
def test_unquotable_text_is_always_refused(before, bad, after):
    with pytest.raises(WikidataError, match="QuickStatements V1 string cannot hold"):
        quote(before + bad + after)


def test_the_goldens_are_the_dataset_in_the_checkout(tmp_path):
    """The goldens are made from data/ exactly; a copy elsewhere gives the same bytes."""
    copy = tmp_path / "data"
    shutil.copytree(Path(__file__).parent.parent / "data", copy)
    text, _ = export("--data", str(copy), "--network-qid", SANDBOX)
    assert text == (EXPECTED / "quickstatements-step2.tsv").read_text(encoding="utf-8")


def test_a_malformed_mapping_file_is_one_clear_error(tmp_path):
    from jitarsa.wikidata.items import Mapping

    path = tmp_path / "wikidata.yaml"
    path.write_text("country: thailand\nwikis: {th.wikipedia.org: Q565074}\n", encoding="utf-8")
    with pytest.raises(
        WikidataError,
        match=r"wikidata.yaml: malformed mapping \(KeyError: "
        r"'descriptions'\)",
    ):
        Mapping.load(path)
    path.write_text(
        "country: thailand\nwikis: {th.wikipedia.org: thwiki}\ndescriptions: {}\n"
        "abbreviation_max_length: 6\n",
        encoding="utf-8",
    )
    with pytest.raises(WikidataError, match="'thwiki' is not a Wikidata item id"):
        Mapping.load(path)
