"""The reconciliation service's protocol (W3C Reconciliation Service API 0.2), in process:
every answer validated against the 0.2 JSON Schemas, the specification's example query batches
(valid ones answered, invalid ones refused), JSONP, form and JSON bodies, and bad input."""

import json
import urllib.parse
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from jitarsa.reconcile.index import build_index
from jitarsa.reconcile.limits import MAX_QUERIES, MAX_QUERY_LENGTH
from jitarsa.reconcile.service import Service

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "tests" / "w3c" / "reconciliation-0.2"
FORM = {"Content-Type": "application/x-www-form-urlencoded", "Host": "127.0.0.1:8000"}


def _registry() -> Registry:
    resources = []
    for path in sorted((SPEC / "schemas").glob("*.json")):
        schema = json.loads(path.read_text("utf-8"))
        resource = Resource.from_contents(schema, default_specification=_draft7())
        resources.append((schema["$id"], resource))
    return Registry().with_resources(resources)


def _draft7():
    from referencing.jsonschema import DRAFT7

    return DRAFT7


REGISTRY = _registry()


def validator(name: str) -> Draft7Validator:
    schema = json.loads((SPEC / "schemas" / f"{name}.json").read_text("utf-8"))
    return Draft7Validator(schema, registry=REGISTRY)


def assert_valid(name: str, document) -> None:
    errors = sorted(validator(name).iter_errors(document), key=str)
    assert not errors, f"{name}: {errors[0].message} at {list(errors[0].path)}"


@pytest.fixture(scope="module")
def service():
    ntriples = (ROOT / "dist" / "jitarsa.nt").read_bytes()
    return Service(build_index(ntriples, "https://w3id.org/jitarsa/"))


def ask(service, params=None, method="GET", path="/reconcile", body=b"", headers=None):
    status, out_headers, out = service.answer(
        method, path, {k: [v] for k, v in (params or {}).items()}, body, headers or FORM
    )
    return status, out_headers, out


def answer_json(service, **kwargs):
    status, headers, body = ask(service, **kwargs)
    assert status == 200, body
    assert headers["Content-Type"].startswith("application/json")
    return json.loads(body)


def queries(batch: dict) -> dict:
    return {"queries": json.dumps(batch, ensure_ascii=False)}


def test_the_schemas_guard_themselves():
    """The validator refuses the specification's own invalid examples (so it can fail)."""
    invalid = sorted((SPEC / "examples" / "manifest" / "invalid").glob("*.json"))
    refused = [p.name for p in invalid if list(validator("manifest").iter_errors(_read(p)))]
    assert len(invalid) >= 5 and "missing-version.json" in refused


def _read(path: Path):
    return json.loads(path.read_text("utf-8"))


def test_manifest(service):
    manifest = answer_json(service)
    assert_valid("manifest", manifest)
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == "https://w3id.org/jitarsa/"
    assert manifest["schemaSpace"] == "https://w3id.org/jitarsa/ontology#"
    assert manifest["view"] == {"url": "https://w3id.org/jitarsa/{{id}}"}
    assert manifest["preview"]["url"] == "http://127.0.0.1:8000/reconcile/preview?id={{id}}"
    assert manifest["defaultTypes"] == [
        {"id": "http://www.w3.org/ns/org#Organization", "name": "org:Organization"}
    ]
    assert manifest["suggest"]["entity"]["service_path"] == "/reconcile/suggest/entity"
    assert manifest["extend"]["propose_properties"]["service_path"] == (
        "/reconcile/propose_properties"
    )


