"""reconcile-sheet → OpenRefine-style CSV → apply-matches: QIDs with provenance, all or nothing.

The fixture tests/fixtures/reconciled.csv is the reconciliation sheet with a `qid` column added,
as OpenRefine exports it; its QIDs (Q900000xx) are placeholders, not reviewed matches.
"""

import csv
import hashlib
import io
import tempfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import example, given
from hypothesis import strategies as st

from jitarsa.cli import cli
from jitarsa.errors import RecordError, WikidataError
from jitarsa.records.load import load_dataset
from jitarsa.wikidata.matches import _yaml, parse_matches, read_matches

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = Path(__file__).parent / "expected"
SIGN = ["--by", "test curator", "--date", "2026-11-25"]


def run(*args):
    return CliRunner().invoke(cli, ["wikidata", *args], catch_exceptions=False)


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_the_sheet_has_one_row_per_organisation():
    result = run("reconcile-sheet")
    assert result.exit_code == 0
    assert result.stdout == (EXPECTED / "reconcile-sheet.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 47
    assert rows[0] == {
        "id": "volunteer-spirit-network",
        "name_th": "เครือข่ายจิตอาสา",
        "name_en": "Volunteer Spirit Network",
        "alternate_names": "",
        "type": "Q43229",
        "country": "Q869",
    }
    by_id = {r["id"]: r for r in rows}
    assert by_id["mirror-foundation"]["type"] == "Q157031"
    assert by_id["actionaid"]["type"] == "Q43229"  # the entry says องค์การ: an organisation
    assert by_id["united-nations-volunteers"]["alternate_names"] == "UNV"
    assert "thailand" not in by_id


def test_apply_matches_writes_provenance_and_keeps_everything_else(data_dir):
    before = {p: p.read_text(encoding="utf-8") for p in sorted(data_dir.rglob("*.yaml"))}
    result = run("apply-matches", str(FIXTURES / "reconciled.csv"), "--data", str(data_dir), *SIGN)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        f"added      Q90000001    greenpeace-southeast-asia-thailand  "
        f"({data_dir}/organisations/greenpeace-southeast-asia-thailand.yaml)"
    )
    assert result.stderr == "5 records changed, 0 already had their QID.\n"
    changed = {p for p, text in before.items() if p.read_text(encoding="utf-8") != text}
    assert sorted(p.stem for p in changed) == [
        "actionaid",
        "ashoka",
        "greenpeace-southeast-asia-thailand",
        "thai-fund-foundation",
        "united-nations-volunteers",
    ]
    path = data_dir / "organisations" / "actionaid.yaml"
    block = (
        "wikidata:\n  qid: Q90000002\n  method: openrefine-reconciliation\n"
        "  matched_by: test curator\n  date: 2026-11-25\nsources:\n"
    )
    assert path.read_text(encoding="utf-8") == before[path].replace("sources:\n", block, 1)
    record = load_dataset(data_dir).get("actionaid")
    assert record.wikidata == "Q90000002"
    assert record.wikidata_match.method == "openrefine-reconciliation"
    assert record.wikidata_match.date == "2026-11-25"
    # Applying the same sheet again changes nothing.
    again = run("apply-matches", str(FIXTURES / "reconciled.csv"), "--data", str(data_dir), *SIGN)
    assert again.exit_code == 0
    assert again.stderr == "0 records changed, 5 already had their QID.\n"


def test_matched_records_become_same_as_in_the_graph(data_dir):
    from jitarsa.publish.build import build_files

    run("apply-matches", str(FIXTURES / "reconciled.csv"), "--data", str(data_dir), *SIGN)
    ttl = build_files(data_dir).files["jitarsa.nt"].decode("utf-8")
    iri = "<https://w3id.org/jitarsa/org/ashoka>"
    assert f"{iri} <http://schema.org/sameAs> <http://www.wikidata.org/entity/Q90000004> ." in ttl
    assert (
        f"{iri} <http://www.w3.org/2002/07/owl#sameAs> "
        "<http://www.wikidata.org/entity/Q90000004> ." in ttl
    )


