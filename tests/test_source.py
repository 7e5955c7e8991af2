"""Every entry of the source article's member list is one member, quoted verbatim."""

import unicodedata

ARTICLE = "https://th.wikipedia.org/wiki?curid=26361"
SITE = "https://www.volunteerspirit.org/about-vsn/"


def test_the_source_lists_28_members(entries):
    assert len(entries) == 28
    assert entries[1] == "มูลนิธิอาสาสมัครเพื่อสังคม (มอส.)"
    assert entries[27] == "มูลนิธิจิตอาสาช่วยเหลือสังคมเพื่อสังคม"


def test_each_entry_maps_to_exactly_one_member_by_its_verbatim_text(entries, built):
    members = [m for m in built.dataset.members if m.listed.url == ARTICLE]
    assert len(members) == 28
    for position, entry in enumerate(entries, start=1):
        matching = [m for m in members if m.listed.entry == unicodedata.normalize("NFC", entry)]
        assert len(matching) == 1, entry
        assert matching[0].listed.position == position


def test_the_stored_article_list_is_the_seed_verbatim(entries, built):
    [article] = [s for s in built.dataset.lists if s.url == ARTICLE]
    assert article.entries == tuple(unicodedata.normalize("NFC", e) for e in entries)


def test_the_network_site_adds_members_named_as_its_list_writes_them(built):
    ds = built.dataset
    [site] = [s for s in ds.lists if s.url == SITE]
    assert len(site.entries) == 22 and len(ds.members) == 40
    only_site = [m for m in ds.members if {s.url for s in m.listings} == {SITE}]
    assert len(only_site) == 12
    for m in only_site:
        assert m.listed.entry == site.entries[m.listed.position - 1]
        names = [m.name.get("th", m.name.get("en"))] + list(m.alternate_names.get("th", ()))
        assert any(n in m.listed.entry for n in names), m.id
    both = {m.id for m in ds.members if {s.url for s in m.listings} == {ARTICLE, SITE}}
    assert len(both) == 10 and "mirror-foundation" in both


def test_every_record_cites_the_article_or_the_network_site_list(built):
    successors = {r.successor for r in built.dataset.records if r.successor}
    for record in built.dataset.records:
        if record.id in successors:  # what a member became: its own page is its source
            continue
        assert {ARTICLE, SITE} & {s.url for s in record.sources}, record.id


def test_structure_stated_by_the_source(built):
    ds = built.dataset
    fund = [r.id for r in ds.records if r.parent == "thai-fund-foundation"]
    assert sorted(fund) == [
        "thai-fund-foundation-giving-project",
        "thai-fund-foundation-youth-volunteer-project",
    ]
    assert ds.get("mind-development-for-health-programme").parent == "sodsri-saridwongse-foundation"
    assert ds.get("sodsri-saridwongse-foundation").alternate_names == {"th": ("มสส.",)}
    # Entries 25 and 26 name a unit and a project; no source says which runs which.
    assert ds.get("amulet-image-museum").parent is None
    assert ds.get("ofc-club").parent is None
    assert not [
        r.id
        for r in ds.records
        if r.parent in ("restore-thailand-project", "doing-good-for-the-king-project")
    ]


def test_the_network(built):
    net = built.dataset.network
    assert net.name == {"th": "เครือข่ายจิตอาสา", "en": "Volunteer Spirit Network"}
    # No source read states when the network was founded (see docs/sources.md).
    assert net.founded is None
    # UNDP Thailand and VSO write the name; the network's own stored page does not
    assert net.name_en_basis == "source"
    assert "https://www.volunteerspirit.org/about-vsn/" in {s.url for s in net.sources}
    assert set(net.description) == {"th", "en"}


def test_descriptions_are_not_copied_from_the_source(built):
    """Our own words: no run of 30 characters of a description appears in the article."""
    from conftest import SEED

    article = SEED.read_text(encoding="utf-8").replace(" ", "")
    text = built.dataset.network.description["th"].replace(" ", "")
    copied = [text[i : i + 30] for i in range(len(text) - 30) if text[i : i + 30] in article]
    assert copied == []


