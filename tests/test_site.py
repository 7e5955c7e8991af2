"""The website as files: layout by IRI, escaping, languages, links, JSON-LD, no outside requests.

These checks read the rendered HTML with the standard library's parser; what needs a real
browser (scripts, rendering, requests) is in test_site_browser.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from jitarsa._util.output import MARKER
from jitarsa.cli import cli
from jitarsa.publish.build import build_files
from jitarsa.publish.site import script_json, year_text

THAI = re.compile("[\u0e00-\u0e7f]")
INJECTED = '<script>alert(1)</script><b>x</b> & "q"'


class Page(HTMLParser):
    """What the tests need from one page: links, ids, scripts, and the language of Thai text."""

    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.links: list[tuple[str, str, dict]] = []
        self.ids: set[str] = set()
        self.scripts: list[tuple[dict, str]] = []
        self.thai_outside_th: list[str] = []
        self.tags: list[str] = []
        self.th_scopes: list[str | None] = []
        self.texts: list[tuple[str, str | None]] = []
        self.root_lang = None
        self.feed(html)

    def lang(self) -> str | None:
        return next((lang for _, lang in reversed(self.stack) if lang), None)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "th":
            self.th_scopes.append(attrs.get("scope"))
        if tag == "html":
            self.root_lang = attrs.get("lang")
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for key in ("href", "src"):
            if key in attrs:
                self.links.append((tag, attrs[key], attrs))
        if tag not in self.VOID:
            self.stack.append((tag, attrs.get("lang")))
        if tag == "script":
            self.scripts.append((attrs, ""))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "script":
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
            return
        if data.strip():
            self.texts.append((data, self.lang()))
        first_letter = next((c for c in data if c.isalpha()), "")
        if THAI.match(first_letter) and self.lang() != "th":
            self.thai_outside_th.append(data.strip())

    def jsonld(self) -> list[dict]:
        return [
            json.loads(text)
            for attrs, text in self.scripts
            if attrs.get("type") == "application/ld+json"
        ]


@pytest.fixture(scope="module")
def site(built) -> dict[str, bytes]:
    return {name[5:]: data for name, data in built.files.items() if name.startswith("site/")}


@pytest.fixture(scope="module")
def pages(site) -> dict[str, Page]:
    return {
        name: Page(data.decode("utf-8")) for name, data in site.items() if name.endswith(".html")
    }


def graph_of(data: bytes, fmt: str = "application/n-triples") -> set:
    from pyoxigraph import RdfFormat, parse

    return set(parse(data, format=RdfFormat.from_media_type(fmt)))


def test_every_record_has_a_page_at_its_iri_path_with_its_own_triples(built, site):
    base = built.dataset.info.base
    published = graph_of(built.files["jitarsa.nt"])
    for record in built.dataset.records:
        folder = "place" if record.kind == "country" else "org"
        path = f"{folder}/{record.id}"
        assert f"{path}/index.html" in site, record.id
        own = {t for t in published if t.subject.value == f"{base}{path}"}
        assert own, record.id
        assert graph_of(site[f"{path}/index.nt"]) == own
        assert graph_of(site[f"{path}/index.ttl"], "text/turtle") == own
        assert graph_of(site[f"{path}/index.rdf"], "application/rdf+xml") == own


def test_the_entity_jsonld_file_expands_to_the_entitys_triples_offline(built, site):
    from pyld import jsonld

    def refuse(url, options=None):
        raise AssertionError(f"JSON-LD tried to load {url}")

    published = graph_of(built.files["jitarsa.nt"])
    for name in sorted(n for n in site if n.endswith("/index.jsonld")):
        document = json.loads(site[name])
        assert isinstance(document["@context"], dict), name
        nquads = jsonld.to_rdf(
            document, {"format": "application/n-quads", "documentLoader": refuse}
        )
        subject = built.dataset.info.base + name.removesuffix("/index.jsonld")
        assert graph_of(nquads.encode()) == {t for t in published if t.subject.value == subject}, (
            name
        )


def test_embedded_schema_org_jsonld_is_inline_and_all_in_the_published_graph(built, pages):
    from pyld import jsonld

    def refuse(url, options=None):
        raise AssertionError(f"JSON-LD tried to load {url}")

    published = graph_of(built.files["jitarsa.nt"])
    checked = 0
    for name, page in pages.items():
        for document in page.jsonld():
            assert document["@context"] == {"@vocab": "http://schema.org/"}, name
            nquads = jsonld.to_rdf(
                document, {"format": "application/n-quads", "documentLoader": refuse}
            )
            found = graph_of(nquads.encode())
            assert found and found <= published, (name, found - published)
            assert all("https://schema.org" not in t.predicate.value for t in found)
            checked += 1
    assert checked == len(built.dataset.records) + 1  # every entity page and the home page


def test_home_page_lists_the_40_members_in_source_order(built, site):
    html = site["index.html"].decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(
        r"<tr>\s*<td>(\d+)</td>\s*<th scope=\"row\" lang=\"(th|en)\"><a href=\"([^\"]+)\">"
        r"([^<]+)</a>",
        body,
    )
    assert [int(r[0]) for r in rows] == list(range(1, 41))
    for (_, lang, href, name), member in zip(rows, built.dataset.members, strict=True):
        assert href == f"org/{member.id}/index.html"
        assert name == member.name[lang] and lang == ("th" if "th" in member.name else "en")
    assert 'id="filter"' in html and 'class="filter" hidden' in html


def test_home_page_shows_each_english_names_basis_and_who_lists_each_member(built, site):
    html = site["index.html"].decode()
    rows = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    by_id = {re.search(r'href="org/([^/]+)/', row).group(1): row for row in rows}
    assert "the organisation&#39;s own name" in by_id["mirror-foundation"]
    assert "the organisation&#39;s own name" in by_id["actionaid"]
    assert "as a cited source writes it" in by_id["budpage"]
    assert "RTGS romanisation" in by_id["siam-kammajal-foundation"]
    assert "a curators&#39; translation, not an official name" in by_id["sor-so-volunteer-group"]
    listed = re.findall(r'<a href="([^"]+)">([^<]+)</a> (\d+)', by_id["mirror-foundation"])
    assert listed == [
        ("https://th.wikipedia.org/wiki?curid=26361", "th.wikipedia.org", "3"),
        ("https://www.volunteerspirit.org/about-vsn/", "volunteerspirit.org", "2"),
    ]


def test_each_member_is_listed_as_of_the_day_its_list_was_read(site):
    html = site["index.html"].decode()
    rows = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    row = next(r for r in rows if 'href="org/mirror-foundation/' in r)
    assert re.findall(r"</a> \d+ <small>\(.*?as of</span> (\d{4}-\d\d-\d\d)\)</small>", row) == [
        "2026-11-25",
        "2026-12-03",
    ]


def test_the_ended_bureau_and_its_successor_are_shown(site):
    bureau = site["org/red-cross-volunteer-bureau/index.html"].decode()
    ended = bureau.split("Ended</span></dt>", 1)[1].split("</dd>", 1)[0]
    assert "2022-06-02" in ended and "org/red-cross-youth-and-volunteer-bureau/" in ended
    successor = site["org/red-cross-youth-and-volunteer-bureau/index.html"].decode()
    before = successor.split("Successor of</span></dt>", 1)[1].split("</dd>", 1)[0]
    assert "org/red-cross-volunteer-bureau/" in before and "2022-06-02" in before
    assert "https://trcyvolunteer.redcross.or.th/?page_id=703" in bureau


def test_the_network_page_lists_who_lists_each_member(site):
    html = site["org/volunteer-spirit-network/index.html"].decode()
    members = html.split('id="members"', 1)[1].split("</ol>", 1)[0]
    assert members.count("<li value=") == 40
    assert "volunteerspirit.org</a> 18" in members  # ChangeFusion, listed by the site only


def test_embedded_json_ld_carries_the_basis_of_each_english_name(site):
    html = site["org/volunteer-spirit-network/index.html"].decode()
    data = json.loads(html.split('<script type="application/ld+json">', 1)[1].split("</script>")[0])
    basis = "https://w3id.org/jitarsa/ontology#englishNameBasis"
    assert data[basis] == [{"@id": "https://w3id.org/jitarsa/ontology#SourceName"}]
    members = {m["@id"].rsplit("/", 1)[1]: m for m in data["member"]}
    assert members["actionaid"][basis] == [{"@id": "https://w3id.org/jitarsa/ontology#OwnName"}]
    assert members["siam-kammajal-foundation"][basis] == [
        {"@id": "https://w3id.org/jitarsa/ontology#Romanisation"}
    ]


def test_thai_text_is_always_marked_lang_th_and_pages_declare_a_language(pages):
    """Text that starts in Thai script is in a `lang="th"` element (an English sentence may
    quote a Thai word)."""
    for name, page in pages.items():
        assert page.root_lang == "th", name
        assert page.thai_outside_th == [], name


def test_every_internal_link_resolves_to_a_file_and_its_fragment_to_an_id(site, pages):
    checked = 0
    for name, page in pages.items():
        for _tag, href, _ in page.links:
            parts = urlsplit(href)
            if parts.scheme or href.startswith("//"):
                assert parts.scheme in ("http", "https", "data"), (name, href)
                continue
            target = str(PurePosixPath(name).parent / unquote(parts.path)) if parts.path else name
            target = _normalise(target)
            assert target in site, (name, href)
            if parts.fragment and target.endswith(".html"):
                assert parts.fragment in pages[target].ids, (name, href)
            checked += 1
    assert checked > 800


def _normalise(path: str) -> str:
    out: list[str] = []
    for part in path.split("/"):
        if part == "..":
            assert out, path  # a link must not climb out of the site
            out.pop()
        elif part not in (".", ""):
            out.append(part)
    return "/".join(out)


def test_internal_links_name_index_html_so_they_work_from_disk(pages):
    for name, page in pages.items():
        for tag, href, _ in page.links:
            path = urlsplit(href).path
            if tag == "a" and not urlsplit(href).scheme and path:
                assert not path.endswith("/"), (name, href)


def test_no_request_leaves_the_site(site, pages):
    for name, page in pages.items():
        for tag, href, attrs in page.links:
            loads = tag in ("script", "img", "iframe", "source") or (
                tag == "link" and attrs.get("rel") in ("stylesheet", "icon", "preload")
            )
            if loads:
                assert not urlsplit(href).scheme or href.startswith("data:"), (name, href)
    css = site["assets/site.css"].decode()
    assert "@import" not in css and "url(" not in css
    assert '"Noto Sans Thai"' in css and '"Sarabun"' in css and "@media print" in css


def test_tables_have_header_cells_with_scope(pages):
    for name, page in pages.items():
        assert page.tags.count("th") >= 2 * page.tags.count("table"), name
        assert set(page.th_scopes) <= {"col", "row"}, name
    assert "caption" in pages["index.html"].tags
    assert pages["index.html"].th_scopes.count("row") == 40


def test_an_injected_name_is_escaped_in_html_and_in_json_ld(data_dir):
    path = data_dir / "organisations" / "mirror-foundation.yaml"
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record["name"]["th"] = INJECTED
    path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    files = build_files(data_dir).files
    html = files["site/org/mirror-foundation/index.html"].decode()
    assert "<script>alert(1)" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt; &amp; &#34;q&#34;" in html
    page = Page(html)
    assert (INJECTED, "th") in page.texts
    assert [
        s for a, s in page.scripts if "alert" in s and a.get("type") != "application/ld+json"
    ] == []
    names = [v["@value"] for v in page.jsonld()[0]["name"]]
    assert INJECTED in names
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in html
    home = files["site/index.html"].decode()
    assert "<script>alert(1)" not in home and "&lt;b&gt;x&lt;/b&gt;" in home


NAMES = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@example("</script><b>x</b> &amp; ]]> \u003c")
@given(NAMES)
def test_any_name_is_shown_verbatim_as_text_and_in_json_ld(built, name):
    from jitarsa.publish.build import render
    from jitarsa.rdf.graph import triples
    from jitarsa.records.text import forbidden_character, nfc

    name = nfc(name.strip())
    assume(name and forbidden_character(name) is None)
    dataset = built.dataset
    record = dataclasses.replace(
        dataset.get("mirror-foundation"), name={"th": name, "en": "Mirror Foundation"}
    )
    dataset = dataclasses.replace(
        dataset, records=tuple(record if r.id == record.id else r for r in dataset.records)
    )
    files = render(dataset, triples(dataset))
    page = Page(files["site/org/mirror-foundation/index.html"].decode())
    assert (name, "th") in page.texts
    assert {"@value": name, "@language": "th"} in page.jsonld()[0]["name"]
    home = Page(files["site/index.html"].decode())
    assert (name, "th") in home.texts


@given(st.text())
def test_script_json_cannot_end_a_script_and_round_trips(text):
    out = script_json({"name": text})
    assert not set(out) & set("<>&")
    assert json.loads(out) == {"name": text}


def test_year_text_gives_the_buddhist_era_year_in_thai():
    assert year_text(("2005", "http://www.w3.org/2001/XMLSchema#gYear")) == {
        "th": "พ.ศ. 2548 (ค.ศ. 2005)",
        "en": "2005",
    }
    assert year_text(("2005-06", "http://www.w3.org/2001/XMLSchema#gYearMonth")) == {
        "th": "2005-06",
        "en": "2005-06",
    }
    assert year_text(None) == {}


def test_the_ontology_page_is_generated_from_the_ontology_and_every_shape(site):
    from pyoxigraph import RdfFormat, parse

    html = Page(site["ontology/index.html"].decode())
    text = "\n".join(t for t, _ in html.texts)
    shapes = list(parse(path="ontology/shapes.ttl", format=RdfFormat.TURTLE))
    messages = [
        t.object.value for t in shapes if t.predicate.value == "http://www.w3.org/ns/shacl#message"
    ]
    assert len(messages) >= 40
    for message in messages:
        assert message in text, message
    terms = {
        t.subject.value
        for t in parse(path="ontology/jitarsa.ttl", format=RdfFormat.TURTLE)
        if t.subject.value.startswith("https://w3id.org/jitarsa/ontology#")
    }
    for term in terms:
        assert term.split("#")[1] in html.ids, term
    assert "^schema:member" in text  # an inverse path, written readably
    assert "schema:name | schema:alternateName | schema:description | jitarsa:sourceEntry" in text


def test_example_queries_show_their_results(built, site):
    html = site["queries/index.html"].decode()
    foundations = [m for m in built.dataset.members if m.kind == "foundation"]
    section = html.split('id="2-foundations"', 1)[1].split("</section>", 1)[0]
    assert f"Results</span>: {len(foundations)}</caption>" in section
    for member in foundations:
        assert member.name["th"] in section
    assert site["queries/2-foundations.rq"].startswith(b"# th:")
    units = html.split('id="3-units-and-parents"', 1)[1].split("</section>", 1)[0]
    assert "โครงการเยาวชนอาสา" in units and "มูลนิธิกองทุนไทย" in units


def test_example_query_results_are_counted_whole_and_shown_one_page_long(built):
    """A registry's query answers thousands of rows: the page counts them all and shows the
    first page's worth, pointing to the dumps and endpoints for the rest."""
    from jitarsa.publish.build import render
    from jitarsa.publish.site import render_site
    from jitarsa.rdf.graph import triples

    graph = triples(built.dataset)
    files = render(built.dataset, graph, site=False)
    html = render_site(built.dataset, graph, files, page_size=3)["queries/index.html"].decode()
    section = html.split('id="2-foundations"', 1)[1].split("</section>", 1)[0]
    foundations = [m for m in built.dataset.members if m.kind == "foundation"]
    assert len(foundations) > 3
    assert f"Results</span>: {len(foundations)} (" in section
    assert "the first 3 shown; run the query over the dumps or an endpoint for all" in section
    assert section.count("<tr><td>") == 3