def test_every_data_file_survives_a_ruamel_round_trip_unchanged():
    for path in sorted((ROOT / "data").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        out = io.StringIO()
        _yaml().dump(_yaml().load(text), out)
        assert out.getvalue() == text, path


def sheet(tmp_path, rows, header=("id", "name_en", "qid")):
    path = tmp_path / "sheet.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


BAD = [
    (
        [["mirror-foundation", "Mirror", "Q12x"]],
        "record 'mirror-foundation', field 'qid': row 2: 'Q12x' is not a Wikidata item id such "
        "as Q869",
    ),
    (
        [["mirror-foundation", "Mirror", "Q1"], ["no-such-org", "?", "Q2"]],
        "record 'no-such-org', field 'id': row 3: no record has this id",
    ),
    (
        [["mirror-foundation", "Mirror", "Q7"], ["ashoka", "Ashoka", "Q7"]],
        "record 'ashoka', field 'qid': row 3: Q7 is also matched to 'mirror-foundation' (row 2): "
        "one item, one record",
    ),
    (
        [["mirror-foundation", "Mirror", "Q869"]],
        "record 'mirror-foundation', field 'qid': row 2: Q869 is already the item of 'thailand' "
        "in the data",
    ),
    (
        [["mirror-foundation", "Mirror", "Q1"], ["mirror-foundation", "Mirror", "Q2"]],
        "record 'mirror-foundation', field 'qid': row 3: row 2 matched it to Q1, this row to Q2",
    ),
    (
        [["thailand", "Thailand", "Q5"]],
        "record 'thailand', field 'qid': row 2: the record is already linked to Q869; correct "
        "the record by hand if that link is wrong",
    ),
]


@pytest.mark.parametrize("rows, message", BAD)
def test_bad_rows_are_refused_and_nothing_is_written(data_dir, tmp_path, rows, message):
    before = snapshot(data_dir)
    path = sheet(tmp_path, rows)
    result = run("apply-matches", str(path), "--data", str(data_dir), *SIGN)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}, {message}\n"
    assert result.stdout == ""
    assert snapshot(data_dir) == before


@pytest.mark.parametrize(
    "args, message",
    [
        (["--date", "2026-11"], "--date '2026-11' is not a full date: write it as YYYY-MM-DD"),
        (["--date", "tomorrow"], "--date: 'tomorrow' is not a date"),
        (
            ["--by", "a\tb"],
            "field 'wikidata.matched_by': contains a control or invisible character",
        ),
        (
            ["--method", "cited-source"],
            "field 'wikidata.source': a QID from a cited source needs the source's url",
        ),
    ],
)
def test_bad_provenance_is_refused_and_nothing_is_written(data_dir, tmp_path, args, message):
    before = snapshot(data_dir)
    path = sheet(tmp_path, [["mirror-foundation", "Mirror", "Q7"]])
    options = dict(zip(SIGN[::2], SIGN[1::2], strict=True)) | dict(
        zip(args[::2], args[1::2], strict=True)
    )
    result = run(
        "apply-matches",
        str(path),
        "--data",
        str(data_dir),
        *[x for kv in options.items() for x in kv],
    )
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr
    assert snapshot(data_dir) == before
    assert not [p for p in data_dir.rglob("*") if p.name.startswith(".")]


def test_a_sheet_without_a_qid_column_is_refused(data_dir):
    result = run(
        "apply-matches",
        str(ROOT / "tests" / "expected" / "reconcile-sheet.csv"),
        "--data",
        str(data_dir),
        *SIGN,
    )
    assert result.exit_code == 2
    assert "the header needs exactly one 'qid' column" in result.stderr


def test_a_qid_needs_provenance_in_the_records(data_dir):
    path = data_dir / "organisations" / "mirror-foundation.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "wikidata: Q7\n", encoding="utf-8")
    with pytest.raises(RecordError, match="a QID needs its provenance"):
        load_dataset(data_dir)


def test_retrieved_must_be_a_full_date(data_dir):
    path = data_dir / "organisations" / "mirror-foundation.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("retrieved: 2026-11-25", "retrieved: 2026"),
        encoding="utf-8",
    )
    with pytest.raises(RecordError, match=r"sources\[0\]\.retrieved.*not a full date"):
        load_dataset(data_dir)


