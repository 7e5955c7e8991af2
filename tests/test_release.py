"""`jitarsa diff` and `jitarsa release`: entity-level changes, versions checked against them,
reproducible archives, change notes, and the DCAT 3 record of a release."""

import gzip
import io
import json
import os
import random
import re
import shutil
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SHARED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jitarsa.cli import cli
from jitarsa.errors import DiffError, OutputError
from jitarsa.records.releases import version_key
from jitarsa.releases.cut import check_version, next_versions, set_version, write_archive
from jitarsa.releases.diff import diff

BASE = "https://w3id.org/jitarsa/"
DCAT3 = SHARED / "w3c" / "dcat3" / "dcat3.ttl"
#: The four changes the edited copy of the data makes: kind → IRI.
FOUR = {
    "added": BASE + "org/example-group",
    "removed": BASE + "org/why-i-why",
    "renamed": BASE + "org/mirror-foundation",
    "membership": BASE + "org/sodsri-saridwongse-foundation",
}


def run(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="jitarsa")


def change(data: Path) -> Path:
    """One organisation added, one removed, one renamed, one membership gained."""
    orgs = data / "organisations"
    (orgs / "example-group.yaml").write_text(
        'id: example-group\nkind: organization\nname:\n  th: "กลุ่มตัวอย่าง"\n'
        "sources:\n  - url: https://example.org/\n",
        encoding="utf-8",
    )
    (orgs / "why-i-why.yaml").unlink()
    mirror = orgs / "mirror-foundation.yaml"
    mirror.write_text(
        mirror.read_text(encoding="utf-8").replace(
            'en: "The Mirror Foundation"', 'en: "The Mirror"'
        ),
        encoding="utf-8",
    )
    sodsri = orgs / "sodsri-saridwongse-foundation.yaml"
    text = sodsri.read_text(encoding="utf-8")
    sodsri.write_text(
        text.replace("sources:\n", "member_of: [thai-health-foundation]\nsources:\n", 1),
        encoding="utf-8",
    )
    return data


@pytest.fixture
def changed(data_dir) -> Path:
    return change(data_dir)


# --- jitarsa diff --------------------------------------------------------------------------------