def test_a_result_batch(service):
    batch = {
        "q0": {"query": "มูลนิธิกระจกเงา"},
        "q1": {"query": "Mulnithi Krachok Ngao", "type": "org:Organization", "limit": 3},
        "q2": {"query": "มอส.", "type": ["http://schema.org/NGO"]},
        "q3": {"query": "Raks Thai Foundation"},
    }
    result = answer_json(service, params=queries(batch))
    assert_valid("reconciliation-result-batch", result)
    assert set(result) == set(batch)
    first = result["q0"]["result"][0]
    assert first["id"] == "org/mirror-foundation" and first["name"] == "มูลนิธิกระจกเงา"
    assert first["score"] == 100.0 and first["match"] is True
    assert {"id": "name", "value": 100.0} in first["features"]
    romanised = result["q1"]["result"]
    assert len(romanised) <= 3 and romanised[0]["id"] == "org/mirror-foundation"
    assert romanised[0]["match"] is False  # found through its romanisation: never automatic
    assert {"id": "romanised", "value": True} in romanised[0]["features"]
    assert result["q2"]["result"][0]["id"] == "org/volunteers-for-society-foundation"
    assert not any(c["match"] for c in result["q3"]["result"])


def test_types_filter_candidates(service):
    batch = {"q0": {"query": "Thailand", "type": "schema:Country"}}
    found = answer_json(service, params=queries(batch))["q0"]["result"]
    assert [c["id"] for c in found] == ["place/thailand"]
    batch = {"q0": {"query": "Thailand", "type": "jitarsa:Foundation", "limit": 50}}
    found = answer_json(service, params=queries(batch))["q0"]["result"]
    assert found and "place/thailand" not in {c["id"] for c in found}
    assert all(
        "https://w3id.org/jitarsa/ontology#Foundation" in {t["id"] for t in c["type"]}
        for c in found
    )


def test_property_conditions_raise_and_lower_scores(service):
    def top(query):
        found = answer_json(service, params=queries({"q": query}))["q"]["result"]
        return {c["id"]: c for c in found}

    plain = top({"query": "Thai Health"})["org/thai-health-foundation"]
    member = top(
        {
            "query": "Thai Health",
            "properties": [{"pid": "memberOf", "v": "org/volunteer-spirit-network"}],
        }
    )["org/thai-health-foundation"]
    assert member["score"] == min(100.0, plain["score"] + 10)
    assert {"id": "schema:memberOf", "value": 10.0} in member["features"]
    by_name = top(
        {"query": "Thai Health", "properties": [{"pid": "memberOf", "v": "เครือข่ายจิตอาสา"}]}
    )["org/thai-health-foundation"]
    assert by_name["score"] == member["score"]
    other = top(
        {
            "query": "Thai Health",
            "properties": [{"pid": "schema:memberOf", "v": {"id": "org/mirror-foundation"}}],
        }
    )["org/thai-health-foundation"]
    assert other["score"] == plain["score"] - 25 and other["match"] is False
    # a Wikidata QID alone finds its entity; a different QID lowers a named candidate
    found = top({"properties": [{"pid": "wikidata", "v": "Q869"}]})
    assert list(found) == ["place/thailand"] and found["place/thailand"]["score"] == 100.0
    wrong = top({"query": "Thailand", "properties": [{"pid": "owl:sameAs", "v": "Q1"}]})
    assert wrong["place/thailand"]["score"] < 100.0
    site = top(
        {
            "query": "เครือข่ายจิตอาสา",
            "properties": [{"pid": "website", "v": "http://volunteerspirit.org"}],
        }
    )["org/volunteer-spirit-network"]
    assert {"id": "schema:url", "value": 10.0} in site["features"]


