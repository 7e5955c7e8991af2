"""The website in a real browser: Debian's headless Chromium, driven by Playwright.

The site is served on 127.0.0.1 by a static server in a thread; every request to anywhere else
is refused and counted as a failure. Screenshots go to test-artifacts/. Playwright never
downloads a browser here: it is pointed at Debian's chromium on PATH (.ci/run installs it).
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from conftest import ROOT, require_program

from jitarsa.publish.build import build_files, write_atomic

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
INJECTED = "<script>alert(1)</script><b>x</b>"
TIMEOUT_MS = 15_000

pytestmark = pytest.mark.browser


def write_site(files: dict[str, bytes], folder: Path) -> Path:
    site = {name[5:]: data for name, data in files.items() if name.startswith("site/")}
    return write_atomic(folder, site)


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site_dir(built, tmp_path_factory) -> Path:
    return write_site(built.files, tmp_path_factory.mktemp("served") / "site")


def serve(folder: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@contextlib.contextmanager
def browsing(browser, data: Path, folder: Path):
    """The site of a data folder, built into FOLDER and served: a watched page and its URL."""
    server, url = serve(write_site(build_files(data).files, folder))
    w = Watched(browser, url)
    try:
        yield w, url
    finally:
        w.close()
        server.shutdown()
        server.server_close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def origin(site_dir):
    server, url = serve(site_dir)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    chromium_path = require_program("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page that records console errors, page errors, failed and outside requests."""

    def __init__(self, browser, origin: str | None, javascript: bool = True):
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, java_script_enabled=javascript
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        page = self.page
        page.on(
            "console",
            lambda m: (
                m.type in ("error", "warning")
                and self.problems.append(f"console {m.type}: {m.text}")
            ),
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"),
        )
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

        def guard(route):
            url = route.request.url
            if (origin and url.startswith(origin)) or url.startswith(("file:", "data:")):
                route.continue_()
            else:
                self.problems.append(f"outside request: {url}")
                route.abort()

        self.context.route("**/*", guard)

    def close(self):
        self.context.close()


@pytest.fixture
def watched(browser, origin):
    w = Watched(browser, origin)
    yield w
    w.close()


def visible_rows(page) -> list[str]:
    return page.eval_on_selector_all(
        "#member-table tbody tr",
        "rows => rows.filter(r => !r.hidden && r.offsetParent)"
        ".map(r => r.textContent.replace(/\\s+/g, ' ').trim())",
    )


def test_home_page_lists_40_members_and_a_thai_word_filters_them(watched, origin, built):
    page = watched.page
    page.goto(origin + "index.html")
    assert page.locator("#member-table tbody tr").count() == 40
    assert len(visible_rows(page)) == 40
    assert page.locator("#filter").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(
        path=str(ARTIFACTS / "home.png"),
        full_page=True,
        clip={"x": 0, "y": 0, "width": 1280, "height": 1400},
    )
    page.fill("#filter", "มูลนิธิ")
    rows = visible_rows(page)
    expected = [
        m
        for m in built.dataset.members
        if "มูลนิธิ"
        in " ".join(
            [
                m.name.get("th", ""),
                *built.dataset.kinds[m.kind].label.values(),
                *(built.dataset.get(m.parent).name.values() if m.parent else []),
            ]
        )
    ]
    assert 0 < len(rows) == len(expected) < 40
    assert all("มูลนิธิ" in row for row in rows)
    assert page.locator("#filter-count").inner_text() == f"{len(expected)} / 40"
    page.fill("#filter", "")
    assert len(visible_rows(page)) == 40
    assert watched.problems == []


