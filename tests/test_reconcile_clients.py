"""The reconciliation service as its clients meet it: `jitarsa serve` on its defaults, the
PyPI client `reconciler` (a pandas column), OpenRefine's requests (form POST, JSONP GET, CORS),
and `jitarsa reconcile FILE.csv` on the command line."""

import csv
import http.client
import io
import json
import urllib.parse

import pytest
from click.testing import CliRunner
from conftest import serving

from jitarsa.cli import cli


@pytest.fixture(scope="module")
def server():
    """`jitarsa serve` on a free port, as a user starts it (default data, default options)."""
    with serving() as url:
        yield url.removesuffix("/sparql")


def fetch(root, method, path, body=None, headers=None):
    parts = urllib.parse.urlsplit(root)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def test_reconciler_reconciles_a_pandas_column(server):
    pandas = pytest.importorskip("pandas")
    from reconciler import reconcile

    column = pandas.Series(["มูลนิธิกระจกเงา", "UNV", "Mulnithi Krachok Ngao", "Raks Thai Foundation"])
    found = reconcile(column, reconciliation_endpoint=server + "/reconcile")
    best = {row.input_value: row for row in found.itertuples()}
    assert best["มูลนิธิกระจกเงา"].id == "org/mirror-foundation" and best["มูลนิธิกระจกเงา"].match
    assert best["UNV"].id == "org/united-nations-volunteers"
    assert best["Mulnithi Krachok Ngao"].id == "org/mirror-foundation"
    assert not best["Mulnithi Krachok Ngao"].match
    assert not best["Raks Thai Foundation"].match


def test_openrefine_form_post_and_jsonp_get(server):
    batch = json.dumps(
        {"q0": {"query": "มอส.", "type": "org:Organization", "type_strict": "should"}}
    )
    status, headers, body = fetch(
        server,
        "POST",
        "/reconcile",
        urllib.parse.urlencode({"queries": batch}),
        {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8", "Origin": "http://x"},
    )
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    assert json.loads(body)["q0"]["result"][0]["id"] == "org/volunteers-for-society-foundation"
    query = urllib.parse.urlencode({"callback": "jsonp1", "queries": batch})
    status, headers, body = fetch(server, "GET", "/reconcile?" + query)
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert body.startswith(b"/**/jsonp1({") and body.endswith(b");")
    status, headers, body = fetch(server, "GET", "/reconcile?callback=jsonp2")
    manifest = json.loads(body[len(b"/**/jsonp2(") : -2])
    port = urllib.parse.urlsplit(server).port
    assert manifest["preview"]["url"] == f"http://127.0.0.1:{port}/reconcile/preview?id={{{{id}}}}"


def test_cors_preflight_and_bad_input_over_http(server):
    status, headers, _ = fetch(
        server,
        "OPTIONS",
        "/reconcile",
        headers={"Origin": "http://x", "Access-Control-Request-Method": "POST"},
    )
    assert status == 204 and "POST" in headers["Access-Control-Allow-Methods"]
    status, headers, body = fetch(
        server,
        "POST",
        "/reconcile",
        "queries={",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 400 and json.loads(body) == {"error": "queries is not valid JSON"}
    assert headers["Access-Control-Allow-Origin"] == "*"
    status, _, body = fetch(server, "GET", "/reconcile/suggest/entity?prefix=%E0%B8%A1%E0%B8%B9")
    assert status == 200 and json.loads(body)["result"]


def test_the_command_line_writes_the_csv_back(tmp_path):
    table = tmp_path / "members.csv"
    table.write_text(
        "name,note\nมูลนิธิกระจกเงา,a\nThai Health Foundaton,b\nRaks Thai Foundation,\n,empty\n",
        "utf-8",
    )
    result = CliRunner().invoke(cli, ["reconcile", str(table), "--column", "name"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == [
        "name",
        "note",
        "jitarsa_id",
        "jitarsa_name",
        "jitarsa_score",
        "jitarsa_match",
    ]
    assert rows[1] == ["มูลนิธิกระจกเงา", "a", "org/mirror-foundation", "มูลนิธิกระจกเงา", "100", "true"]
    assert rows[2][2] == "org/thai-health-foundation"
    assert rows[3][5] == "false"
    assert rows[4] == ["", "empty", "", "", "", "false"]
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        cli,
        [
            "reconcile",
            str(table),
            "--column",
            "name",
            "--type",
            "schema:Country",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0 and result.stdout == ""
    typed = list(csv.reader(out.open(encoding="utf-8")))[1:]
    assert {r[2] for r in typed} <= {"", "place/thailand"}  # only the one country
    assert [r[5] for r in typed] == ["false"] * 4


@pytest.mark.parametrize(
    "args, message",
    [
        (["--column", "nom"], "has no column 'nom'; its columns are: name, note"),
        (["--column", "name", "--type", "Q5"], "unknown type 'Q5'; use one of:"),
    ],
)
def test_the_command_line_refuses_bad_input_in_one_line(tmp_path, args, message):
    table = tmp_path / "members.csv"
    table.write_text("name,note\nx,y\n", "utf-8")
    result = CliRunner().invoke(cli, ["reconcile", str(table), *args])
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_command_line_refuses_unreadable_files(tmp_path):
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\xff\xfe\x00name")
    for path in (binary, tmp_path / "missing.csv", tmp_path / "empty.csv"):
        if path.name == "empty.csv":
            path.write_text("", "utf-8")
        result = CliRunner().invoke(cli, ["reconcile", str(path), "--column", "name"])
        assert result.exit_code == 2 and result.stderr.startswith("Error: "), result.output


def test_a_request_waits_for_the_index_past_the_idle_timeout(tmp_path):
    """The index builds on a thread while the server already answers; a query that arrives
    meanwhile waits for it, longer than --idle-timeout (which bounds reading a request only)."""
    from jitarsa.records.synth import synthesize
    from jitarsa.sparql.execute import source_ntriples

    synthesize(5000, tmp_path / "data")
    ntriples, _, _ = source_ntriples(tmp_path / "data", None)
    (tmp_path / "synth.nt").write_bytes(ntriples)
    body = urllib.parse.urlencode({"queries": json.dumps({"q": {"query": "UNV"}})})
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with serving(
        "--idle-timeout", "0.1", "--workers", "1", "--dump", str(tmp_path / "synth.nt")
    ) as url:
        status, _, answer = fetch(url.removesuffix("/sparql"), "POST", "/reconcile", body, form)
    assert status == 200
    assert "result" in json.loads(answer)["q"]
