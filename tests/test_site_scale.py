"""The website at registry scale: pagination, the same bytes in one process or two, progress,
and pages rendered on request by `jitarsa serve`.

The pagination test in a real browser is in test_site_browser.py; timings in
benchmarks/scale.py.
"""

from __future__ import annotations

import http.client
import io
import re
import threading
from pathlib import Path

import pytest

from jitarsa._util.background import can_fork
from jitarsa._util.progress import Progress
from jitarsa.publish.build import build, render
from jitarsa.publish.site import PAGE_SIZE, Page, Site, page_path, render_site
from jitarsa.rdf.graph import triples
from jitarsa.records.load import load_dataset
from jitarsa.records.synth import synthesize

NETWORK = "org/synthetic-network"


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """1,200 organisations: about a hundred network members, two pages of the network's."""
    return synthesize(1200, tmp_path_factory.mktemp("synth") / "data", seed=3, per_file=200)


@pytest.fixture(scope="module")
def built_site(synthetic, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built") / "out"
    build(synthetic, out)
    return out / "site"


def test_page_paths_and_slices():
    assert page_path("", 1) == "index.html"
    assert page_path("", 3) == "page/3/index.html"
    assert page_path("org/x", 1) == "org/x/index.html"
    assert page_path("org/x", 2) == "org/x/page/2/index.html"
    page = Page.numbered("org/x", 2, 3, 10)
    assert page.path == "org/x/page/2/index.html" and page.suffix == "/page/2"
    assert page.part(list(range(25))) == list(range(10, 20)) and page.offset == 10
    assert page.sibling(1) == "../../../../org/x/index.html"
    assert page.sibling(3) == "../../../../org/x/page/3/index.html"


@pytest.mark.slow
def test_a_long_list_continues_on_linked_pages_and_the_files_hold_it_whole(built_site):
    ntriples = (built_site / NETWORK / "index.nt").read_bytes()
    members = ntriples.count(b" <http://schema.org/member> ")
    statements = ntriples.count(b"\n")
    assert members > PAGE_SIZE // 2 and statements > PAGE_SIZE  # the list needs two pages
    count = -(-statements // PAGE_SIZE)
    pages = [(built_site / page_path(NETWORK, n)).read_text("utf-8") for n in range(1, count + 1)]
    assert not (built_site / page_path(NETWORK, count + 1)).exists()
    assert not (built_site / NETWORK / "page" / "1").exists()
    for n, html in enumerate(pages, start=1):
        assert f"{n} / {count}" in html
        assert ('rel="prev"' in html) == (n > 1) and ('rel="next"' in html) == (n < count)
        assert ('<script type="application/ld+json">' in html) == (n == 1)  # described once
        assert html.count('href="../../index.ttl"') == (0 if n == 1 else 2)
        canonical = re.search(r'<link rel="canonical" href="([^"]+)">', html)
        assert canonical and canonical[1].endswith(NETWORK + ("/" if n == 1 else f"/page/{n}/"))
        rows = html.count('<th scope="row">')
        assert rows == min(PAGE_SIZE, statements - (n - 1) * PAGE_SIZE)
    assert pages[1].count(f'rel="prev" href="../../../../{NETWORK}/index.html"') == 2
    linked = [m for html in pages for m in re.findall(r'<li value="(\d+)">', html)]
    assert sorted(map(int, linked)) == list(range(1, members + 1))


def test_the_default_network_fits_on_one_page(built):
    site = {name[5:]: data for name, data in built.files.items() if name.startswith("site/")}
    assert not [name for name in site if "/page/" in name or name.startswith("page/")]
    assert not [name for name, data in site.items() if b'class="pager"' in data]


@pytest.mark.slow
def test_site_bytes_do_not_depend_on_the_number_of_processes(synthetic, tmp_path, monkeypatch):
    assert can_fork(), "this machine cannot fork: the comparison would compare one process"
    build(synthetic, tmp_path / "two")
    monkeypatch.setenv("JITARSA_PROCESSES", "1")
    build(synthetic, tmp_path / "one")
    two, one = tree(tmp_path / "two"), tree(tmp_path / "one")
    assert two == one and len([n for n in two if n.endswith(".html")]) > 1200
    dataset = load_dataset(synthetic)
    graph = triples(dataset)
    files = render(dataset, graph, site=False)
    assert render_site(dataset, graph, files) == {
        name[5:]: data for name, data in two.items() if name.startswith("site/")
    }


@pytest.mark.slow
def test_a_site_process_that_dies_is_one_line_and_leaves_the_output(
    synthetic, tmp_path, monkeypatch
):
    import os

    from click.testing import CliRunner

    from jitarsa.cli import cli

    assert can_fork()
    out = tmp_path / "out"
    build(synthetic, out, site=False)
    before = tree(out)
    monkeypatch.setattr("jitarsa.publish.site._write_batches", lambda *args: os._exit(9))
    result = CliRunner().invoke(cli, ["build", "-q", "--data", str(synthetic), "--out", str(out)])
    assert result.exit_code == 4, result.output
    assert "the second process writing the site stopped" in result.output
    assert "JITARSA_PROCESSES=1" in result.output and "Traceback" not in result.output
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.slow
def test_the_site_is_a_progress_stage(synthetic, tmp_path):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    build(synthetic, tmp_path / "out", progress=Progress(stream=stream))
    lines = [line.rsplit("\r\x1b[K", 1)[-1] for line in stream.getvalue().split("\n") if line]
    site = [line for line in lines if line.startswith("site ")]
    records = len(load_dataset(synthetic).records)
    assert len(site) == 1 and f"100% {records:,}/{records:,} records" in site[0]


def test_page_at_names_only_the_pages_the_site_has(synthetic):
    dataset = load_dataset(synthetic)
    site = Site(dataset, triples(dataset), {})
    assert site.page_at(NETWORK) == site.page_at(NETWORK + "/index.html") is not None
    assert site.page_at(NETWORK + "/page/2/") is not None
    for missing in ("page/1", "page/01", "page/x", "page/0", "page/999", "x/page/2"):
        assert site.page_at(f"{NETWORK}/{missing}") is None, missing
    assert site.page_at("org/no-such-org") is None and site.page_at("") is None


@pytest.mark.slow
@pytest.mark.network_service
def test_serve_renders_a_missing_page_with_the_static_sites_bytes(synthetic, built_site):
    from jitarsa.sparql.server import make_server

    server = make_server(port=0, workers=1, data_dir=str(synthetic))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]

    def get(path: str, accept: str = "text/html") -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", path, headers={"Accept": accept})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    try:
        pages = sorted(p for p in tree(built_site) if p.endswith("index.html"))
        entity = [p for p in pages if p.startswith(("org/", "place/"))]
        sample = entity[::40] + [p for p in entity if p.startswith(NETWORK)]
        assert any("/page/" in p for p in sample) and len(sample) > 30
        for path in sample:
            folder = path.removesuffix("/index.html")
            want = (built_site / path).read_bytes()
            for url in (f"/{folder}/", f"/{path}"):
                assert get(url) == (200, want), url
            # At the IRI itself a browser is sent on to the folder, where links resolve.
            assert get(f"/{folder}")[0] == 303
        assert get("/org/no-such-org", "text/turtle")[0] == 404
        assert get("/org/no-such-org")[0] == 406  # no page to offer, only RDF
        assert get(f"/{NETWORK}/page/1/")[0] == 404
    finally:
        server.shutdown()
        server.server_close()
        server.pool.close()