def test_four_changes_are_reported_in_every_format(changed):
    result = run("diff", str(ROOT / "dist"), str(changed), "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert {c["kind"]: c["iri"] for c in report["changes"]} == FOUR
    assert len(report["changes"]) == 4 and report["bump"] == "major" and not report["equal"]
    by_kind = {c["kind"]: c for c in report["changes"]}
    assert by_kind["added"]["name"] == {"th": "กลุ่มตัวอย่าง"}
    assert by_kind["removed"]["name"]["en"] == "Youth Innovation for Society Group"
    assert by_kind["removed"]["member_of"][0]["name"]["en"] == "Volunteer Spirit Network"
    assert by_kind["renamed"]["old_name"] == {"th": "มูลนิธิกระจกเงา", "en": "The Mirror Foundation"}
    assert by_kind["renamed"]["new_name"] == {"th": "มูลนิธิกระจกเงา", "en": "The Mirror"}
    membership = by_kind["membership"]
    assert membership["change"] == "gained"
    assert membership["organisation"] == {
        "iri": BASE + "org/thai-health-foundation",
        "name": {"th": "มูลนิธิสุขภาพไทย", "en": "Thai Health Foundation"},
    }

    text = run("diff", str(ROOT / "dist"), str(changed))
    assert text.exit_code == 1
    lines = text.output.splitlines()
    assert "4 change(s): 1 added, 1 removed, 1 renamed, 1 membership" in lines[0]
    entries = [line for line in lines if line[:2] in ("+ ", "- ", "~ ")]
    assert len(entries) == 4
    assert entries[0].startswith("+ org/example-group  กลุ่มตัวอย่าง: added")
    assert entries[1].startswith("- org/why-i-why  กลุ่มนวัตกรรมเยาวชนเพื่อสังคม / Youth")
    assert (
        "renamed from มูลนิธิกระจกเงา / The Mirror Foundation to มูลนิธิกระจกเงา / The Mirror"
        in (entries[2])
    )
    assert entries[3].endswith("became a member of มูลนิธิสุขภาพไทย / Thai Health Foundation")

    markdown = run("diff", str(ROOT / "dist"), str(changed), "--format", "markdown")
    assert markdown.exit_code == 1
    rows = [line for line in markdown.output.splitlines() if line.startswith("| ")]
    assert [row.split(" | ")[0] for row in rows[1:]] == [
        "| added",
        "| removed",
        "| renamed",
        "| membership",
    ]
    assert f"[`org/why-i-why`]({FOUR['removed']})" in rows[2]
    assert "at least a **major** release" in markdown.output


def test_two_identical_builds_are_equal(tmp_path):
    for name in ("a", "b"):
        built = run("build", "--no-site", "-q", "--out", str(tmp_path / name))
        assert built.exit_code == 0, built.output
    for fmt in ("text", "markdown", "json"):
        result = run("diff", str(tmp_path / "a"), str(tmp_path / "b"), "--format", fmt)
        assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["equal"] and report["changes"] == [] and report["bump"] is None
    assert report["old"]["version"] == report["new"]["version"] == "1.0.0"
    text = run("diff", str(tmp_path / "a"), str(tmp_path / "b"))
    assert text.output.endswith(": no change\n")


def test_a_data_folder_equals_its_published_dump():
    result = diff(ROOT / "data", ROOT / "dist" / "jitarsa.nt")
    assert result.equal and result.old.version == "1.0.0"


def test_gzipped_and_unsorted_dumps_compare_the_same(changed, tmp_path):
    lines = (ROOT / "dist" / "jitarsa.nt").read_text(encoding="utf-8").splitlines(keepends=True)
    random.Random(1).shuffle(lines)
    shuffled = tmp_path / "shuffled.nt"
    shuffled.write_text("# a comment\n\n" + "".join(lines), encoding="utf-8")
    packed = tmp_path / "old.nt.gz"
    packed.write_bytes(gzip.compress((ROOT / "dist" / "jitarsa.nt").read_bytes()))
    expected = diff(ROOT / "dist", changed).json()["changes"]
    assert diff(shuffled, changed).json()["changes"] == expected
    assert diff(packed, changed).json()["changes"] == expected
    assert diff(shuffled, ROOT / "dist").equal


def test_reidentified_parent_and_property_changes(data_dir):
    orgs = data_dir / "organisations"
    old, new = orgs / "ashoka.yaml", orgs / "ashoka-thailand.yaml"
    new.write_text(old.read_text(encoding="utf-8").replace("id: ashoka", "id: ashoka-thailand"))
    old.unlink()
    project = orgs / "restore-thailand-project.yaml"
    text = project.read_text(encoding="utf-8")
    assert "parent:" not in text
    project.write_text(text.replace("sources:\n", "parent: mirror-foundation\nsources:\n", 1))
    fcd = orgs / "foundation-for-child-development.yaml"
    founded = re.search(r"^founded: .*$", fcd.read_text(encoding="utf-8"), re.M)
    assert founded
    fcd.write_text(fcd.read_text(encoding="utf-8").replace(founded[0], "founded: 1982"))
    result = diff(ROOT / "data", data_dir)
    kinds = [(c.kind, c.iri.rsplit("/", 1)[1]) for c in result.changes]
    assert kinds == [
        ("reidentified", "ashoka-thailand"),
        # The membership nodes are named after the member's id, so they move with it.
        ("membership", "ashoka"),
        ("membership", "ashoka-thailand"),
        ("parent", "restore-thailand-project"),
        ("property", "foundation-for-child-development"),
    ]
    assert result.changes[0].detail == {"old_iri": BASE + "org/ashoka"}
    assert [result.changes[i].detail["change"] for i in (1, 2)] == ["lost", "gained"]
    assert result.changes[3].detail["new"][0]["name"]["en"] == "The Mirror Foundation"
    assert result.changes[4].detail["property"] == "schema:foundingDate"
    assert result.changes[4].detail["added"] == ['"1982"^^<http://www.w3.org/2001/XMLSchema#gYear>']
    assert result.bump == "major"


M = "http://www.w3.org/ns/org#"


def _membership(node: str, member: str, org: str, *sources: str) -> str:
    out = [
        f"<{node}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{M}Membership> .",
        f"<{node}> <{M}member> <{member}> .",
        f"<{node}> <{M}organization> <{org}> .",
    ]
    out += [f"<{node}> <http://www.w3.org/ns/prov#wasDerivedFrom> <{s}> ." for s in sources]
    return "\n".join(out) + "\n"


def test_memberships_as_nodes_are_reported_per_source(tmp_path):
    """org:Membership nodes (issue 13's model): gained and lost with their sources, a change
    of sources alone, and no second report for the plain member link beside a node."""
    a, b, net = "http://x.test/org/a", "http://x.test/org/b", "http://x.test/org/net"
    names = (
        f'<{a}> <http://schema.org/name> "เอ"@th .\n<{b}> <http://schema.org/name> "B"@en .\n'
        f'<{net}> <http://schema.org/name> "Net"@en .\n'
    )
    old = names + _membership("http://x.test/m/a-net", a, net, "http://s.test/1")
    old += _membership("http://x.test/m/b-net", b, net, "http://s.test/1")
    new = names + f"<{a}> <http://schema.org/memberOf> <{net}> .\n"
    new += _membership("http://x.test/m/a-net", a, net, "http://s.test/1", "http://s.test/2")
    new += _membership("http://x.test/m/b2-net", b, a, "http://s.test/3")
    (tmp_path / "old.nt").write_text(old, encoding="utf-8")
    (tmp_path / "new.nt").write_text(new, encoding="utf-8")
    found = [c.json() for c in diff(tmp_path / "old.nt", tmp_path / "new.nt").changes]
    assert {(c["kind"], c["iri"], c["organisation"]["iri"], c["change"]) for c in found} == {
        ("membership", a, net, "sources"),
        ("membership", b, net, "lost"),
        ("membership", b, a, "gained"),
    }
    by = {(c["iri"], c["organisation"]["iri"]): c for c in found}
    assert len(found) == 3, found  # the plain link of a to net restates its node
    assert by[(a, net)]["added_sources"] == ["http://s.test/2"]
    assert by[(b, net)]["sources"] == ["http://s.test/1"]
    assert by[(b, a)]["sources"] == ["http://s.test/3"]
    assert by[(b, a)]["organisation"]["name"] == {"th": "เอ"} and by[(b, a)]["name"] == {"en": "B"}

    many = "".join(
        f'<http://x.test/o{i}> <http://schema.org/name> "o{i}"@en .\n' for i in range(205)
    )
    (tmp_path / "many.nt").write_text(many, encoding="utf-8")
    table = run("diff", str(tmp_path / "old.nt"), str(tmp_path / "many.nt"), "--format", "markdown")
    assert table.output.count("\n| ") == 201  # the header and 200 rows
    assert table.output.endswith(
        "… and 8 more: `jitarsa diff --format json` lists every change.\n"  # 205 added, 3 removed
    )

    # A membership node this report cannot name (no organisation) is compared as any entity,
    # and a node whose sources and role both change gives both changes.
    odd = "http://x.test/m/odd"
    role = "<http://www.w3.org/ns/org#role> <http://x.test/role/chair> .\n"
    extra = f"<{odd}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{M}Membership> .\n"
    (tmp_path / "newer.nt").write_text(
        new.replace("<http://s.test/2> .\n", "<http://s.test/3> .\n")
        + extra
        + "<http://x.test/m/a-net> "
        + role,
        encoding="utf-8",
    )
    found = diff(tmp_path / "new.nt", tmp_path / "newer.nt").changes
    assert [(c.kind, c.iri) for c in found] == [
        ("added", odd),
        ("membership", a),
        ("property", "http://x.test/m/a-net"),
    ]
    assert found[1].detail["added_sources"] == ["http://s.test/3"]
    assert found[2].detail["added"] == ["<http://x.test/role/chair>"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/x.nt", "dist"], "does not exist"),
        (["tests", "dist"], "neither a published folder"),
        (["README.md", "dist"], "is not an N-Triples file"),
    ],
)
def test_bad_sides_give_one_line_and_exit_2(args, message):
    result = run("diff", *[str(ROOT / a) if not a.startswith("/") else a for a in args])
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and message in result.output
    assert result.output.count("\n") == 1


