"""`jitarsa query` and `jitarsa.query`: catalogue, sources, --param, W3C results formats."""

import csv
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyoxigraph import Literal, NamedNode
from wcwidth import wcswidth

import jitarsa
from jitarsa.cli import cli
from jitarsa.namespaces import XSD
from jitarsa.sparql.catalogue import catalogue
from jitarsa.sparql.execute import execute, open_store, python_value
from jitarsa.sparql.params import parse_param, parse_term

BASE = "https://w3id.org/jitarsa/org/"
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"


def run(*args):
    return CliRunner().invoke(cli, ["query", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def store():
    return open_store()


# --- The catalogue ------------------------------------------------------------------------


def test_list_shows_every_catalogue_query_with_its_description():
    result = run("--list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == [
        "curation-gaps",
        "member-count",
        "members-in-both",
        "members-only-website",
        "members",
        "organisation",
        "sub-organisations",
        "summary",
    ]
    assert f"{'member-count':20}  How many members the network has." in lines


def test_every_catalogue_query_is_named_after_its_file_and_described():
    from jitarsa.resources import queries_dir

    entries = catalogue()
    assert {p.stem for p in queries_dir().glob("*.rq")} == set(entries)
    for entry in entries.values():
        assert entry.description.endswith("."), entry.name
    assert entries["organisation"].params[0].startswith("id ")


def test_member_count_is_40():
    assert jitarsa.query("member-count") == [{"members": 40}]
    result = run("member-count", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout_bytes == b"members\r\n40\r\n"


def test_members_in_the_source_order_with_both_names(entries):
    rows = jitarsa.query("members")
    assert [r["position"] for r in rows] == list(range(1, 29)) + [None] * 12
    assert rows[2] == {
        "position": 3,
        "org": BASE + "mirror-foundation",
        "th": "มูลนิธิกระจกเงา",
        "en": "The Mirror Foundation",
    }
    assert all(r["en"] for r in rows[:28]) and all(r["th"] or r["en"] for r in rows)


def test_sub_organisations_name_their_parent():
    rows = jitarsa.query("sub-organisations")
    pairs = {(r["parent"].removeprefix(BASE), r["org"].removeprefix(BASE)) for r in rows}
    assert ("thai-fund-foundation", "thai-fund-foundation-giving-project") in pairs
    assert ("sodsri-saridwongse-foundation", "mind-development-for-health-programme") in pairs
    assert len(rows) == 3


def test_curation_gaps_match_the_records(built):
    rows = jitarsa.query("curation-gaps")
    members = built.dataset.members
    expected = (
        {(m.id, "URL") for m in members if not m.url}
        | {(m.id, "Wikidata") for m in members if not m.wikidata}
        | {(m.id, "English name") for m in members if "en" not in m.name}
    )
    assert {(r["org"].removeprefix(BASE), r["missing"]) for r in rows} == expected
    assert expected  # the dataset does have gaps to show


def test_organisation_by_id_in_full():
    result = run("organisation", "--param", "id=mirror-foundation", "--format", "nt")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert all(line.startswith(f"<{BASE}mirror-foundation> ") for line in lines)
    assert (
        f'<{BASE}mirror-foundation> <http://schema.org/name> "The Mirror Foundation"@en .' in lines
    )
    assert len(lines) == 16


def test_summary():
    assert jitarsa.query("summary") == [
        {
            "network": BASE + "volunteer-spirit-network",
            "th": "เครือข่ายจิตอาสา",
            "en": "Volunteer Spirit Network",
            "founded": None,
            "members": 40,
            "subOrganisations": 3,
        }
    ]


def test_a_query_file(tmp_path):
    path = tmp_path / "q.rq"
    path.write_text('# a comment\nASK { ?o schema:name "มูลนิธิกระจกเงา"@th }', "utf-8")
    assert run(str(path)).exit_code == 0
    assert jitarsa.query(str(path)) is True


def test_an_unknown_name_or_missing_file_is_a_usage_error(tmp_path):
    result = run("no-such-query")
    assert result.exit_code == 2
    assert result.output.startswith("Error: no query named 'no-such-query' in the catalogue")
    result = run(str(tmp_path / "missing.rq"))
    assert result.exit_code == 2
    assert (
        result.output == f"Error: {tmp_path / 'missing.rq'}: cannot read the query "
        "(No such file or directory)\n"
    )


# --- Exit codes ---------------------------------------------------------------------------


def test_ask_sets_the_exit_code():
    yes = run('ASK { ?o schema:name "The Mirror Foundation"@en }', "--format", "table")
    no = run('ASK { ?o schema:name "No Such Foundation"@en }', "--format", "table")
    assert (yes.exit_code, yes.output) == (0, "true\n")
    assert (no.exit_code, no.output) == (1, "false\n")


def test_an_ask_answer_piped_as_tsv_is_one_line():
    result = run('ASK { ?o schema:name "The Mirror Foundation"@en }', "--format", "tsv")
    assert (result.exit_code, result.output) == (0, "true\n")


def test_a_bad_query_names_line_and_column():
    result = run("SELECT * WHERE {\n  ?s ?p\n}")
    assert result.exit_code == 2
    assert result.output.startswith("Error: bad query: error at 3:2: expected")
    assert "Traceback" not in result.output


def test_a_wrong_format_for_the_query_form_is_a_usage_error():
    result = run("member-count", "--format", "ttl")
    assert result.exit_code == 2
    assert "use --format table|csv|tsv|json|xml" in result.output
    result = run("organisation", "--param", "id=ofc-club", "--format", "csv")
    assert result.exit_code == 2
    assert "use --format ttl|nt|jsonld|rdf" in result.output
    result = run("members", "--format", "yaml")
    assert (result.exit_code, result.output) == (
        2,
        "Error: unknown --format 'yaml'; choose one of table|csv|tsv|json|xml|ttl|nt|jsonld|rdf\n",
    )


def test_one_source_at_a_time(tmp_path):
    dump = tmp_path / "x.nt"
    dump.write_text("", "utf-8")
    result = run("members", "--dump", str(dump), "--endpoint", "http://127.0.0.1:1/sparql")
    assert (result.exit_code, result.output) == (
        2,
        "Error: choose one of --data, --dump and --endpoint\n",
    )


# --- Sources ------------------------------------------------------------------------------


def test_data_folder_is_built_in_memory(data_dir):
    (data_dir / "organisations" / "mirror-foundation.yaml").unlink()
    assert jitarsa.query("member-count", data_dir=data_dir) == [{"members": 39}] or pytest.fail(
        "the edited data folder was not used"
    )


def test_any_rdf_file(tmp_path):
    dump = tmp_path / "g.ttl"
    dump.write_text(
        '@prefix schema: <http://schema.org/> .\n<http://example.org/a> schema:name "ก"@th .\n',
        "utf-8",
    )
    result = run("SELECT ?n WHERE { ?s schema:name ?n }", "--dump", str(dump), "--format", "tsv")
    assert (result.exit_code, result.output) == (0, '?n\n"ก"@th\n')
    bad = tmp_path / "bad.nt"
    bad.write_text("<a> <b> .\n", "utf-8")
    result = run("member-count", "--dump", str(bad))
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {bad}: not valid RDF: ")


# --- Results formats, read back by independent parsers ------------------------------------

QUERY = (
    "SELECT ?org ?th ?position WHERE { ?org schema:name ?th ; jitarsa:sourcePosition "
    "?position FILTER (LANG(?th) = 'th' && ?position <= 3) } ORDER BY ?position"
)


def _formatted(fmt):
    result = run(QUERY, "--format", fmt)
    assert result.exit_code == 0
    return result.stdout_bytes


def test_json_results():
    data = json.loads(_formatted("json"))
    assert data["head"]["vars"] == ["org", "th", "position"]
    first = data["results"]["bindings"][0]
    assert first["th"] == {
        "type": "literal",
        "value": "ศูนย์ส่งเสริมการให้และการอาสาช่วยเหลือสังคม",
        "xml:lang": "th",
    }
    assert first["position"]["datatype"] == XSD + "integer"


def test_xml_results():
    root = ET.fromstring(_formatted("xml"))
    names = [v.get("name") for v in root.iter(RESULTS_NS + "variable")]
    assert names == ["org", "th", "position"]
    uris = [u.text for u in root.iter(RESULTS_NS + "uri")]
    assert uris == [
        BASE + "centre-for-giving-and-volunteering",
        BASE + "volunteers-for-society-foundation",
        BASE + "mirror-foundation",
    ]


def test_csv_and_tsv_results():
    rows = list(csv.reader(io.StringIO(_formatted("csv").decode("utf-8"))))
    assert rows[0] == ["org", "th", "position"]
    assert rows[3] == [BASE + "mirror-foundation", "มูลนิธิกระจกเงา", "3"]
    tsv = _formatted("tsv").decode("utf-8").splitlines()
    assert tsv[0] == "?org\t?th\t?position"
    assert tsv[3] == f'<{BASE}mirror-foundation>\t"มูลนิธิกระจกเงา"@th\t3'


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_rdflib_reads_every_results_format(fmt):
    from rdflib.query import Result

    parsed = Result.parse(io.BytesIO(_formatted(fmt)), format=fmt)
    assert [str(v) for v in parsed.vars] == ["org", "th", "position"]
    assert [str(row[0]) for row in parsed] == [
        BASE + "centre-for-giving-and-volunteering",
        BASE + "volunteers-for-society-foundation",
        BASE + "mirror-foundation",
    ]


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
def test_graph_formats_read_back(fmt):
    import pyoxigraph

    result = run("organisation", "--param", "id=mirror-foundation", "--format", fmt)
    assert result.exit_code == 0
    media = {"ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json"}[
        fmt
    ]
    quads = list(
        pyoxigraph.parse(result.stdout_bytes, format=pyoxigraph.RdfFormat.from_media_type(media))
    )
    assert len(quads) == 16
    assert {q.subject.value for q in quads} == {BASE + "mirror-foundation"}


def test_table_aligns_thai_by_display_width():
    result = run("members", "--format", "table")
    lines = result.output.splitlines()
    header, rule, rows = lines[0], lines[1], lines[2:-1]
    assert lines[-1] == "(40 rows)"
    starts = [i for i, ch in enumerate(rule) if ch == "─" and (i == 0 or rule[i - 1] == " ")]
    assert len(starts) == 4
    for line in [header] + rows[:28]:  # the article's members: each has both names
        # The English name starts at the same terminal column on every line, although the Thai
        # names before it hold different numbers of zero-width vowels and tone marks.
        en_start = line.rstrip().rfind("  ") + 2
        assert wcswidth(line[:en_start]) == starts[3], line
    assert "มูลนิธิกระจกเงา" in result.output


# --- --param: one RDF term, never text pasted into the query ------------------------------


@pytest.mark.parametrize(
    "value, term",
    [
        ('"text"@th', Literal("text", language="th")),
        ('"2005"^^xsd:gYear', Literal("2005", datatype=NamedNode(XSD + "gYear"))),
        (
            '"2005"^^<http://www.w3.org/2001/XMLSchema#gYear>',
            Literal("2005", datatype=NamedNode(XSD + "gYear")),
        ),
        ("<http://example.org/a>", NamedNode("http://example.org/a")),
        ("schema:NGO", NamedNode("http://schema.org/NGO")),
        ("42", Literal("42", datatype=NamedNode(XSD + "integer"))),
        ("-1.5", Literal("-1.5", datatype=NamedNode(XSD + "decimal"))),
        ("1e3", Literal("1e3", datatype=NamedNode(XSD + "double"))),
        ("true", Literal("true", datatype=NamedNode(XSD + "boolean"))),
        ('"a\\"b\\n"', Literal('a"b\n')),
        ("mirror-foundation", Literal("mirror-foundation")),
        ('x"} ; DROP ALL ; {', Literal('x"} ; DROP ALL ; {')),
        ("<not an iri>", Literal("<not an iri>")),
        ("nope:x", Literal("nope:x")),
        ('"unterminated', Literal('"unterminated')),
        ('"bad\\q"', Literal('"bad\\q"')),
    ],
)
def test_param_values(value, term):
    assert parse_term(value) == term


def test_a_param_binds_an_unselected_variable():
    result = run("organisation", "--param", "id=ofc-club", "--format", "nt")
    assert {line.split()[0] for line in result.output.splitlines()} == {f"<{BASE}ofc-club>"}


def test_a_bad_param_is_a_usage_error():
    result = run("members", "--param", "no-equals-sign")
    assert result.exit_code == 2
    assert result.output == (
        "Error: --param 'no-equals-sign': write it as NAME=VALUE, e.g. id=mirror-foundation\n"
    )


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=150, deadline=None)
@given(value=TEXT)
def test_no_value_changes_the_query(store, value):
    """Whatever the value, the query counts the same triples and binds ?v to one term."""
    term = parse_term(value)
    rows = execute(
        "SELECT ?v (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?v", {"v": value}, store=store
    )
    rows = list(rows)
    assert len(rows) == 1
    assert rows[0]["n"].value == "1018"
    bound = rows[0]["v"]
    # Oxigraph keeps numbers by value ("00" is 0): the same term, up to its canonical form.
    assert bound == term or (
        bound.datatype == term.datatype and python_value(bound) == python_value(term)
    )


@settings(max_examples=150, deadline=None)
@given(
    value=TEXT.filter(lambda v: not v or v[0] not in "<\"'+-.0123456789"),
)
def test_text_that_is_not_a_term_is_a_plain_string(value):
    if value in ("true", "false") or ":" in value:
        return
    assert parse_term(value) == Literal(value)


@settings(max_examples=150, deadline=None)
@given(text=TEXT, lang=st.sampled_from([None, "th", "en", "en-GB"]))
def test_a_literal_written_as_a_term_round_trips(text, lang):
    term = Literal(text, language=lang) if lang else Literal(text)
    assert parse_term(str(term)) == term


@settings(max_examples=100, deadline=None)
@given(path=TEXT)
def test_an_iri_written_as_a_term_round_trips(path):
    try:
        iri = NamedNode("http://example.org/" + path)
    except ValueError:
        assume(False)
    assert parse_term(str(iri)) == iri


# --- Start-up cost: the query command loads neither rdflib nor pySHACL --------------------


def test_query_does_not_import_rdflib_or_pyshacl():
    code = (
        "import sys; from jitarsa.cli import cli\n"
        "try:\n    cli(['query', 'member-count', '--format', 'csv'])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('rdflib', 'pyshacl', 'yaml', 'pyld') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines() == ["members", "40", "[]"]


def test_the_wheel_carries_the_dump_and_the_catalogue(tmp_path):
    """An installed jitarsa answers queries with no checkout and no build."""
    import zipfile

    from conftest import ROOT

    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        bundled = archive.read("jitarsa/_bundled/dist/jitarsa.nt")
    assert bundled == (ROOT / "dist" / "jitarsa.nt").read_bytes()
    assert "jitarsa/_bundled/dist/void.ttl" in names
    assert {f"jitarsa/sparql/queries/{name}.rq" for name in catalogue()} <= names


@settings(max_examples=150, deadline=None)
@given(name=st.text(st.characters(blacklist_characters="="), max_size=12), value=TEXT)
def test_any_param_argument_is_bound_or_refused_in_one_line(name, value):
    from jitarsa.errors import QueryError

    try:
        bound_name, term = parse_param(f"{name}={value}")
    except QueryError as err:
        assert "\n" not in str(err) and str(err).startswith("--param ")
        return
    assert bound_name == name.lstrip("?$")
    assert term == parse_term(value)
