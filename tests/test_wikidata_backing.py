"""Every statement the Wikidata export makes is the record's field, cited to a source of that
record that backs the field: nothing is said because the article happens to be in Thai."""

from conftest import ROOT

from jitarsa.records.load import load_dataset
from jitarsa.records.sources import ENTRY_BACKS
from jitarsa.wikidata.items import (
    FOUNDATION_WORD,
    Items,
    ItemValue,
    RecordValue,
    StringValue,
    TextValue,
    TimeValue,
    UrlValue,
)


def backs(source, record, field: str) -> bool:
    """Whether a source of the record states the field (`about`, or a list entry's fields)."""
    parts = field.split(".")
    prefixes = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    if prefixes & set(source.about):
        return True
    if source.entry is None:
        return False
    if field == "name.th":
        return record.name_th_basis != "organisation"
    return field in ENTRY_BACKS or field.split(".")[0] in ENTRY_BACKS


def value_of(record, field: str, value, items: Items) -> bool:
    """Whether the statement's value is what the record's field says."""
    name, _, lang = field.partition(".")
    if isinstance(value, TextValue):
        texts = getattr(record, name)[value.language]
        return value.text in ((texts,) if isinstance(texts, str) else texts)
    if isinstance(value, TimeValue):
        return value == TimeValue.from_xsd(*getattr(record, name))
    if isinstance(value, UrlValue):
        return value.url == getattr(record, name)
    if isinstance(value, RecordValue):
        found = getattr(record, name)
        return value.record_id in ((found,) if isinstance(found, str) else found)
    if isinstance(value, ItemValue) and field == "kind":
        return value.qid == items.dataset.kinds[record.kind].wikidata
    if isinstance(value, ItemValue) and field == "area_served":
        return value.qid == items.country_qid and items.mapping.country in record.area_served
    if isinstance(value, ItemValue) and field in ("name.th", "alternate_names.th"):  # P17 rule
        names = [record.name.get("th", "")] + list(record.alternate_names.get("th", ()))
        return record.kind == "foundation" and any(n.startswith(FOUNDATION_WORD) for n in names)
    return False


def test_every_exported_statement_is_a_field_its_cited_source_backs():
    dataset = load_dataset(ROOT / "data")
    items = Items(dataset, network_qid="Q4115189")
    checked = 0
    for item in items.all:
        record = item.record
        for statement in item.statements:
            assert value_of(record, statement.field, statement.value, items), (
                record.id,
                statement,
            )
            urls = {v.url for _, v in statement.reference if isinstance(v, UrlValue)}
            cited = [s for s in record.sources if s.url in urls]
            assert cited and any(backs(s, record, statement.field) for s in cited), (
                record.id,
                statement.prop,
                statement.field,
            )
            if statement.prop == "P1448":  # an official name: the organisation's own only
                basis = record.th_basis if statement.value.language == "th" else None
                assert "organisation" in (basis, record.name_en_basis), record.id
            for prop, qualifier in statement.qualifiers:  # P1810: the cited list's wording
                assert prop == "P1810" and isinstance(qualifier, StringValue)
                assert qualifier.text in {s.entry for s in cited}, record.id
            checked += 1
    assert checked > 100


def test_no_list_wording_is_an_official_name_and_unv_has_no_country():
    items = Items(load_dataset(ROOT / "data"), network_qid="Q4115189")
    by_id = {item.record.id: item for item in items.all}
    official = {
        (s.value.language, s.value.text)
        for item in items.all
        for s in item.statements
        if s.prop == "P1448"
    }
    assert ("th", "ศูนย์อาสาสมัคร์มหาวิทยาลัยธรรมศาสตร์") not in official
    assert ("th", "มูลนิธิบูรณะพัฒนาชนบทแห่งประเทศไทย") not in official
    unv = by_id["united-nations-volunteers"]
    assert "P17" not in {s.prop for s in unv.statements}
    assert "in Thailand" not in unv.descriptions["en"]
    mirror = by_id["mirror-foundation"]  # a Thai foundation (มูลนิธิ): registered in Thailand
    assert [s.field for s in mirror.statements if s.prop == "P17"] == ["name.th"]
    bureau = by_id["red-cross-volunteer-bureau"]
    ended = {s.prop: s for s in bureau.statements}
    assert ended["P576"].value == TimeValue("+2022-06-02T00:00:00Z", 11)
    assert ended["P1366"].value == RecordValue("red-cross-youth-and-volunteer-bureau")
    assert dict(ended["P576"].reference)["P854"] == UrlValue(
        "https://trcyvolunteer.redcross.or.th/?page_id=703"
    )