def test_invalid_ntriples_and_unwritable_output(tmp_path):
    broken = tmp_path / "broken.nt"
    broken.write_text("<http://x.test/a> <http://x.test/p> oops .\n", encoding="utf-8")
    result = run("diff", str(broken), str(ROOT / "dist"))
    assert (
        result.exit_code == 2 and "is not valid N-Triples near <http://x.test/a>" in result.output
    )
    latin1 = tmp_path / "latin1.nt"
    latin1.write_bytes('<http://x.test/a> <http://x.test/p> "café" .\n'.encode("latin-1"))
    result = run("diff", str(latin1), str(ROOT / "dist"))
    assert result.exit_code == 2 and "Invalid UTF-8" in result.output
    out = run("diff", str(ROOT / "dist"), str(ROOT / "dist"), "--out", "/nonexistent/dir/r.md")
    assert out.exit_code == 4 and out.output.startswith("Error: /nonexistent/dir/r.md")


_iri = st.sampled_from(["http://x.test/a", "http://x.test/a-b", "http://x.test/b", "_:b1"])
_object = st.one_of(
    st.sampled_from(["http://x.test/a", "http://x.test/b"]).map(lambda i: f"<{i}>"),
    st.tuples(st.text(max_size=5), st.sampled_from(["th", "en"])).map(
        lambda t: json.dumps(t[0], ensure_ascii=False) + "@" + t[1]
    ),
)
_predicate = st.sampled_from(
    ["http://schema.org/name", "http://schema.org/memberOf", "http://schema.org/url"]
)
_triples = st.sets(st.tuples(_iri, _predicate, _object), max_size=12)


def _nt(triples) -> str:
    def subject(s):
        return s if s.startswith("_:") else f"<{s}>"

    return "".join(f"{subject(s)} <{p}> {o} .\n" for s, p, o in sorted(triples))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(old=_triples, new=_triples)
