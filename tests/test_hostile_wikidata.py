"""Wikidata round trips under attack and accident (issue 11): spreadsheet formulas in the
reconciliation sheet are neutralised and read back, and apply-matches is all-or-nothing across
files even when killed."""

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from jitarsa.cli import cli
from jitarsa.errors import WikidataError
from jitarsa.records.load import load_dataset
from jitarsa.records.synth import synthesize
from jitarsa.wikidata import matches
from jitarsa.wikidata.items import FORMULA_STARTS, neutralised, restored
from jitarsa.wikidata.matches import JOURNAL, apply_matches, parse_matches, resume

SRC = Path(__file__).resolve().parent.parent / "src"
SIGN = ["--by", "test curator", "--date", "2026-11-25"]
MIRROR = "organisations/mirror-foundation.yaml"


@given(st.text())
def test_neutralised_cells_never_start_a_formula_and_read_back_unchanged(cell):
    safe = neutralised(cell)
    assert not safe.startswith(FORMULA_STARTS)
    assert restored(safe) == cell


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("https://example.org/x","click")', "+66 2 123 4567", "-1", "@SUM(A1)"]
)
def test_reconcile_sheet_neutralises_formulas_and_apply_matches_reads_the_sheet(name, data_dir):
    file = data_dir / MIRROR
    file.write_text(
        file.read_text(encoding="utf-8").replace('en: "The Mirror Foundation"', f"en: '{name}'", 1)
    )
    result = CliRunner().invoke(cli, ["wikidata", "reconcile-sheet", "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    row = next(r for r in rows if r[0] == "mirror-foundation")
    assert row[2] == "'" + name
    assert not any(cell.startswith(FORMULA_STARTS) for r in rows for cell in r)
    # OpenRefine adds the qid column; the sheet goes back to apply-matches as it is.
    sheet = io.StringIO()
    writer = csv.writer(sheet)
    writer.writerow([*rows[0], "qid"])
    writer.writerows([*r, "Q90000001" if r[0] == "mirror-foundation" else ""] for r in rows[1:])
    found = parse_matches(sheet.getvalue())
    assert [(m.record_id, m.qid) for m in found] == [("mirror-foundation", "Q90000001")]


def test_a_formula_in_the_qid_column_is_read_back_and_refused():
    with pytest.raises(WikidataError, match=r"row 2: '=Q5' is not a Wikidata item id"):
        parse_matches("id,qid\nx,'=Q5\n")


def make_registry(folder: Path, count: int, per_file: int) -> tuple[Path, Path]:
    """A synthetic registry and a sheet matching one record without a QID in every file."""
    data = synthesize(count, folder / "data", per_file=per_file)
    dataset = load_dataset(data)
    first: dict[str, str] = {}
    for record in dataset.records:
        if record.wikidata is None and "part-" in record.file:
            first.setdefault(record.file, record.id)
    sheet = folder / "sheet.csv"
    lines = ["id,qid"] + [f"{rid},Q{8_000_000_000 + n}" for n, rid in enumerate(first.values())]
    sheet.write_text("\n".join(lines) + "\n")
    return data, sheet


def texts(data: Path) -> dict[str, bytes]:
    """Every file of a data folder, byte for byte (releases hold gzipped snapshots)."""
    return {
        p.relative_to(data).as_posix(): p.read_bytes()
        for p in sorted(data.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_an_apply_stopped_between_renames_is_finished_by_the_next_run(tmp_path, monkeypatch):
    data, sheet = make_registry(tmp_path, 600, 100)
    before = texts(data)
    renames = []
    real_replace = os.replace

    def crash_on_third(source, target):
        if str(source).endswith(matches.STAGED):
            renames.append(target)
            if len(renames) == 3:
                raise SystemExit("killed")  # what a kill leaves: two files renamed, four not
        real_replace(source, target)

    monkeypatch.setattr(matches.os, "replace", crash_on_third)
    with pytest.raises(SystemExit):
        apply_matches(load_dataset(data), sheet, "openrefine-reconciliation", "t", "2026-11-25")
    monkeypatch.setattr(matches.os, "replace", real_replace)
    halfway = texts(data)
    assert JOURNAL in halfway
    assert sum(halfway.get(name) != text for name, text in before.items()) == 2
    with pytest.raises(WikidataError, match="an earlier apply-matches was interrupted"):
        apply_matches(load_dataset(data), sheet, "openrefine-reconciliation", "t", "2026-11-25")
    assert resume(data) == 4
    after = texts(data)
    assert sorted(after) == sorted(before)  # no journal, no staged or temporary file
    changed = [name for name, text in before.items() if after[name] != text]
    assert sorted(changed) == [f"organisations/part-{i:05d}.yaml" for i in range(6)]
    assert resume(data) == 0


@pytest.mark.slow
def test_an_apply_killed_while_staging_leaves_the_records_as_they_were(tmp_path):
    data, sheet = make_registry(tmp_path, 3000, 150)
    before = texts(data)
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jitarsa",
            "wikidata",
            "apply-matches",
            str(sheet),
            "--data",
            str(data),
            *SIGN,
        ],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not list((data / "organisations").glob(f".*{matches.STAGED}")):
            assert run.poll() is None and time.monotonic() < deadline, "it never staged a file"
            time.sleep(0.005)
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
    finally:
        run.kill()
    assert JOURNAL not in texts(data)
    left = texts(data)
    assert any(name.endswith(matches.STAGED) for name in left)  # what the kill left
    assert {k: v for k, v in left.items() if not k.endswith(matches.STAGED)} == before
    result = CliRunner().invoke(
        cli, ["wikidata", "apply-matches", str(sheet), "--data", str(data), *SIGN]
    )
    assert result.exit_code == 0, result.output
    after = texts(data)
    assert sorted(after) == sorted(before)  # the staged leftovers are gone
    assert all(after[name] != text for name, text in before.items() if "part-" in name)


RECONCILED = Path(__file__).resolve().parent / "fixtures" / "reconciled.csv"
ACTIONAID = "organisations/actionaid.yaml"


def test_apply_matches_writes_through_no_planted_link(data_dir, tmp_path):
    """Issue 24: a link planted at the name the staged text's temporary file once had is not
    followed (temporary names are fresh); a record file hard-linked to a file outside the data
    is refused with exit 4 and one line before any file is staged."""
    victim = tmp_path / "victim"
    victim.write_bytes(b"outside\n")
    planted = data_dir / "organisations" / f".actionaid.yaml{matches.STAGED}.partial"
    planted.symlink_to(victim)
    result = CliRunner().invoke(
        cli, ["wikidata", "apply-matches", str(RECONCILED), "--data", str(data_dir), *SIGN]
    )
    assert result.exit_code == 0, result.output
    assert victim.read_bytes() == b"outside\n"
    assert "qid: Q90000002" in (data_dir / ACTIONAID).read_text(encoding="utf-8")

    planted.unlink()
    fresh = data_dir.parent / "fresh"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data", fresh)
    record = fresh / ACTIONAID
    os.replace(record, victim)
    os.link(victim, record)
    kept = victim.read_bytes()
    before = texts(fresh)
    refused = CliRunner().invoke(
        cli, ["wikidata", "apply-matches", str(RECONCILED), "--data", str(fresh), *SIGN]
    )
    assert refused.exit_code == 4
    assert refused.output == (
        f"Error: {record}: has 2 hard links: writing it would change another file too; "
        "remove the other links or choose another path\n"
    )
    assert victim.read_bytes() == kept and texts(fresh) == before