def test_every_member_has_an_english_name_with_its_basis(built):
    """Every organisation, the nine the network's list alone names included (none had one)."""
    from jitarsa.records.romanise import matches

    for record in built.dataset.records:
        if not built.dataset.kinds[record.kind].organisation:
            continue
        assert record.name.get("en"), record.id
        assert record.name_en_basis in ("source", "organisation", "translation", "romanisation")
        if record.name_en_basis == "romanisation":  # exactly PyThaiNLP's RTGS letters
            assert matches(record.name["th"], record.name["en"]), record.id
    bases = {m.id: m.name_en_basis for m in built.dataset.members}
    assert bases["budpage"] == bases["united-nations-volunteers"] == "source"
    assert built.dataset.get("baan-din-thai").name["en"] == "Ban Din Thai"
    assert bases["baan-din-thai"] == bases["siam-kammajal-foundation"] == "romanisation"


def test_a_romanisation_is_checked_letter_for_letter():
    from jitarsa.records.romanise import matches, romanise

    assert romanise("บ้านดินไทย") == "bandinthai"
    assert matches("บ้านดินไทย", "Ban Din Thai")
    assert not matches("บ้านดินไทย", "Baan Din Thai")  # a common spelling, not RTGS


def test_latin_script_names_are_not_tagged_thai(built):
    for record in built.dataset.records:
        thai = record.name.get("th", "")
        assert not thai or any("\u0e00" <= ch <= "\u0e7f" for ch in thai), record.id
    for record_id in ("budpage", "united-nations-volunteers", "ofc-club"):
        assert list(built.dataset.get(record_id).name) == ["en"]


def test_abbreviations_and_short_names_are_alternate_names(built):
    alternates = {
        name
        for r in built.dataset.records
        for names in r.alternate_names.values()
        for name in names
    }
    assert {"มอส.", "why i why", "UNV", "เครือข่ายพุทธิกา", "V4N Network", "C4pC", "มสส."} <= alternates


def test_verbatim_quotes_are_tagged_by_their_script(built):
    """A list entry written in Latin script is not Thai text: English words are tagged en, a
    brand is a plain string; only Thai script is tagged th (the eight quotes were all @th)."""
    from jitarsa.rdf.graph import XSD_STRING, triples

    graph = triples(built.dataset)
    quotes = {
        (o[0], o[1] or o[2])
        for pairs in graph.statements.values()
        for p, o in pairs
        if p.endswith(("#sourceEntry", "#listEntry"))
    }
    for text, tag in quotes:
        thai = any("\u0e00" <= ch <= "\u0e7f" for ch in text)
        assert (tag == "th") == thai, (text, tag)
    assert ("United Nations Volunteers (UNV)", "en") in quotes
    assert ("United Nations Volunteers Thailand", "en") in quotes
    assert ("ChangeFusion", XSD_STRING) in quotes
    assert ("Budpage.com", XSD_STRING) in quotes
    assert ("mysocialmotion", XSD_STRING) in quotes


def test_the_dataset_description_is_written_from_the_data(built):
    """It said 28 members when there were 40: the count and the lists now come from the data."""
    import rdflib
    from conftest import ROOT

    dist = ROOT / "dist"
    d = built.dataset.info.description
    assert "40 member organisations" in d["en"] and "สมาชิก 40 องค์กร" in d["th"]
    assert "th.wikipedia.org (28 entries, read 2026-11-25)" in d["en"]
    assert "volunteerspirit.org (22 entries, read 2026-12-03)" in d["en"]
    g = rdflib.Graph().parse(dist / "void.ttl", format="turtle")
    ds = rdflib.URIRef("https://w3id.org/jitarsa/dataset")
    described = {str(o) for o in g.objects(ds, rdflib.DCTERMS.description)}
    assert described == set(d.values())
    assert not any(" 28 " in text for text in described)
    sources = {str(o) for o in g.objects(ds, rdflib.URIRef("http://purl.org/dc/terms/source"))}
    assert {ARTICLE, SITE} <= sources
    home = (dist / "site" / "index.html").read_text(encoding="utf-8")
    assert f'<meta name="description" content="{d["en"]}">' in home