def test_equal_exactly_when_the_graphs_are_equal(tmp_path, old, new):
    """Any two small graphs: no change iff the sets of triples are equal, and every subject
    whose own triples differ is named by a change."""
    from jitarsa.releases.diff import lines_side

    a = lines_side("a", None, _nt(old).encode())
    b = lines_side("b", None, _nt(new).encode())
    result = diff(a, b)
    assert result.equal == (_canonical(old) == _canonical(new))
    differing = {s for s in {t[0] for t in old | new} if _own(old, s) != _own(new, s)}
    named = {c.iri for c in result.changes} | {
        c.detail.get("old_iri") for c in result.changes if c.kind == "reidentified"
    }
    assert differing == named - {None}


def _canonical(triples):
    from pyoxigraph import RdfFormat, parse

    return {str(q) for q in parse(input=_nt(triples), format=RdfFormat.N_TRIPLES)}


def _own(triples, subject):
    return _canonical({t for t in triples if t[0] == subject})


# --- versions ----------------------------------------------------------------------------------


@settings(deadline=None)
@given(st.text(max_size=12))
def test_versions_are_exactly_major_minor_patch(text):
    ok = re.fullmatch(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)", text, re.ASCII)
    try:
        version_key(text)
    except ValueError:
        assert not ok
    else:
        assert ok


def test_next_versions_and_the_part_a_change_needs(changed):
    assert next_versions("1.9.3") == {"major": "2.0.0", "minor": "1.10.0", "patch": "1.9.4"}
    four = diff(ROOT / "data", changed)
    assert check_version("2.0.0", "1.0.0", four) == "major"
    for version, needed in (("1.0.1", "need a major release: 2.0.0"), ("1.1.0", "2.0.0")):
        with pytest.raises(DiffError, match=needed):
            check_version(version, "1.0.0", four)
    with pytest.raises(DiffError, match="not a next version after 1.0.0"):
        check_version("3.0.0", "1.0.0", four)
    with pytest.raises(DiffError, match="nothing in the graph changed"):
        check_version("1.0.1", "1.0.0", diff(ROOT / "data", ROOT / "dist"))
    with pytest.raises(DiffError, match="not a version MAJOR.MINOR.PATCH"):
        check_version("v1.1", None, None)


def test_a_removal_alone_needs_a_major_version(data_dir):
    (data_dir / "organisations" / "ofc-club.yaml").unlink()
    removal = diff(ROOT / "data", data_dir)
    assert [(c.kind, c.iri) for c in removal.changes] == [("removed", BASE + "org/ofc-club")]
    for version in ("1.0.1", "1.1.0"):
        with pytest.raises(DiffError, match="need a major release: 2.0.0"):
            check_version(version, "1.0.0", removal)
    assert check_version("2.0.0", "1.0.0", removal) == "major"


def test_set_version_keeps_the_rest_of_dataset_yaml():
    text = (ROOT / "data" / "dataset.yaml").read_text(encoding="utf-8")
    updated = set_version(text, "2.0.0")
    assert 'version: "2.0.0"' in updated
    assert updated.replace('version: "2.0.0"', 'version: "1.0.0"') == text


# --- jitarsa release ----------------------------------------------------------------------------


