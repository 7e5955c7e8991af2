"""`jitarsa wikidata rdf`: the Wikibase RDF model, queried with Wikidata Query Service SPARQL."""

from pathlib import Path

import pyoxigraph as ox
import rdflib
from click.testing import CliRunner

from jitarsa.cli import cli

EXPECTED = Path(__file__).parent / "expected"
SANDBOX = "Q4115189"
WQS_PREFIXES = """
PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX pr: <http://www.wikidata.org/prop/reference/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX wikibase: <http://wikiba.se/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
"""


def rdf(*args) -> bytes:
    result = CliRunner().invoke(cli, ["wikidata", "rdf", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def store(data: bytes) -> ox.Store:
    s = ox.Store()
    s.load(data, format=ox.RdfFormat.TURTLE)
    return s


def select(s: ox.Store, query: str) -> list[tuple[str, ...]]:
    return sorted(tuple(term.value for term in row) for row in s.query(WQS_PREFIXES + query))


def test_the_wikidata_query_finds_the_40_members():
    data = rdf("--network-qid", SANDBOX)
    assert data == (EXPECTED / "wikibase-rdf.ttl").read_bytes()
    rows = select(store(data), "SELECT ?org WHERE { ?org wdt:P463 ?net }")
    assert len(rows) == 40
    rows = select(store(data), "SELECT ?org WHERE { ?org wdt:P463 wd:Q4115189 }")
    assert len(rows) == 40


def test_without_the_network_qid_new_items_are_named_by_jitarsa_iris():
    s = store(rdf())
    rows = select(s, "SELECT DISTINCT ?net WHERE { ?org wdt:P463 ?net }")
    assert rows == [("https://w3id.org/jitarsa/org/volunteer-spirit-network",)]
    labels = select(
        s,
        """SELECT ?label WHERE {
        <https://w3id.org/jitarsa/org/volunteer-spirit-network> rdfs:label ?label ;
            schema:name ?label }""",
    )
    assert labels == [("Volunteer Spirit Network",), ("เครือข่ายจิตอาสา",)]


def test_every_statement_has_a_node_a_rank_and_a_dated_reference():
    s = store(rdf("--network-qid", SANDBOX))
    truthy = select(
        s, "SELECT (COUNT(*) AS ?n) WHERE { ?i ?wdt ?v FILTER(STRSTARTS(STR(?wdt), STR(wdt:))) }"
    )
    full = select(
        s,
        """SELECT (COUNT(*) AS ?n) WHERE {
        ?i ?p ?st . ?st a wikibase:Statement ; wikibase:rank wikibase:NormalRank ;
            prov:wasDerivedFrom ?ref . ?ref a wikibase:Reference }""",
    )
    assert truthy == full and int(truthy[0][0]) > 100
    membership = select(
        s,
        """SELECT ?org ?url ?date WHERE {
        ?org p:P463 ?st . ?st ps:P463 wd:Q4115189 ; prov:wasDerivedFrom ?ref .
        ?ref pr:P143 wd:Q565074 ; pr:P4656 ?url ; pr:P813 ?date }""",
    )
    assert len(membership) == 28
    assert {(url, date) for _, url, date in membership} == {
        ("https://th.wikipedia.org/wiki?curid=26361", "2026-11-25T00:00:00Z")
    }
    # Only members whose own pages state a founding date; none for the network (no source does).
    founded = {t for (t,) in select(s, "SELECT ?t WHERE { ?n wdt:P571 ?t }")}
    assert founded == {
        "1940-05-28T00:00:00Z",
        "1982-03-31T00:00:00Z",
        "1994-01-01T00:00:00Z",
        "2005-07-01T00:00:00Z",
    }
    assert {t for (t,) in select(store(rdf()), "SELECT ?t WHERE { ?n wdt:P571 ?t }")} == founded


def test_no_blank_nodes_and_an_independent_parser_agrees():
    data = rdf("--network-qid", SANDBOX)
    graph = rdflib.Graph().parse(data=data.decode("utf-8"), format="turtle")
    assert not any(isinstance(term, rdflib.BNode) for triple in graph for term in triple)
    assert len(graph) == len(store(data))
    assert "https://schema.org/" not in data.decode("utf-8")


def test_existing_items_get_only_what_jitarsa_asserts(data_dir):
    fixture = Path(__file__).parent / "fixtures" / "reconciled.csv"
    CliRunner().invoke(
        cli,
        [
            "wikidata",
            "apply-matches",
            str(fixture),
            "--data",
            str(data_dir),
            "--by",
            "test",
            "--date",
            "2026-11-25",
        ],
        catch_exceptions=False,
    )
    s = store(rdf("--data", str(data_dir), "--network-qid", SANDBOX))
    props = select(s, "SELECT DISTINCT ?p WHERE { wd:Q90000002 ?p ?o }")
    assert props == [
        ("http://www.wikidata.org/prop/P463",),
        ("http://www.wikidata.org/prop/direct/P463",),
    ]


def test_times_have_full_value_nodes_as_in_the_wikibase_dump_format():
    """A founding date has the precision it was given (a day is 11, a month 10, a year 9: "1994"
    is not 1 January 1994) in the Gregorian calendar; the retrieval dates of references are
    days (precision 11)."""
    s = store(rdf())
    rows = select(
        s,
        """PREFIX psv: <http://www.wikidata.org/prop/statement/value/>
        SELECT ?time ?precision ?zone ?calendar WHERE {
            ?org p:P571 ?st . ?st psv:P571 ?v .
            ?v a wikibase:TimeValue ; wikibase:timeValue ?time ;
               wikibase:timePrecision ?precision ; wikibase:timeTimezone ?zone ;
               wikibase:timeCalendarModel ?calendar }""",
    )
    gregorian = "http://www.wikidata.org/entity/Q1985727"
    assert rows == [
        ("1940-05-28T00:00:00Z", "11", "0", gregorian),  # a day
        ("1982-03-31T00:00:00Z", "11", "0", gregorian),
        ("1994-01-01T00:00:00Z", "9", "0", gregorian),  # พ.ศ. 2537: a year
        ("2005-07-01T00:00:00Z", "10", "0", gregorian),  # a month
    ]
    rows = select(
        s,
        """PREFIX prv: <http://www.wikidata.org/prop/reference/value/>
        SELECT DISTINCT ?precision WHERE {
            ?ref prv:P813 ?v . ?v wikibase:timePrecision ?precision }""",
    )
    assert rows == [("11",)]


def test_memberships_carry_subject_named_as_and_the_network_its_sitelink():
    s = store(rdf("--network-qid", SANDBOX))
    rows = select(
        s,
        """PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
        SELECT ?named WHERE { ?org p:P463 ?st . ?st ps:P463 wd:Q4115189 ; pq:P1810 ?named }""",
    )
    assert ("มูลนิธิอาสาสมัครเพื่อสังคม (มอส.)",) in rows
    rows = select(
        store(rdf()),
        """SELECT ?article ?name WHERE {
            ?article a schema:Article ; schema:about ?net ; schema:name ?name ;
                schema:inLanguage "th" ; schema:isPartOf <https://th.wikipedia.org/> }""",
    )
    assert rows == [
        (
            "https://th.wikipedia.org/wiki/%E0%B9%80%E0%B8%84%E0%B8%A3%E0%B8%B7%E0%B8%AD%E0%B8%82"
            "%E0%B9%88%E0%B8%B2%E0%B8%A2%E0%B8%88%E0%B8%B4%E0%B8%95%E0%B8%AD%E0%B8%B2%E0%B8%AA"
            "%E0%B8%B2",
            "เครือข่ายจิตอาสา",
        )
    ]


def test_wdqs_style_queries_run_on_the_export():
    """Queries written as for the Wikidata Query Service, on the export alone: labels
    (`rdfs:label`, `skos:prefLabel`), truthy `wdt:`, `p:`/`ps:`/`pq:` statements with
    `prov:wasDerivedFrom` references (`pr:`), dates through `psv:` and `wikibase:timeValue`,
    sitelinks by `schema:about`, the property declarations (`wikibase:directClaim`, …) and the
    `wikibase:statements` / `wikibase:sitelinks` counts."""
    s = store(rdf("--network-qid", SANDBOX))
    prefixes = """PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
        PREFIX psv: <http://www.wikidata.org/prop/statement/value/>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        """
    members = select(
        s,
        prefixes
        + """SELECT ?item ?th WHERE {
            ?item wdt:P463 wd:Q4115189
            OPTIONAL { ?item skos:prefLabel ?label ; rdfs:label ?label FILTER(LANG(?label) = "th") }
            BIND(COALESCE(?label, "") AS ?th) }""",
    )
    assert len(members) == 40
    assert "มูลนิธิกระจกเงา" in {th for _, th in members}  # (a member without a Thai name has none)
    # Every label is the three predicates of the dump format, and only labels are.
    mismatched = select(
        s,
        prefixes
        + """SELECT ?item WHERE { ?item a wikibase:Item ; rdfs:label ?l
            FILTER NOT EXISTS { ?item skos:prefLabel ?l ; schema:name ?l } }""",
    )
    assert mismatched == []
    # The properties an item uses, through their declarations (the Query Service's pattern).
    used = select(
        s,
        prefixes
        + """SELECT DISTINCT ?prop ?type WHERE {
            ?prop wikibase:directClaim ?wdt ; wikibase:propertyType ?type .
            ?item wdt:P463 wd:Q4115189 ; ?wdt ?value }""",
    )
    wd, wb = "http://www.wikidata.org/entity/", "http://wikiba.se/ontology#"
    assert (wd + "P463", wb + "WikibaseItem") in used
    assert (wd + "P1448", wb + "Monolingualtext") in used
    # Each declared predicate is the one the statements use.
    broken = select(
        s,
        prefixes
        + """SELECT ?prop WHERE {
            ?prop wikibase:claim ?p ; wikibase:statementProperty ?ps .
            ?item ?p ?st . FILTER NOT EXISTS { ?st ?ps ?v } }""",
    )
    assert broken == []
    # A membership statement: its qualifier and its reference.
    named = select(
        s,
        prefixes
        + """SELECT ?named ?url WHERE {
            ?item p:P463 ?st . ?st ps:P463 wd:Q4115189 ; pq:P1810 ?named ;
                prov:wasDerivedFrom ?ref . ?ref pr:P4656 ?url .
            FILTER(?item = <https://w3id.org/jitarsa/org/c4pc>) }""",
    )
    assert named == [("ชมรมหัวใจสาธารณะ (C4pC)", "https://th.wikipedia.org/wiki?curid=26361")]
    # Founding years through the full time value, as WDQS users read a precision-9 date.
    years = select(
        s,
        prefixes
        + """SELECT (YEAR(?time) AS ?year) WHERE {
            ?item p:P571 ?st . ?st psv:P571 ?v .
            ?v wikibase:timeValue ?time ; wikibase:timePrecision 9 }""",
    )
    assert years == [("1994",)]
    # Sitelinks by schema:about, and the counts the Query Service keeps on an item (the network
    # is a new item when no QID is given for it: then it has the sitelink).
    sitelinked = select(
        store(rdf()),
        prefixes
        + """SELECT ?item ?n ?statements WHERE {
            ?article schema:about ?item ; schema:isPartOf <https://th.wikipedia.org/> .
            ?item wikibase:sitelinks ?n ; wikibase:statements ?statements }""",
    )
    assert [(item, n) for item, n, _ in sitelinked] == [
        ("https://w3id.org/jitarsa/org/volunteer-spirit-network", "1")
    ]
    counted = select(
        s,
        prefixes
        + """SELECT ?item ?n (COUNT(?st) AS ?found) WHERE {
            ?item wikibase:statements ?n ; ?p ?st . ?st a wikibase:Statement }
            GROUP BY ?item ?n HAVING (xsd:integer(?n) != COUNT(?st))""",
    )
    assert counted == []
    assert len(select(s, "SELECT ?item WHERE { ?item wikibase:statements ?n }")) > 40