def test_member_table_sorts_by_a_column(watched, origin, built):
    page = watched.page
    page.goto(origin + "index.html")
    page.click("#member-table thead th:nth-child(3) button")
    english = page.eval_on_selector_all(
        "#member-table tbody tr td:nth-of-type(2)", "cells => cells.map(c => c.textContent.trim())"
    )
    # Each English name is followed by its basis in brackets; every member has one (issue 28).
    names = [cell.split(" (", 1)[0] for cell in english]
    assert "" not in names
    # Thai collation (the page's language) ignores case, spaces and punctuation at first.
    assert names == sorted(names, key=lambda s: [c for c in s.casefold() if c.isalnum()])
    assert len(english) == 40 and names[0] == "ActionAid Thailand"
    assert page.get_attribute("#member-table thead th:nth-child(3)", "aria-sort") == "ascending"
    page.click("#member-table thead th:nth-child(1) button")
    page.click("#member-table thead th:nth-child(1) button")
    numbers = page.eval_on_selector_all(
        "#member-table tbody tr td:first-child", "cells => cells.map(c => Number(c.textContent))"
    )
    assert numbers == list(range(40, 0, -1))
    assert watched.problems == []


def test_every_page_loads_cleanly_shows_its_thai_name_and_valid_json_ld(
    watched, origin, built, site_dir
):
    from pyld import jsonld
    from pyoxigraph import RdfFormat, parse

    def refuse(url, options=None):
        raise AssertionError(f"JSON-LD tried to load {url}")

    published = set(parse(built.files["jitarsa.nt"], format=RdfFormat.N_TRIPLES))
    page = watched.page
    for record in built.dataset.records:
        folder = "place" if record.kind == "country" else "org"
        page.goto(f"{origin}{folder}/{record.id}/index.html")
        lang = "th" if "th" in record.name else "en"  # a Latin-script name only: English
        assert page.locator(f"h1 [lang={lang}]").inner_text() == record.name[lang], record.id
        scripts = page.eval_on_selector_all(
            'script[type="application/ld+json"]', "s => s.map(e => e.textContent)"
        )
        assert len(scripts) == 1, record.id
        nquads = jsonld.to_rdf(
            json.loads(scripts[0]), {"format": "application/n-quads", "documentLoader": refuse}
        )
        found = set(parse(nquads.encode(), format=RdfFormat.N_QUADS))
        found = {(q.subject, q.predicate, q.object) for q in found}
        assert found and found <= {(t.subject, t.predicate, t.object) for t in published}
        if record.id == "thai-fund-foundation":
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "member.png"), full_page=True)
    for other in ("ontology/index.html", "queries/index.html"):
        page.goto(origin + other)
        assert page.locator("h1").is_visible()
    assert watched.problems == []


def test_every_internal_link_on_every_page_resolves(watched, origin, site_dir):
    page = watched.page
    checked = set()
    for html in sorted(site_dir.rglob("*.html")):
        page.goto(origin + html.relative_to(site_dir).as_posix())
        for href in page.eval_on_selector_all(
            "a[href], link[href], script[src]", "els => els.map(e => e.href || e.src)"
        ):
            if not href.startswith(origin):
                continue
            parts = urlsplit(href)
            target = site_dir / unquote(parts.path.removeprefix(urlsplit(origin).path))
            assert target.is_file(), (html, href)
            checked.add(href)
    assert len(checked) > 150
    assert watched.problems == []


def test_language_switch_and_keyboard(watched, origin):
    page = watched.page
    page.goto(origin + "index.html")
    thai_label = page.locator("#about .t[lang=th]")
    english_label = page.locator("#about .t[lang=en]")
    assert thai_label.is_visible() and english_label.is_visible()
    page.click(".switch button[data-show=en]")
    assert not thai_label.is_visible() and english_label.is_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    page.reload()  # the choice is remembered
    assert not page.locator("#about .t[lang=th]").is_visible()
    page.click(".switch button[data-show=both]")
    page.reload()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    assert watched.problems == []


def test_without_javascript_the_whole_table_and_both_languages_show(browser, origin):
    w = Watched(browser, origin, javascript=False)
    try:
        page = w.page
        page.goto(origin + "index.html")
        assert len(visible_rows(page)) == 40
        assert not page.locator(".filter").is_visible()
        assert not page.locator(".switch").is_visible()
        assert page.locator("#about .t[lang=th]").is_visible()
        assert page.locator("#about .t[lang=en]").is_visible()
        assert w.problems == []
    finally:
        w.close()


def test_pages_fit_a_phone_screen(watched, origin):
    page = watched.page
    page.set_viewport_size({"width": 390, "height": 844})
    for target in (
        "index.html",
        "org/sodsri-saridwongse-foundation/index.html",
        "ontology/index.html",
        "queries/index.html",
    ):
        page.goto(origin + target)
        assert page.evaluate("document.documentElement.scrollWidth") == 390, target
    assert watched.problems == []