def test_the_site_checksums_cover_every_file(site):
    listed = dict(
        reversed(line.split("  ", 1)) for line in site["SHA256SUMS"].decode().splitlines()
    )
    assert set(listed) == set(site) - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256(site[name]).hexdigest() == digest


def test_the_site_copies_the_dumps_where_their_iris_put_them(built, site):
    for name in (
        "jitarsa.ttl",
        "jitarsa.nt",
        "jitarsa.jsonld",
        "jitarsa.rdf",
        "context.jsonld",
        "void.ttl",
    ):
        assert site[name] == built.files[name]


def test_rendering_is_deterministic(built):
    assert build_files().files == built.files


def test_site_command_writes_only_the_site(tmp_path, built, site):
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["site", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    releases = built.dataset.info.releases  # each release's page and their index
    pages = len(built.dataset.records) + 3 + (len(releases) + 1 if releases else 0)
    assert len(built.dataset.records) == 48  # and the home, ontology and queries pages
    assert pages == sum(name.endswith(".html") for name in site)
    assert result.output == f"Wrote {pages} pages and {len(site) - pages} other files to {out}.\n"
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == sorted([*site, MARKER])
    assert (out / "org" / "mirror-foundation" / "index.html").is_file()
    assert (out / "jitarsa.ttl").is_file() and not (out / "site").exists()


def test_build_without_the_site(tmp_path):
    out = tmp_path / "dist"
    result = CliRunner().invoke(
        cli, ["build", "--no-site", "-q", "--out", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0 and result.output == ""
    assert not (out / "site").exists() and (out / "jitarsa.ttl").is_file()
    assert "site/" not in (out / "SHA256SUMS").read_text()


def test_site_command_reports_bad_data_in_one_line(data_dir, tmp_path):
    (data_dir / "organisations" / "mirror-foundation.yaml").write_text("id: [", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["site", "--data", str(data_dir), "--out", str(tmp_path / "s")], catch_exceptions=False
    )
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
    assert not (tmp_path / "s").exists()
