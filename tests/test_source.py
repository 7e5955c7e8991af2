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
        assert m.name.get("th", m.name.get("en")) in m.listed.entry, m.id
    both = {m.id for m in ds.members if {s.url for s in m.listings} == {ARTICLE, SITE}}
    assert len(both) == 10 and "mirror-foundation" in both


def test_every_record_cites_the_article_or_the_network_site_list(built):
    for record in built.dataset.records:
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
    assert net.name_en_basis == "organisation"
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
    for member in built.dataset.members:
        if member.listed.url == ARTICLE:
            assert member.name.get("en"), member.id
        if member.name.get("en"):
            assert member.name_en_basis in ("source", "organisation", "translation"), member.id
    bases = {m.id: m.name_en_basis for m in built.dataset.members}
    assert bases["budpage"] == bases["united-nations-volunteers"] == "source"


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