def unreleased_changelog() -> str:
    """The checkout's changelog without its "Data releases" section, which is last."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return text.split("\n## Data releases\n", 1)[0].rstrip("\n") + "\n"


@pytest.fixture
def project(tmp_path):
    """A scratch project: a copy of the data, the changelog, and folders for the outputs."""
    # without the checkout's own releases: the workflow starts from unreleased data
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("releases"))
    (tmp_path / "CHANGELOG.md").write_text(unreleased_changelog(), encoding="utf-8")
    return tmp_path


def release(project: Path, version: str, date: str):
    return run(
        "release",
        version,
        "--data",
        str(project / "data"),
        "--out",
        str(project / "dist"),
        "--archive-dir",
        str(project / "archives"),
        "--changelog",
        str(project / "CHANGELOG.md"),
        "--date",
        date,
    )


@pytest.mark.slow
def test_release_refuses_a_patch_for_a_removal_and_cuts_a_major(project):
    first = release(project, "1.0.0", "2026-11-26")
    assert first.exit_code == 0, first.output
    assert "the first release" in first.output
    change(project / "data")
    before = {p: p.read_bytes() for p in (project / "data").rglob("*") if p.is_file()}
    refused = release(project, "1.0.1", "2026-12-03")
    assert refused.exit_code == 2
    assert refused.output == (
        "Error: 1.0.1 is a patch release, but the changes since 1.0.0 (1 added, 1 removed, "
        "1 renamed, 1 membership) need a major release: 2.0.0\n"
    )
    after = {p: p.read_bytes() for p in (project / "data").rglob("*") if p.is_file()}
    assert after == before  # nothing written
    assert not (project / "archives" / "jitarsa-1.0.1.tar.gz").exists()

    cut = release(project, "2.0.0", "2026-12-03")
    assert cut.exit_code == 0, cut.output
    assert cut.output.startswith(
        "Released 2.0.0 (2026-12-03): 1 added, 1 removed, 1 renamed, 1 membership since 1.0.0."
    )
    data = project / "data"
    assert 'version: "2.0.0"' in (data / "dataset.yaml").read_text(encoding="utf-8")
    record = json.loads((data / "releases" / "2.0.0.json").read_text(encoding="utf-8"))
    assert record["previous"] == "1.0.0" and record["issued"] == "2026-12-03"
    assert {c["kind"]: c["iri"] for c in record["changes"]} == FOUR
    snapshot = gzip.decompress((data / "releases" / "2.0.0.nt.gz").read_bytes())
    assert snapshot == (project / "dist" / "jitarsa.nt").read_bytes()

    archive = project / "archives" / "jitarsa-2.0.0.tar.gz"
    packed = archive.read_bytes()
    sha = (project / "archives" / "jitarsa-2.0.0.tar.gz.sha256").read_text()
    import hashlib

    assert sha == f"{hashlib.sha256(packed).hexdigest()}  jitarsa-2.0.0.tar.gz\n"
    assert packed[4:8] == b"\0\0\0\0"  # gzip mtime 0
    with tarfile.open(fileobj=io.BytesIO(packed)) as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        assert names == sorted(names) and "jitarsa-2.0.0/void.ttl" in names
        assert "jitarsa-2.0.0/site/releases/2.0.0/index.html" in names
        assert {(m.mtime, m.uid, m.gid, m.uname, m.mode) for m in members} == {
            (1796256000, 0, 0, "", 0o644)  # 2026-12-03T00:00:00Z
        }
        extracted = tar.extractfile("jitarsa-2.0.0/jitarsa.nt")
        assert extracted is not None and extracted.read() == snapshot
    again = project / "again.tar.gz"
    assert write_archive(project / "dist", again, "jitarsa-2.0.0", "2026-12-03") == sha[:64]
    assert again.read_bytes() == packed

    changelog = (project / "CHANGELOG.md").read_text(encoding="utf-8")
    section = changelog.split("## Data releases\n", 1)[1]
    assert changelog.startswith(unreleased_changelog().rstrip())
    assert section.index("### [2.0.0] - 2026-12-03") < section.index("### [1.0.0] - 2026-11-26")
    notes = section.split("### [2.0.0]", 1)[1].split("### [1.0.0]", 1)[0]
    assert f"SHA-256 `{sha[:64]}`" in notes
    assert "#### Added\n- `org/example-group` กลุ่มตัวอย่าง: added" in notes
    assert "#### Removed\n- `org/why-i-why`" in notes
    assert notes.count("\n- ") == 4

    again_release = release(project, "2.0.0", "2026-12-04")
    assert again_release.exit_code == 2 and "is already released" in again_release.output

    site = project / "dist" / "site"
    page = (site / "releases" / "2.0.0" / "index.html").read_text(encoding="utf-8")
    assert "2026-12-03" in page and 'href="../../releases/1.0.0/index.html"' in page
    assert "renamed from มูลนิธิกระจกเงา / The Mirror Foundation to" in page
    assert 'href="../../org/mirror-foundation/index.html"' in page
    assert "org/why-i-why" in page  # removed: no page of its own, named by its IRI
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="releases/2.0.0/index.html"' in home and "2026-12-03" in home
    listing = (site / "releases" / "index.html").read_text(encoding="utf-8")
    assert listing.index("2.0.0") < listing.index("1.0.0")


def test_release_refuses_a_malformed_version_or_date_before_any_work(project):
    bad = release(project, "v1.1", "2026-12-03")
    assert bad.exit_code == 2
    assert bad.output == "Error: 'v1.1' is not a version MAJOR.MINOR.PATCH (such as 1.2.0)\n"
    late = release(project, "1.0.0", "3 Dec 2026")
    assert late.exit_code == 2 and "is not a date YYYY-MM-DD" in late.output
    assert not (project / "data" / "releases").exists() and not (project / "dist").exists()


def test_release_never_writes_into_the_data_installed_with_jitarsa(tmp_path):
    import jitarsa.resources

    installed = Path(jitarsa.resources.__file__).parent / "_bundled" / "data"
    refused = run("release", "1.0.0", "--data", str(installed), "--out", str(tmp_path / "out"))
    assert refused.exit_code == 2
    assert refused.output.startswith(f"Error: {installed}: is the data installed with jitarsa")
    assert not (tmp_path / "out").exists()


def test_a_plain_build_of_released_data_is_byte_identical(tmp_path):
    """The release date is data: two builds of a released folder write the same bytes, and
    the description carries the date recorded, not the day of the build."""
    from jitarsa.publish.build import build_files

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    _record_release(data, "1.0.0", "2026-11-26", None)
    one, two = build_files(data).files, build_files(data).files
    assert one == two
    assert b'"2026-11-26"^^xsd:date' in one["void.ttl"]


def _record_release(
    data: Path, version: str, issued: str, previous: str | None, changes=()
) -> None:
    folder = data / "releases"
    folder.mkdir(exist_ok=True)
    record = {"version": version, "issued": issued, "previous": previous, "changes": changes}
    (folder / f"{version}.json").write_text(json.dumps(record), encoding="utf-8")


def test_release_pages_pass_the_site_checks(changed):
    """The "what changed" pages of a released site: links resolve, Thai is marked, tables have
    header cells (the checks tests/test_site.py makes of every page)."""
    import test_site

    from jitarsa.publish.build import build_files
    from jitarsa.releases.diff import describe

    found = diff(ROOT / "data", changed)
    changes = [{**c.json(), "description": describe(c)} for c in found.changes]
    _record_release(changed, "1.0.0", "2026-11-26", None)
    _record_release(changed, "2.0.0", "2026-12-03", "1.0.0", changes)
    (changed / "dataset.yaml").write_text(
        set_version((changed / "dataset.yaml").read_text(encoding="utf-8"), "2.0.0")
    )
    files = build_files(changed).files
    site = {name[5:]: data for name, data in files.items() if name.startswith("site/")}
    pages = {n: test_site.Page(d.decode("utf-8")) for n, d in site.items() if n.endswith(".html")}
    assert {"releases/index.html", "releases/1.0.0/index.html", "releases/2.0.0/index.html"} <= (
        set(pages)
    )
    test_site.test_every_internal_link_resolves_to_a_file_and_its_fragment_to_an_id(site, pages)
    test_site.test_thai_text_is_always_marked_lang_th_and_pages_declare_a_language(pages)
    test_site.test_internal_links_name_index_html_so_they_work_from_disk(pages)
    page = site["releases/2.0.0/index.html"].decode("utf-8")
    assert page.count("<tr><td>") == 4
    assert '<span lang="th">กลุ่มตัวอย่าง</span>' in page
    assert "became a member of มูลนิธิสุขภาพไทย / Thai Health Foundation" in page
    first = site["releases/1.0.0/index.html"].decode("utf-8")
    assert "the first release" in first


def test_a_broken_release_record_is_one_line(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("releases"))
    (data / "releases").mkdir()
    (data / "releases" / "1.0.0.json").write_text('{"version": "1.0.0", "issued": "soon"}')
    result = run("validate", "--data", str(data))
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {data}/releases/1.0.0.json, record '1.0.0', field 'issued': "
        "expected a date YYYY-MM-DD, got 'soon'\n"
    )


# --- DCAT 3 ------------------------------------------------------------------------------------

DCAT = "http://www.w3.org/ns/dcat#"
#: Ranges of DCAT 3's versioning and series properties from the Recommendation's tables
#: (https://www.w3.org/TR/vocab-dcat-3/): dcat3.ttl does not state them.
SPEC_RANGES = {
    "inSeries": DCAT + "DatasetSeries",
    "hasCurrentVersion": DCAT + "Resource",
    "hasVersion": DCAT + "Resource",
    "previousVersion": DCAT + "Resource",
    "first": DCAT + "Resource",
    "last": DCAT + "Resource",
    "prev": DCAT + "Resource",
}


def test_the_description_of_a_release_follows_dcat3(tmp_path):
    import rdflib
    from rdflib.namespace import OWL, RDF, RDFS

    from jitarsa.publish.build import build_files

    if not DCAT3.exists():
        pytest.fail(f"the DCAT 3 vocabulary is missing: {DCAT3} (copy ../shared beside the repo)")
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    _record_release(data, "1.0.0", "2026-11-26", None)
    _record_release(data, "1.1.0", "2026-12-03", "1.0.0")
    (data / "dataset.yaml").write_text(
        set_version((data / "dataset.yaml").read_text(encoding="utf-8"), "1.1.0")
    )
    description = rdflib.Graph().parse(data=build_files(data, site=False).files["void.ttl"])
    vocabulary = rdflib.Graph().parse(DCAT3)
    d = rdflib.Namespace(DCAT)

    def superclasses(cls):
        return set(vocabulary.transitive_objects(cls, RDFS.subClassOf))

    def types(node):
        return {c for t in description.objects(node, RDF.type) for c in superclasses(t)} | (
            {d.Resource} if (node, RDF.type, None) in description else set()
        )

    series = rdflib.URIRef(BASE + "releases")
    current, first = (rdflib.URIRef(BASE + f"releases/{v}") for v in ("1.1.0", "1.0.0"))
    dataset = rdflib.URIRef(BASE + "dataset")
    assert (series, RDF.type, d.DatasetSeries) in description
    assert (series, d.hasCurrentVersion, current) in description
    assert (current, d.inSeries, series) in description
    assert (current, d.previousVersion, first) in description
    assert (current, d.version, rdflib.Literal("1.1.0")) in description
    issued = description.value(current, rdflib.URIRef("http://purl.org/dc/terms/issued"))
    assert issued == rdflib.Literal("2026-12-03", datatype=rdflib.XSD.date)
    assert (dataset, d.hasCurrentVersion, current) in description
    assert (dataset, d.version, rdflib.Literal("1.1.0")) in description

    used = 0
    for s, p, o in description:
        if str(p).startswith(DCAT):
            used += 1
            kinds = set(vocabulary.objects(p, RDF.type))
            assert RDF.Property in kinds, f"{p} is not a DCAT 3 property"
            if OWL.ObjectProperty in kinds:
                assert isinstance(o, rdflib.URIRef), (s, p, o)
            if OWL.DatatypeProperty in kinds:
                assert isinstance(o, rdflib.Literal), (s, p, o)
            for domain in vocabulary.objects(p, RDFS.domain):
                assert domain in types(s), f"{s} {p}: its subject is not a {domain}"
            ranges = set(vocabulary.objects(p, RDFS.range))
            local = str(p)[len(DCAT) :]
            if local in SPEC_RANGES:
                ranges.add(rdflib.URIRef(SPEC_RANGES[local]))
            for rng in ranges:
                if str(rng).startswith(DCAT):
                    assert rng in types(o), f"{s} {p} {o}: its object is not a {rng}"
        if p == RDF.type and str(o).startswith(DCAT):
            assert (o, RDF.type, RDFS.Class) in vocabulary, f"{o} is not a DCAT 3 class"
    assert used > 20


# --- Writes that follow no planted link (issue 24) ------------------------------------------


def _released_once(project: Path) -> Path:
    """The project's data as if 1.0.0 had been released, then renamed once (a patch)."""
    data = project / "data"
    _record_release(data, "1.0.0", "2026-11-26", None)
    snapshot = gzip.compress((ROOT / "dist" / "jitarsa.nt").read_bytes())
    (data / "releases" / "1.0.0.nt.gz").write_bytes(snapshot)
    mirror = data / "organisations" / "mirror-foundation.yaml"
    text = mirror.read_text(encoding="utf-8")
    mirror.write_text(text.replace('en: "The Mirror Foundation"', 'en: "The Mirror"'), "utf-8")
    return data


