"""Bad input: one line naming the file, the record and the field; exit 2; dist/ untouched."""

import pytest
from click.testing import CliRunner

from jitarsa.cli import cli

MIRROR = "organisations/mirror-foundation.yaml"


def edit(data_dir, path, old, new):
    file = data_dir / path
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")
    return file


def build_error(data_dir, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", "--data", str(data_dir), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists()
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


CASES = {
    "malformed YAML": (
        MIRROR,
        'name:\n  th: "มูลนิธิกระจกเงา"',
        'name:\n  th: ["มูลนิธิกระจกเงา"',
        "mirror-foundation.yaml: malformed YAML at line ",
    ),
    "unknown field": (
        MIRROR,
        "kind: foundation",
        "kind: foundation\nfounder: someone",
        "record 'mirror-foundation', field 'founder': unknown field",
    ),
    "missing name": (
        MIRROR,
        'name:\n  th: "มูลนิธิกระจกเงา"\n  en: "The Mirror Foundation"\n',
        "",
        "record 'mirror-foundation', field 'name': is required",
    ),
    "bad URL": (
        MIRROR,
        "kind: foundation",
        "kind: foundation\nurl: www.mirror.example",
        "record 'mirror-foundation', field 'url': 'www.mirror.example' is not an http(s) URL",
    ),
    "bad date": (
        MIRROR,
        "kind: foundation",
        "kind: foundation\nfounded: 2005-02-30",
        "record 'mirror-foundation', field 'founded': '2005-02-30' is not a real date",
    ),
    "Buddhist year given as CE": (
        MIRROR,
        "kind: foundation",
        "kind: foundation\nfounded: 2548",
        "field 'founded': 2548 looks like a Buddhist-Era year",
    ),
    "language tag typo": (
        MIRROR,
        '  en: "The Mirror Foundation"',
        '  eng: "The Mirror Foundation"',
        "field 'name.eng': language tag 'eng' is not one of: th, en",
    ),
    "zero-width character": (
        MIRROR,
        'มูลนิธิกระจกเงา"\n',
        'มูลนิธิ\u200bกระจกเงา"\n',
        "field 'name.th': contains a control or invisible character "
        "(U+200B ZERO WIDTH SPACE at position 8)",
    ),
    "control character": (
        MIRROR,
        "The Mirror Foundation",
        "Mirror\\u0007Foundation",
        "field 'name.en': contains a control or invisible character (U+0007",
    ),
    "bad id": (
        MIRROR,
        "id: mirror-foundation",
        "id: Mirror_Foundation",
        "record 'Mirror_Foundation', field 'id': 'Mirror_Foundation' is not an id",
    ),
    "unknown parent": (
        "organisations/mind-development-for-health-programme.yaml",
        "parent: sodsri-saridwongse-foundation",
        "parent: nobody",
        "record 'mind-development-for-health-programme', field 'parent': 'nobody' is not",
    ),
    "duplicate list position": (
        "organisations/volunteers-for-society-foundation.yaml",
        "position: 2",
        "position: 3",
        "field 'sources.position': list position 3 is already given to 'mirror-foundation'",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_record_is_one_clear_line(case, data_dir, tmp_path):
    path, old, new, expected = CASES[case]
    edit(data_dir, path, old, new)
    line = build_error(data_dir, tmp_path)
    assert line.startswith("Error: ") and str(data_dir / path) in line
    assert expected in line


def test_duplicate_id(data_dir, tmp_path):
    (data_dir / "organisations" / "copy.yaml").write_text(
        (data_dir / MIRROR).read_text(encoding="utf-8"), encoding="utf-8"
    )
    line = build_error(data_dir, tmp_path)
    assert (
        "mirror-foundation.yaml, record 'mirror-foundation', field 'id': "
        "duplicate id: already used in"
        in line
        and line.endswith("copy.yaml")
    )


def test_empty_file(data_dir, tmp_path):
    (data_dir / "organisations" / "empty.yaml").write_text("# nothing yet\n")
    line = build_error(data_dir, tmp_path)
    assert line.endswith("empty.yaml: the file is empty: it should hold a record (a YAML mapping)")


def test_missing_data_folder(tmp_path):
    line = build_error(tmp_path / "nowhere", tmp_path)
    assert "nowhere: is not a data folder" in line


def test_validate_exit_codes(data_dir):
    runner = CliRunner()
    ok = runner.invoke(cli, ["validate", "--data", str(data_dir)])
    assert (ok.exit_code, ok.output) == (0, "The graph conforms to the jitarsa shapes.\n")
    edit(data_dir, MIRROR, "kind: foundation", "kind: foundation\ncolour: red")
    bad = runner.invoke(cli, ["validate", "--data", str(data_dir)])
    assert bad.exit_code == 2 and "field 'colour': unknown field" in bad.output


def test_text_is_nfc_normalised(data_dir):
    import unicodedata

    from jitarsa.records.load import load_dataset

    decomposed = unicodedata.normalize("NFD", "Crème")  # e + combining grave accent
    assert decomposed != "Crème"
    edit(data_dir, MIRROR, '"The Mirror Foundation"', f'"{decomposed}"')
    assert load_dataset(data_dir).get("mirror-foundation").name["en"] == "Crème"


def test_a_key_given_twice_is_refused(data_dir, tmp_path):
    edit(data_dir, MIRROR, "kind: foundation", "kind: foundation\nkind: ngo")
    line = build_error(data_dir, tmp_path)
    assert "line 4, column 1: key 'kind' appears twice in one mapping" in line