def test_every_record_dates_its_copy_of_the_article(built):
    for record in built.dataset.records:
        article = [s for s in record.sources if "wikipedia.org" in s.url]
        site = [s for s in record.sources if s.url == "https://www.volunteerspirit.org/about-vsn/"]
        assert [s.retrieved for s in article] in ([], ["2026-11-25"]), record.id
        assert article or [s.retrieved for s in site] in ([], ["2026-12-03"]), record.id
        assert article or site or record.id == "red-cross-youth-and-volunteer-bureau"


QIDS = st.integers(1, 10**10 - 1).map(lambda n: f"Q{n}")  # Q and 1-10 digits
IDS = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)
# Python's csv writer leaves a lone "\r" unquoted when the line ends in "\n": keep it out.
CELL = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=20)


@pytest.mark.slow
@given(
    st.lists(st.tuples(IDS, CELL, st.one_of(QIDS, st.just(""))), max_size=12),
    st.sampled_from(["\r\n", "\n"]),
    st.booleans(),
)
def test_any_written_sheet_parses_back(rows, newline, bom):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(["id", "name", "qid"])
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as folder:  # a BOM, as spreadsheet programs write
        path = Path(folder) / "sheet.csv"
        path.write_text(out.getvalue(), encoding="utf-8-sig" if bom else "utf-8")
        matches = read_matches(path)
    assert [(m.record_id, m.qid) for m in matches] == [(i, q) for i, _, q in rows if q]


@given(st.text(max_size=200))
@example('"a\nb",c\n')  # a line break inside a quoted header cell
@example("id,qid\n\x00,Q1\n")
def test_arbitrary_text_parses_or_is_refused_cleanly(text):
    try:
        matches = parse_matches(text)
    except WikidataError as err:
        assert "\n" not in str(err)
    else:
        assert all(m.qid.startswith("Q") for m in matches)


@given(
    st.text(min_size=1, max_size=12).filter(
        lambda q: q.strip() and not __import__("re").match(r"^Q[1-9][0-9]*$", q.strip())
    )
)
def test_malformed_qids_are_refused(qid):
    text = "id,qid\r\nmirror-foundation," + '"' + qid.replace('"', '""') + '"' + "\r\n"
    try:
        parse_matches(text)
    except WikidataError:
        return
    pytest.fail(f"{qid!r} was accepted")


def test_yaml_of_the_written_record_is_plain_yaml(data_dir):
    run("apply-matches", str(FIXTURES / "reconciled.csv"), "--data", str(data_dir), *SIGN)
    data = yaml.safe_load((data_dir / "organisations" / "ashoka.yaml").read_text("utf-8"))
    assert data["wikidata"]["qid"] == "Q90000004"
    assert list(data)[-2:] == ["wikidata", "sources"]


def test_one_item_one_record_in_the_data(data_dir):
    block = (
        "wikidata:\n  qid: Q869\n  method: cited-source\n"
        "  source: https://www.wikidata.org/wiki/Q869\n"
    )
    path = data_dir / "organisations" / "mirror-foundation.yaml"
    path.write_text(path.read_text(encoding="utf-8") + block, encoding="utf-8")
    with pytest.raises(RecordError) as err:
        load_dataset(data_dir)
    assert str(err.value).endswith(
        "record 'thailand', field 'wikidata': Q869 is already the "
        f"item of 'mirror-foundation' ({path}): one item, one record"
    )


def test_an_unknown_match_method_is_refused(data_dir):
    block = "wikidata: {qid: Q7, method: guessed, matched_by: x, date: 2026-11-25}\n"
    path = data_dir / "organisations" / "mirror-foundation.yaml"
    path.write_text(path.read_text(encoding="utf-8") + block, encoding="utf-8")
    with pytest.raises(
        RecordError,
        match="field 'wikidata.method': 'guessed' is not one of: openrefine-reconciliation",
    ):
        load_dataset(data_dir)


def test_the_cli_offers_exactly_the_match_methods_of_the_record_format():
    from jitarsa.cli import apply_matches
    from jitarsa.records.model import MATCH_METHODS

    method = next(p for p in apply_matches.params if p.name == "method")
    assert tuple(method.type.choices) == MATCH_METHODS