def _victim(project: Path, name: str) -> Path:
    victim = project / "outside" / name
    victim.parent.mkdir(exist_ok=True)
    victim.write_bytes(b"not jitarsa's\n")
    return victim


@pytest.mark.slow
def test_release_writes_through_no_planted_temporary_link(project):
    """Links planted at the names the release's temporary files once had: the release goes on
    (its temporary files have fresh, unpredictable names) and the targets are untouched."""
    data = _released_once(project)
    planted = [
        data / "releases" / ".1.0.1.json.tmp",
        data / "releases" / ".1.0.1.nt.gz.tmp",
        data / ".dataset.yaml.tmp",
    ]
    victims = [_victim(project, f"v{i}") for i in range(len(planted))]
    for link, victim in zip(planted, victims, strict=True):
        link.symlink_to(victim)
    cut = release(project, "1.0.1", "2026-12-03")
    assert cut.exit_code == 0, cut.output
    assert all(v.read_bytes() == b"not jitarsa's\n" for v in victims)
    assert all(link.is_symlink() for link in planted)
    assert json.loads((data / "releases" / "1.0.1.json").read_text())["previous"] == "1.0.0"
    assert 'version: "1.0.1"' in (data / "dataset.yaml").read_text(encoding="utf-8")
    assert not list(data.rglob(".*.tmp.*")) and not list(data.rglob(".*[0-9a-f].tmp"))


