"""Data extension (Reconciliation Service API 0.2): property values of matched entities.

The properties are those a query may condition on (`entities.PROPERTIES`), by CURIE, IRI, name
or alias; an entity value is written as its id and name, a Wikidata item as its QID, anything
else as a string.
"""

from __future__ import annotations

from jitarsa.namespaces import ORG, WD
from jitarsa.reconcile.entities import Entity, Property, find_property
from jitarsa.reconcile.index import Index
from jitarsa.reconcile.limits import MAX_IDS, BadQuery


def extend_rows(index: Index, query: object) -> dict:
    """The 0.2 data extension answer (`meta`, `rows`) for QUERY (`ids`, `properties`); an
    id the index does not hold gets empty values."""
    if not isinstance(query, dict) or not isinstance(query.get("ids"), list):
        raise BadQuery("extend must be a JSON object with ids and properties")
    ids, wanted = query["ids"], query.get("properties")
    if not all(isinstance(i, str) for i in ids):
        raise BadQuery("extend: ids must be strings")
    if len(ids) > MAX_IDS:
        raise BadQuery(f"extend takes at most {MAX_IDS} ids, not {len(ids)}")
    if not isinstance(wanted, list) or not all(
        isinstance(p, dict) and isinstance(p.get("id"), str) for p in wanted
    ):
        raise BadQuery("extend: properties must be a list of {id}")
    props = []
    for item in wanted:
        prop = find_property(item["id"])
        if prop is None:
            raise BadQuery(f"extend: unknown property {item['id'][:80]!r}")
        props.append((item["id"], prop))
    rows = {}
    for entity_id in ids:
        entity = index.by_id.get(entity_id)
        rows[entity_id] = {
            pid: _values(index, entity, prop) if entity is not None else [] for pid, prop in props
        }
    return {"meta": [_meta(pid, prop) for pid, prop in props], "rows": rows}


def _meta(pid: str, prop: Property) -> dict:
    out: dict = {"id": pid, "name": prop.name}
    if prop.kind == "entity":
        out["type"] = {"id": ORG + "Organization", "name": "org:Organization"}
    return out


def _values(index: Index, entity: Entity, prop: Property) -> list[dict]:
    out: list[dict] = []
    for value in entity.values.get(prop.iri, []):
        if prop.kind == "entity":
            related = index.by_iri.get(value)
            if related is not None:
                out.append({"id": related.id, "name": related.name})
            else:
                out.append({"str": value})
        elif prop.kind == "qid":
            out.append({"str": value.removeprefix(WD)})
        else:
            out.append({"str": value})
    return out