def test_form_post_json_body_and_get_answer_the_same(service):
    batch = {"q0": {"query": "UNV"}, "q1": {"query": "ธนาคารจิตอาสา"}}
    by_get = answer_json(service, params=queries(batch))
    form = urllib.parse.urlencode(queries(batch)).encode()
    by_form = answer_json(service, method="POST", body=form)
    by_json = answer_json(
        service,
        method="POST",
        body=json.dumps(batch).encode(),
        headers={"Content-Type": "application/json"},
    )
    wrapped = answer_json(
        service,
        method="POST",
        body=json.dumps({"queries": batch}).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert by_get == by_form == by_json == wrapped
    assert by_get["q0"]["result"][0]["id"] == "org/united-nations-volunteers"


def test_jsonp(service):
    status, headers, body = ask(
        service, params={"callback": "jsonp123", **queries({"a": {"query": "TRRM"}})}
    )
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    text = body.decode()
    assert text.startswith("/**/jsonp123(") and text.endswith(");")
    inner = json.loads(text[len("/**/jsonp123(") : -2])
    assert inner["a"]["result"][0]["id"] == "org/thailand-rural-reconstruction-foundation"
    manifest = ask(service, params={"callback": "cb.x_1"})[2].decode()
    assert_valid("manifest", json.loads(manifest[len("/**/cb.x_1(") : -2]))


def test_suggest_entities_types_and_properties(service):
    entities = answer_json(service, path="/reconcile/suggest/entity", params={"prefix": "มูลนิธิก"})
    assert_valid("suggest-entities-response", entities)
    # the names that start with the prefix, in the order of their normal forms
    assert [e["id"] for e in entities["result"]] == [
        "org/mirror-foundation",
        "org/makhampom-group-foundation",
        "org/thai-fund-foundation",
    ]
    latin = answer_json(service, path="/reconcile/suggest/entity", params={"prefix": "Mirr"})
    assert [e["id"] for e in latin["result"]] == ["org/mirror-foundation"]
    types = answer_json(service, path="/reconcile/suggest/type", params={"prefix": "org"})
    assert_valid("suggest-types-response", types)
    assert {"id": "http://www.w3.org/ns/org#Organization", "name": "org:Organization"} in (
        types["result"]
    )
    props = answer_json(service, path="/reconcile/suggest/property", params={"prefix": "wiki"})
    assert_valid("suggest-properties-response", props)
    assert [p["id"] for p in props["result"]] == ["owl:sameAs"]


def test_preview(service):
    status, headers, body = ask(
        service, path="/reconcile/preview", params={"id": "org/mirror-foundation"}
    )
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    html = body.decode()
    assert "มูลนิธิกระจกเงา" in html and "The Mirror Foundation" in html
    assert 'href="https://w3id.org/jitarsa/org/mirror-foundation"' in html


def test_data_extension(service):
    proposal = answer_json(
        service, path="/reconcile/propose_properties", params={"type": "org:Organization"}
    )
    assert_valid("data-extension-property-proposal", proposal)
    assert "owl:sameAs" in {p["id"] for p in proposal["properties"]}
    query = {
        "ids": ["org/mirror-foundation", "place/thailand", "org/no-such-thing"],
        "properties": [{"id": "schema:memberOf"}, {"id": "wikidata"}, {"id": "schema:name"}],
    }
    assert_valid("data-extension-query", query)
    out = answer_json(service, params={"extend": json.dumps(query)})
    assert_valid("data-extension-response", out)
    mirror = out["rows"]["org/mirror-foundation"]
    assert mirror["schema:memberOf"] == [
        {"id": "org/volunteer-spirit-network", "name": "เครือข่ายจิตอาสา"}
    ]
    assert {"str": "The Mirror Foundation"} in mirror["schema:name"]
    assert out["rows"]["place/thailand"]["wikidata"] == [{"str": "Q869"}]
    assert out["rows"]["org/no-such-thing"] == {
        "schema:memberOf": [],
        "wikidata": [],
        "schema:name": [],
    }


# The specification's example query batches use another service's vocabulary (GND: types such
# as DifferentiatedPerson, properties such as affiliation), which this service refuses as
# unknown (400, by design). They are sent with jitarsa's own type and property ids in place of
# those, so the batch's *structure* is what is tested: every valid one answered, with a valid
# result batch, every invalid one refused.
TYPE_MAP = {"DifferentiatedPerson": "org:Organization"}
PID_MAP = {
    "professionOrOccupation": "schema:description",
    "affiliation": "schema:memberOf",
    "uid": "owl:sameAs",
}


def _in_our_terms(batch):
    if not isinstance(batch, dict):
        return batch
    out = {}
    for key, query in batch.items():
        query = dict(query)
        if query.get("type") in TYPE_MAP:
            query["type"] = TYPE_MAP[query["type"]]
        if isinstance(query.get("properties"), list):
            query["properties"] = [
                {**p, "pid": PID_MAP.get(p.get("pid"), p.get("pid"))} for p in query["properties"]
            ]
        out[key] = query
    return out


@pytest.mark.parametrize(
    "path",
    sorted((SPEC / "examples" / "data-extension-query" / "valid").glob("*.json")),
    ids=lambda p: p.stem,
)
def test_the_specifications_extension_queries_are_answered(service, path):
    query = _read(path)
    query["ids"] = ["org/mirror-foundation", *query["ids"]]
    query["properties"] = [{**p, "id": "schema:name"} for p in query["properties"]][:1]
    out = answer_json(service, params={"extend": json.dumps(query)})
    assert_valid("data-extension-response", out)


HOSTILE = [
    ("malformed queries", {"queries": "{not json"}, "queries is not valid JSON"),
    ("queries not an object", {"queries": "[1, 2]"}, "queries must be a JSON object"),
    ("a query not an object", {"queries": '{"q": "x"}'}, "must be a JSON object"),
    ("empty query", {"queries": '{"q": {"query": "   "}}'}, "is empty"),
    ("no query and no properties", {"queries": '{"q": {"limit": 1}}'}, "is empty"),
    ("unknown field", {"queries": '{"q": {"query": "x", "props": []}}'}, "unknown field"),
    ("unknown type", {"queries": '{"q": {"query": "x", "type": "Q5"}}'}, "unknown type"),
    (
        "unknown property",
        {"queries": '{"q": {"query": "x", "properties": [{"pid": "P31", "v": "Q5"}]}}'},
        "unknown property",
    ),
    (
        "property value an object without id",
        {"queries": '{"q": {"query": "x", "properties": [{"pid": "url", "v": {"a": 1}}]}}'},
        "a property value",
    ),
    ("negative limit", {"queries": '{"q": {"query": "x", "limit": -1}}'}, "limit"),
    ("limit not a number", {"queries": '{"q": {"query": "x", "limit": "5"}}'}, "limit"),
    ("bad type_strict", {"queries": '{"q": {"query": "x", "type_strict": "no"}}'}, "type_strict"),
    (
        "batch too large",
        {"queries": json.dumps({f"q{i}": {"query": "x"} for i in range(MAX_QUERIES + 1)})},
        f"at most {MAX_QUERIES} queries",
    ),
    (
        "query too long",
        {"queries": json.dumps({"q": {"query": "ก" * (MAX_QUERY_LENGTH + 1)}})},
        f"longer than {MAX_QUERY_LENGTH}",
    ),
    ("deeply nested JSON", {"queries": "[" * 100000 + "]" * 100000}, "not valid JSON"),
    ("callback not a name", {"callback": "alert(1)//"}, "callback"),
    ("callback a name, then code", {"callback": "a" * 100 + "();alert(1)//"}, "callback"),
    ("limit infinite", {"queries": '{"q": {"query": "x", "limit": Infinity}}'}, "limit"),
    ("limit not a number (NaN)", {"queries": '{"q": {"query": "x", "limit": NaN}}'}, "limit"),
    ("limit too large for an int", {"queries": '{"q": {"query": "x", "limit": 1e999}}'}, "limit"),
    ("extend not an object", {"extend": "[]"}, "extend must be"),
    ("extend unknown property", {"extend": '{"ids": [], "properties": [{"id": "x"}]}'}, "unknown"),
    (
        "extend too many ids",
        {"extend": json.dumps({"ids": ["x"] * 501, "properties": []})},
        "at most 500 ids",
    ),
]


@pytest.mark.parametrize("params, expected", [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_bad_input_is_a_400_with_one_line_of_json(service, params, expected):
    status, headers, body = ask(service, params=params)
    assert status == 400
    assert headers["Content-Type"].startswith("application/json")
    assert b"\n" not in body
    assert expected in json.loads(body)["error"]


def test_bad_bodies_and_routes(service):
    status, _, body = ask(service, method="POST", body=b"\xff\xfe", headers=FORM)
    assert status == 400 and json.loads(body) == {"error": "the body is not UTF-8"}
    status, _, body = ask(service, method="POST", body=b"x", headers={"Content-Type": "text/csv"})
    assert status == 400 and "POST a form" in json.loads(body)["error"]
    status, _, body = ask(service, path="/reconcile/nothing")
    assert status == 404 and "error" in json.loads(body)
    status, _, body = ask(service, path="/reconcile/suggest/entity", params={"prefix": ""})
    assert status == 400 and json.loads(body) == {"error": "suggest needs a prefix"}
    for limit in ("²", "-1", "1e3", "9" * 5000):
        status, _, body = ask(
            service, path="/reconcile/suggest/type", params={"prefix": "o", "limit": limit}
        )
        assert status == 400 and json.loads(body) == {"error": "limit must be a whole number"}
    status, _, body = ask(service, path="/reconcile/preview", params={"id": "../etc/passwd"})
    assert status == 400
    status, _, body = ask(service, params={"queries": "{}", "extend": "{}"})
    assert status == 200 and json.loads(body) == {}


# The 1.0 draft's route, /reconcile/match, with the draft's own schemas and examples.
DRAFT = ROOT / "tests" / "w3c" / "reconciliation-1.0-draft"


def draft_validator(name: str) -> Draft7Validator:
    resources = []
    for path in sorted((DRAFT / "schemas").glob("*.json")):
        schema = json.loads(path.read_text("utf-8"))
        if "$id" in schema:
            resources.append((schema["$id"], Resource.from_contents(schema, _draft7())))
    schema = json.loads((DRAFT / "schemas" / f"{name}.json").read_text("utf-8"))
    return Draft7Validator(schema, registry=Registry().with_resources(resources))


def match(service, batch):
    return ask(
        service,
        method="POST",
        path="/reconcile/match",
        body=json.dumps(batch).encode(),
        headers={"Content-Type": "application/json"},
    )


def _draft_in_our_terms(batch):
    if not isinstance(batch, dict) or not isinstance(batch.get("queries"), list):
        return batch
    queries = []
    for query in batch["queries"]:
        query = dict(query)
        if isinstance(query.get("type"), str):
            query["type"] = TYPE_MAP.get(query["type"], query["type"])
        if isinstance(query.get("conditions"), list):
            query["conditions"] = [
                {**c, "propertyId": PID_MAP.get(c["propertyId"], "schema:alternateName")}
                if isinstance(c, dict) and "propertyId" in c
                else c
                for c in query["conditions"]
            ]
        queries.append(query)
    return {**batch, "queries": queries}


def test_the_draft_route_answers_with_the_drafts_result_batch(service):
    batch = {
        "queries": [
            {"conditions": [{"matchType": "name", "propertyValue": "มูลนิธิกระจกเงา"}]},
            {
                "type": "org:Organization",
                "limit": 3,
                "conditions": [
                    {"matchType": "name", "propertyValue": "Thai Health"},
                    {
                        "matchType": "property",
                        "propertyId": "wikidata",
                        "propertyValue": "Q1",
                        "required": True,
                    },
                ],
            },
        ]
    }
    assert not list(draft_validator("reconciliation-query-batch").iter_errors(batch))
    status, _, body = match(service, batch)
    assert status == 200, body
    result = json.loads(body)
    errors = list(draft_validator("reconciliation-result-batch").iter_errors(result))
    assert not errors, errors[0].message
    first = result["results"][0]["candidates"][0]
    assert first["id"] == "org/mirror-foundation" and first["match"] is True
    assert {"id": "name", "name": "name similarity", "value": 100.0} in first["features"]
    assert result["results"][1] == {"candidates": []}  # no candidate has that Wikidata item


def _send_02(service, batch):
    status, _, body = ask(service, params=queries(_in_our_terms(batch)))
    return status, json.loads(body)


def _send_draft(service, batch):
    status, _, body = match(service, _draft_in_our_terms(batch))
    return status, json.loads(body)


#: Each version's examples folder, schema validator and way of sending a batch.
VERSIONS = {"0.2": (SPEC, validator, _send_02), "1.0-draft": (DRAFT, draft_validator, _send_draft)}


def examples(verdict: str) -> list:
    return [
        pytest.param(version, path, id=f"{version}-{path.stem}")
        for version, (folder, _, _) in VERSIONS.items()
        for path in sorted((folder / "examples" / "reconciliation-query-batch" / verdict).glob("*"))
    ]


@pytest.mark.parametrize("version, path", examples("valid"))
def test_the_specifications_valid_query_batches_are_answered(service, version, path):
    """Valid batches of both versions, in jitarsa's terms, get valid result batches."""
    _, schema, send = VERSIONS[version]
    batch = _read(path)
    assert not list(schema("reconciliation-query-batch").iter_errors(batch))
    status, result = send(service, batch)
    assert status == 200, result
    assert not list(schema("reconciliation-result-batch").iter_errors(result))
    assert len(result.get("results", result)) == len(batch.get("queries", batch))


@pytest.mark.parametrize("version, path", examples("invalid"))
def test_the_specifications_invalid_query_batches_are_refused(service, version, path):
    _, schema, send = VERSIONS[version]
    batch = _read(path)
    assert list(schema("reconciliation-query-batch").iter_errors(batch))
    status, result = send(service, batch)
    assert status == 400 and set(result) == {"error"}, result


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
QUERY = st.fixed_dictionaries(
    {"query": st.text(min_size=1, max_size=30)},
    optional={
        "type": st.sampled_from(["org:Organization", "schema:NGO", "x"]),
        "limit": st.floats() | st.integers() | JSON_VALUES,
        "properties": st.lists(
            st.fixed_dictionaries(
                {"pid": st.sampled_from(["wikidata", "memberOf", "url", "P1"]), "v": JSON_VALUES}
            ),
            min_size=1,
            max_size=3,
        ),
        "type_strict": st.sampled_from(["any", "all", "x"]),
    },
)


@settings(max_examples=300, deadline=None)
@given(
    batch=st.dictionaries(st.text(max_size=5), QUERY, min_size=1, max_size=4) | JSON_VALUES,
    extend=JSON_VALUES,
    path=st.sampled_from(
        [
            "/reconcile",
            "/reconcile/match",
            "/reconcile/suggest/entity",
            "/reconcile/suggest/type",
            "/reconcile/propose_properties",
            "/reconcile/preview",
        ]
    ),
    callback=st.none() | st.text(max_size=12),
    limit=st.text(max_size=6),
)
def test_any_input_gets_an_answer_never_an_exception(service, batch, extend, path, callback, limit):
    """Whatever JSON arrives, the answer is 200 or a one-line 400/404, never an exception
    (which the server would turn into a 500)."""
    params = {"queries": json.dumps(batch), "prefix": str(batch)[:50], "limit": limit}
    if callback is not None:
        params["callback"] = callback
    for sent in (params, {"extend": json.dumps(extend)}):
        status, _, body = ask(service, params=sent, path=path)
        assert status in (200, 400, 404), body
        if status != 200:
            assert b"\n" not in body
    status, _, body = ask(
        service,
        method="POST",
        path=path,
        body=json.dumps(batch).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert status in (200, 400, 404), body