@pytest.mark.parametrize(
    ("planted", "message"),
    [
        ("archives/jitarsa-1.0.1.tar.gz", "is a symbolic link: jitarsa does not write through"),
        ("archives/jitarsa-1.0.1.tar.gz.sha256", "has 2 hard links"),
        ("data/releases/1.0.1.nt.gz", "is a symbolic link"),
        ("data/dataset.yaml", "is a symbolic link"),
        ("CHANGELOG.md", "has 2 hard links"),
        ("dist", "is a symbolic link"),
    ],
)
def test_release_refuses_a_linked_target_before_writing_anything(project, planted, message):
    """A symbolic link or a hard link where the release writes: exit 4, one line naming the
    file, and nothing written anywhere (the check comes before the first write)."""
    data = _released_once(project)
    victim = _victim(project, "victim")
    if planted == "dist":  # a folder: an empty one elsewhere, which a build would replace
        victim.unlink()
        victim.mkdir()
    target = project / planted
    target.parent.mkdir(exist_ok=True)
    if target.exists():
        victim.write_bytes(target.read_bytes())
        target.unlink()
    if "symbolic" in message:
        target.symlink_to(victim)
    else:
        os.link(victim, target)
    kept = list(victim.iterdir()) if victim.is_dir() else victim.read_bytes()
    before = {p: p.read_bytes() for p in data.rglob("*") if p.is_file()}
    refused = release(project, "1.0.1", "2026-12-03")
    assert refused.exit_code == 4, refused.output
    assert refused.output == f"Error: {target}: {refused.output.split(': ', 2)[2]}"
    assert message in refused.output and refused.output.count("\n") == 1
    assert (list(victim.iterdir()) if victim.is_dir() else victim.read_bytes()) == kept
    assert {p: p.read_bytes() for p in data.rglob("*") if p.is_file()} == before
    assert not (project / "dist").exists() or planted == "dist"
    assert not (project / "archives" / "jitarsa-1.0.1.tar.gz").is_file() or "tar.gz" in planted