def test_print_stylesheet_hides_navigation(watched, origin):
    page = watched.page
    page.goto(origin + "org/mirror-foundation/index.html")
    assert page.locator("header.top nav").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.top nav").is_visible()
    assert page.locator("h1").is_visible()


def test_the_site_works_opened_from_disk(browser, site_dir):
    w = Watched(browser, None)
    try:
        page = w.page
        page.goto((site_dir / "index.html").as_uri())
        assert page.evaluate("getComputedStyle(document.body).maxWidth") == "1152px"  # CSS
        page.fill("#filter", "โครงการ")  # the script runs
        assert 0 < len(visible_rows(page)) < 40
        page.click("#member-table tbody tr:not([hidden]) th a >> nth=0")
        assert page.url.endswith("/index.html") and "/org/" in page.url
        assert page.locator("h1 [lang=th]").is_visible()
        assert w.problems == []
    finally:
        w.close()


def test_an_injected_name_appears_as_text(browser, data_dir, tmp_path):
    path = data_dir / "organisations" / "mirror-foundation.yaml"
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record["name"]["th"] = INJECTED
    path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    with browsing(browser, data_dir, tmp_path / "site") as (w, url):
        for target in ("org/mirror-foundation/index.html", "index.html"):
            w.page.goto(url + target)
            assert w.page.locator("b", has_text="x").count() == 0
            assert w.page.get_by_text(INJECTED, exact=True).count() >= 1
        assert w.page.locator("h1 [lang=th]").count() == 1
        assert w.dialogs == [] and w.problems == []


