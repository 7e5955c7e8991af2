"""The 1.0 draft of the Reconciliation Service API at /reconcile/match, on the 0.2 service.

A 1.0-draft query batch (`{"queries": [{"conditions": [...], "type", "limit"}]}`) is read as
0.2 queries (name conditions are the query text, property conditions the `properties`) and
answered by the same search; the result batch is written as 1.0 writes it (`results`, each
with `candidates` whose features have names).
"""

from __future__ import annotations

from jitarsa.reconcile.entities import find_property
from jitarsa.reconcile.index import AGREE
from jitarsa.reconcile.limits import MAX_LIMIT, MAX_QUERIES, BadQuery


def match(service, batch: object) -> dict:
    """A 1.0-draft result batch (`results`, `candidates`) for a 1.0-draft query batch
    (`queries`, each with `conditions`): the same search, conditions read as 0.2's query
    text and property conditions; `required` ones drop the candidates that do not meet
    them. `matchQuantifier` and `matchQualifier` are not read (values match exactly, any)."""
    if not isinstance(batch, dict) or set(batch) != {"queries"}:
        raise BadQuery("a 1.0 query batch is a JSON object with queries, a list")
    queries = batch["queries"]
    if not isinstance(queries, list) or len(queries) > MAX_QUERIES:
        raise BadQuery(f"queries must be a list of at most {MAX_QUERIES} queries")
    results = []
    for number, query in enumerate(queries):
        legacy, required = _from_v1(str(number), query)
        text, types, conditions, limit = service._parse_query(str(number), legacy)
        found = service.index.search(text, types, conditions, MAX_LIMIT if required else limit)
        if required:
            found = [c for c in found if all(dict(c.features).get(p) == AGREE for p in required)]
        results.append(
            {"candidates": [_named_features(service._candidate(c)) for c in found[:limit]]}
        )
    return {"results": results}


_V1_QUERY_FIELDS = {"type", "limit", "lang", "dir", "conditions"}
_V1_CONDITION_FIELDS = {
    "matchType", "propertyId", "propertyValue", "required", "matchQuantifier",
    "matchQualifier", "lang", "dir",
}  # fmt: skip
_FEATURE_NAMES = {"name": "name similarity", "romanised": "found through its romanisation"}


def _from_v1(key: str, query: object) -> tuple[dict, list[str]]:
    """A 1.0-draft query as a 0.2 query, and the property ids its required conditions name."""
    where = f"query {key}"
    if not isinstance(query, dict) or not set(query) <= _V1_QUERY_FIELDS:
        raise BadQuery(f"{where} must be an object of {', '.join(sorted(_V1_QUERY_FIELDS))}")
    conditions = query.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        raise BadQuery(f"{where} needs a non-empty list of conditions")
    legacy: dict = {k: query[k] for k in ("type", "limit") if k in query}
    if "type" in legacy and not isinstance(legacy["type"], str):
        raise BadQuery(f"{where}: type must be one type id")
    texts, properties, required = [], [], []
    for condition in conditions:
        if not isinstance(condition, dict) or not set(condition) <= _V1_CONDITION_FIELDS:
            raise BadQuery(f"{where}: a condition has an unknown field")
        kind, value = condition.get("matchType"), condition.get("propertyValue")
        if kind == "name" and isinstance(value, str):
            texts.append(value)
        elif kind == "property" and isinstance(condition.get("propertyId"), str):
            properties.append({"pid": condition["propertyId"], "v": value})
            if condition.get("required") is True:
                prop = find_property(condition["propertyId"])
                required.append(prop.id if prop is not None else condition["propertyId"])
        else:
            raise BadQuery(f"{where}: a condition is a name (a string) or a property with an id")
    if texts:
        legacy["query"] = " ".join(texts)
    if properties:
        legacy["properties"] = properties
    return legacy, required


def _named_features(candidate: dict) -> dict:
    """A 0.2 candidate as 1.0 writes it: each feature with a name."""
    for feature in candidate.get("features", []):
        prop = find_property(feature["id"])
        feature["name"] = _FEATURE_NAMES.get(feature["id"]) or (
            prop.name if prop else feature["id"]
        )
    return candidate