def test_undo_writes_through_no_link_planted_meanwhile(tmp_path):
    """`undo()` puts files back with the same link-refusing write: a link planted over a file
    the release wrote is refused (one line), or removed if the file was new; the file it
    points to is never written, and every other file is still put back."""
    from jitarsa.releases.cut import _Written

    victim = tmp_path / "victim"
    victim.write_bytes(b"outside\n")
    linked, kept, new = (tmp_path / n for n in ("linked.json", "kept.json", "new.json"))
    linked.write_bytes(b"old linked\n")
    kept.write_bytes(b"old kept\n")
    written = _Written()
    for path in (linked, kept, new):
        written.write(path, b"changed\n")
    for path in (linked, new):
        path.unlink()
        path.symlink_to(victim)
    with pytest.raises(OutputError, match="linked.json: is a symbolic link"):
        written.undo()
    assert victim.read_bytes() == b"outside\n"
    assert kept.read_bytes() == b"old kept\n" and not new.exists() and not new.is_symlink()


# --- diff: one line for every bad input (issue 24) ------------------------------------------


def test_lines_that_sort_out_of_subject_order_are_one_line_not_a_traceback(tmp_path):
    """A byte below the space after a subject sorted that subject's lines apart: the second
    merge raised the internal _Unsorted (exit 1, a traceback). Now lines are sorted by subject."""
    trap = tmp_path / "trap.nt"
    trap.write_bytes(b'<http://x.test/a>\x01 <http://x.test/p> "o" .\n<http://x.test/a>\n')
    result = run("diff", str(ROOT / "dist" / "jitarsa.nt"), str(trap))
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {trap}: is not valid N-Triples near <http://x.test/a>")
    assert result.output.count("\n") == 1


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400), st.sampled_from([b"", b"\n", b"<http://x.test/a> "]))
def test_any_bytes_are_compared_or_refused_in_one_line(tmp_path, noise, prefix):
    """Random bytes as a dump (`jitarsa diff dist/jitarsa.nt random.nt`): a Diff or a
    DiffError, never another exception; the message is one line."""
    side = tmp_path / "random.nt"
    side.write_bytes(prefix + noise)
    try:
        diff(ROOT / "dist" / "jitarsa.nt", side)
    except DiffError as err:
        assert "\n" not in str(err) and "\r" not in str(err)


def test_an_overlong_line_is_refused_before_it_is_held(tmp_path, monkeypatch):
    """A literal of more than MAX_LINE_BYTES on one line: exit 2 naming the line."""
    import jitarsa.releases.diff as module

    long = tmp_path / "long.nt"
    with long.open("wb") as handle:
        handle.write(b'<http://x.test/a> <http://x.test/p> "')
        handle.write(b"a" * (module.MAX_LINE_BYTES + 10) + b'" .\n')
    result = run("diff", str(ROOT / "dist" / "jitarsa.nt"), str(long))
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {long}: line 1 is longer than 1 MiB: not N-Triples jitarsa compares\n"
    )
    monkeypatch.setattr(module, "MAX_UNSORTED_BYTES", 100)
    unsorted = tmp_path / "unsorted.nt"
    unsorted.write_bytes(b"<http://x.test/b> <http://x.test/p> <http://x.test/o> .\n" * 2)
    unsorted.write_bytes(unsorted.read_bytes() + b"<http://x.test/a> <http://x.test/p> 1 .\n")
    result = run("diff", str(ROOT / "dist" / "jitarsa.nt"), str(unsorted))
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {unsorted}: is not sorted and larger than")


@pytest.mark.slow
def test_a_200_mb_one_line_literal_is_one_line(tmp_path):
    """The probe of issue 24 as it was: a 200 MB literal on one line (a MemoryError before)."""
    big = tmp_path / "big.nt"
    with big.open("wb") as handle:
        handle.write(b'<http://x.test/a> <http://x.test/p> "')
        for _ in range(200):
            handle.write(b"x" * (1 << 20))
        handle.write(b'" .\n')
    result = run("diff", str(ROOT / "dist"), str(big))
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "line 1 is longer than 1 MiB" in result.output