def test_a_paginated_network_links_every_member_exactly_once(browser, tmp_path):
    """1,000 synthetic organisations, 25 entries a page: following rel=next from the home page
    and from the network's own page reaches every member once."""
    from jitarsa.publish.build import render
    from jitarsa.publish.site import render_site
    from jitarsa.rdf.graph import triples
    from jitarsa.records.load import load_dataset
    from jitarsa.records.synth import synthesize

    dataset = load_dataset(synthesize(1000, tmp_path / "data", seed=11))
    graph = triples(dataset)
    site = render_site(dataset, graph, render(dataset, graph, site=False), page_size=25)
    folder = write_atomic(tmp_path / "site", site)
    members = {f"org/{r.id}/index.html" for r in dataset.members}
    assert len(members) > 50
    server, url = serve(folder)
    w = Watched(browser, url)
    try:
        for first, links in (
            ("index.html", "#member-table tbody th a"),
            (
                "org/synthetic-network/index.html",
                "section[aria-labelledby=members] li > a:first-child",
            ),
        ):
            found: list[str] = []
            pages = 0
            w.page.goto(url + first)
            while True:
                pages += 1
                hrefs = w.page.eval_on_selector_all(links, "els => els.map(e => e.href)")
                # The network's own page continues while its statements do, after its members.
                assert len(hrefs) <= 25 and (hrefs or first != "index.html")
                found += [h.removeprefix(url) for h in hrefs]
                if pages == 2:  # a list's page 2 is a page type of its own
                    assert axe_violations(w.page) == []
                following = w.page.locator("link[rel=next]")
                if not following.count():
                    break
                w.page.goto(w.page.evaluate("document.querySelector('link[rel=next]').href"))
                assert w.page.locator("a[rel=prev]").count() == 1
            assert pages == -(-len(members) // 25) or first != "index.html"
            assert sorted(found) == sorted(members) and len(found) == len(set(found)), first
        assert w.problems == []
    finally:
        w.close()
        server.shutdown()
        server.server_close()


def iri_path(page: str) -> str:
    """The URL path of a page's IRI, as a link from elsewhere names it: no `index.html`, no
    trailing slash (`org/x/index.html` is `/org/x`, `index.html` is `/`)."""
    return "/" + page.removesuffix("index.html").rstrip("/")


@contextlib.contextmanager
def serving_with_jitarsa(site: Path):
    from jitarsa.sparql.server import make_server

    server = make_server(port=0, workers=1, site=site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        server.pool.close()


@contextlib.contextmanager
def serving_with(name: str, site: Path, prefix: str = "/"):
    """The site served by `jitarsa serve` or by nginx or Apache with docs/site.md's rules: the
    URL of its root."""
    if name == "serve":
        with serving_with_jitarsa(site) as port:
            yield f"http://127.0.0.1:{port}/"
        return
    from test_site_servers import apache_serving, nginx_serving, readable_copy

    with readable_copy(site) as root:
        if name == "nginx":
            with nginx_serving(root) as port:
                yield f"http://127.0.0.1:{port}/"
        else:
            with apache_serving(root, prefix) as port:
                yield f"http://127.0.0.1:{port}{prefix}"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("server", "prefix"),
    [("serve", "/"), ("nginx", "/"), ("apache", "/"), ("apache", "/registry/jitarsa/")],
    ids=["serve", "nginx", "apache", "apache-prefix"],
)
def test_every_link_resolves_on_every_page_opened_at_its_iri(browser, site_dir, server, prefix):
    """Each page opened at its IRI, without a trailing slash (as links from elsewhere and the
    dumps name it), on `jitarsa serve` and on the documented nginx and Apache rules (one under
    a path prefix): every href and src on it is fetched, and none is broken."""
    with serving_with(server, site_dir, prefix) as root:
        w = Watched(browser, "http://127.0.0.1:")
        try:
            page, fetched, broken = w.page, {}, []
            pages = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html"))
            for name in pages:
                url = root + iri_path(name).lstrip("/")
                page.goto(url)
                assert page.locator("h1").count() == 1, url
                links = page.eval_on_selector_all(
                    "a[href], link[href], script[src], img[src]",
                    "els => els.map(e => e.href || e.src)",
                )
                for href in links:
                    target = href.partition("#")[0]
                    if not target.startswith(root) or target in fetched:
                        continue
                    fetched[target] = page.request.get(target).status
                    if fetched[target] != 200:
                        broken.append((url, href, fetched[target]))
            assert broken == []
            assert len(pages) >= 50 and len(fetched) > 200
            assert w.problems == []
        finally:
            w.close()


AXE = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
#: One page of each type: the home page, an organisation, a place, the ontology and data
#: dictionary, the example queries.
PAGE_TYPES = (
    "index.html",
    "org/mirror-foundation/index.html",
    "place/thailand/index.html",
    "ontology/index.html",
    "queries/index.html",
)


def axe_violations(page, levels=("serious", "critical")) -> list[str]:
    """axe-core's violations of the page at these impact levels, one line each."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: npm ci --prefix tests/js (.ci/run does this)")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {node['target']}"
        for v in found["violations"]
        if v["impact"] in levels
        for node in v["nodes"]
    ]


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
@pytest.mark.parametrize("path", PAGE_TYPES)
def test_axe_core_finds_nothing_serious_on_each_page_type(watched, origin, path, width):
    """axe-core (tests/js/package.json) over one page of each type, as served, on a desktop
    and a phone screen (where wide tables scroll): no serious or critical violation (such as
    a scrollable region that a keyboard cannot reach)."""
    watched.page.set_viewport_size({"width": width, "height": 900})
    watched.page.goto(origin + path)
    assert axe_violations(watched.page) == []
    assert watched.problems == []


def test_axe_core_finds_nothing_serious_on_the_release_pages(browser, data_dir, tmp_path):
    """The "what changed" pages of a released site (test_release's four changes)."""
    from test_release import _record_release, change

    from jitarsa.releases.diff import describe, diff

    changed = change(data_dir)
    found = diff(ROOT / "data", changed)
    changes = [{**c.json(), "description": describe(c)} for c in found.changes]
    _record_release(changed, "1.0.0", "2026-11-26", None)
    _record_release(changed, "2.0.0", "2026-12-03", "1.0.0", changes)
    with browsing(browser, changed, tmp_path / "site") as (w, url):
        for path in ("releases/index.html", "releases/2.0.0/index.html"):
            w.page.goto(url + path)
            assert w.page.locator("h1").count() == 1
            assert axe_violations(w.page) == [], path
        assert w.problems == []
