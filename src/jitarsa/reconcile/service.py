"""The W3C Reconciliation Service API 0.2 at /reconcile, as OpenRefine 3.x speaks it.

One plain function, `Service.answer(method, path, params, body, headers)`, so any HTTP layer
can mount it: the manifest, query batches (GET or form-encoded POST `queries=`, or a JSON body),
data extension (`extend=`), property proposals, suggest (entities, types, properties), HTML
previews, JSONP (`callback=`). CORS headers come from the HTTP layer (every answer of `serve`
carries `Access-Control-Allow-Origin: *`). Bad input is a 400 with a one-line JSON error.

Routes and the version each speaks:
  /reconcile                      0.2: manifest; `queries` → result batch; `extend` → extension
  /reconcile/suggest/entity       0.2: `prefix` → entities; also /reconcile/suggest/type, …/property
  /reconcile/preview              0.2: `id` → an HTML card; /reconcile/propose_properties
  /reconcile/match                1.0 draft: POST a JSON query batch (`conditions`) → `results`
"""

from __future__ import annotations

import html
import json
import math
import re
import threading
import urllib.parse
from collections.abc import Callable

from jitarsa.namespaces import JITARSA, ORG
from jitarsa.reconcile.entities import (
    PROPERTIES,
    Entity,
    Property,
    find_property,
    type_name,
)
from jitarsa.reconcile.index import Candidate, Index
from jitarsa.reconcile.limits import (
    DEFAULT_LIMIT,
    MAX_CONDITIONS,
    MAX_LIMIT,
    MAX_PREFIX,
    MAX_QUERIES,
    MAX_QUERY_LENGTH,
    BadQuery,
)

VERSIONS = ["0.2"]
_CALLBACK = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
_QUERY_FIELDS = {"query", "type", "limit", "properties", "type_strict"}
JSON_TYPE = "application/json"
HTML_TYPE = "text/html; charset=utf-8"

Reply = tuple[int, dict[str, str], bytes]


class Service:
    """The service over an index that may still be building (`ready` waits for it)."""

    def __init__(self, index: Index | Callable[[], Index], name: str = "jitarsa"):
        self.name = name
        self._index: Index | None = index if isinstance(index, Index) else None
        self._ready = threading.Event()
        self._failure: str | None = None
        if self._index is not None:
            self._ready.set()
        else:
            assert callable(index)
            threading.Thread(target=self._build, args=(index,), daemon=True).start()

    def _build(self, make: Callable[[], Index]) -> None:
        try:
            self._index = make()
        except Exception as err:  # noqa: BLE001 - said on every request instead
            self._failure = f"The reconciliation index could not be built: {err}"
        finally:
            self._ready.set()

    @property
    def index(self) -> Index:
        self._ready.wait()
        if self._index is None:
            raise RuntimeError(self._failure or "no index")
        return self._index

    def answer(
        self,
        method: str,
        path: str,
        params: dict[str, list[str]],
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """The answer to one request for PATH (`/reconcile…`): (status, headers, body)."""
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        params = {k: list(v) for k, v in params.items()}
        callback = None
        try:
            if method == "POST":
                params = _merge(params, _body_params(body, headers.get("content-type", "")))
            callback = _one(params, "callback")
            if callback is not None and (len(callback) > 100 or not _CALLBACK.fullmatch(callback)):
                callback = None
                raise BadQuery("callback must be a JavaScript name such as jsonp123")
            self.index  # noqa: B018 - waits for the index to be built
            route = path.rstrip("/") or "/"
            if route == "/reconcile":
                result: object = self._main(params, headers)
            elif route == "/reconcile/suggest/entity":
                result = self._suggest_entities(params)
            elif route == "/reconcile/suggest/type":
                result = self._suggest_types(params)
            elif route == "/reconcile/suggest/property":
                result = self._suggest_properties(params)
            elif route == "/reconcile/propose_properties":
                result = self._propose(params)
            elif route == "/reconcile/match":
                if method != "POST":
                    raise BadQuery("POST a 1.0 query batch as JSON to /reconcile/match")
                from jitarsa.reconcile.draft import match

                result = match(self, _parse_json(body.decode("utf-8", "replace"), "the body"))
            elif route == "/reconcile/preview":
                return 200, {"Content-Type": HTML_TYPE}, self._preview(params)
            else:
                return _error(404, "Not found: the reconciliation service is /reconcile.")
        except BadQuery as err:
            return _error(400, str(err), callback)
        except RuntimeError as err:
            return _error(503, str(err), callback)
        return _json(result, callback)

    # The main endpoint: manifest, queries, extension.
    def _main(self, params, headers) -> object:
        queries, extend = _one(params, "queries"), _one(params, "extend")
        if queries is not None:
            return self.reconcile(_parse_json(queries, "queries"))
        if extend is not None:
            from jitarsa.reconcile.extend import extend_rows

            return extend_rows(self.index, _parse_json(extend, "extend"))
        return self.manifest(_root(headers))

    def manifest(self, root: str) -> dict:
        """The service manifest (0.2), with URLs on ROOT, the server as the client sees it."""
        index = self.index
        service = root + "/reconcile"
        default = [t for t in (ORG + "Organization",) if t in index.types]
        return {
            "versions": VERSIONS,
            "name": self.name,
            "identifierSpace": index.base,
            "schemaSpace": JITARSA,
            "view": {"url": index.base + "{{id}}"},
            "preview": {"url": service + "/preview?id={{id}}", "width": 400, "height": 120},
            "defaultTypes": [{"id": t, "name": type_name(t)} for t in default],
            "suggest": {
                kind: {"service_url": root, "service_path": f"/reconcile/suggest/{kind}"}
                for kind in ("entity", "type", "property")
            },
            "extend": {
                "propose_properties": {
                    "service_url": root,
                    "service_path": "/reconcile/propose_properties",
                },
                "property_settings": [],
            },
        }

    def reconcile(self, batch: object) -> dict:
        """A result batch for a query batch (checked as the 0.2 schema says)."""
        if not isinstance(batch, dict):
            raise BadQuery("queries must be a JSON object of queries by key")
        if len(batch) > MAX_QUERIES:
            raise BadQuery(f"a batch holds at most {MAX_QUERIES} queries, not {len(batch)}")
        out = {}
        for key, query in batch.items():
            text, types, conditions, limit = self._parse_query(key, query)
            found = self.index.search(text, types, conditions, limit)
            out[key] = {"result": [self._candidate(c) for c in found]}
        return out

    def _parse_query(self, key: str, query: object):
        where = f"query {key[:40]!r}"
        if not isinstance(query, dict):
            raise BadQuery(f"{where} must be a JSON object")
        unknown = sorted(set(query) - _QUERY_FIELDS)
        if unknown:
            raise BadQuery(f"{where} has an unknown field {unknown[0][:40]!r}")
        text = query.get("query", "")
        if not isinstance(text, str):
            raise BadQuery(f"{where}: query must be a string")
        if len(text) > MAX_QUERY_LENGTH:
            raise BadQuery(f"{where} is longer than {MAX_QUERY_LENGTH} characters")
        conditions = self._conditions(where, query.get("properties"))
        if not text.strip() and not any(p.kind in ("qid", "url") for p, _ in conditions):
            raise BadQuery(f"{where} is empty: give a name, or a Wikidata QID or website")
        types = self._types(where, query.get("type"))
        limit = query.get("limit", DEFAULT_LIMIT)
        if (
            isinstance(limit, bool)
            or not isinstance(limit, (int, float))
            or not math.isfinite(limit)
            or limit < 0
        ):
            raise BadQuery(f"{where}: limit must be a number of candidates")
        strict = query.get("type_strict", "any")
        if strict not in ("any", "should", "all"):
            raise BadQuery(f"{where}: type_strict must be any, should or all")
        return text, types, conditions, min(int(limit), MAX_LIMIT)

    def _types(self, where: str, given: object) -> tuple[str, ...]:
        if given is None:
            return ()
        listed = [given] if isinstance(given, str) else given
        if not isinstance(listed, list) or not all(isinstance(t, str) for t in listed):
            raise BadQuery(f"{where}: type must be a type id or a list of them")
        out = []
        for wanted in listed:
            found = self._type(wanted)
            if found is None:
                raise BadQuery(
                    f"{where}: unknown type {wanted[:80]!r}; /reconcile/suggest/type lists them"
                )
            out.append(found)
        return tuple(out)

    def _type(self, given: str) -> str | None:
        for known in self.index.types:
            if given in (known, type_name(known)):
                return known
        return None

    def _conditions(self, where: str, given: object) -> tuple[tuple[Property, tuple], ...]:
        if given is None:
            return ()
        if not isinstance(given, list) or not given:
            raise BadQuery(f"{where}: properties must be a non-empty list of {{pid, v}}")
        if len(given) > MAX_CONDITIONS:
            raise BadQuery(f"{where} has more than {MAX_CONDITIONS} property conditions")
        out = []
        for item in given:
            if not isinstance(item, dict) or set(item) != {"pid", "v"}:
                raise BadQuery(f"{where}: each property condition is {{pid, v}}")
            pid = item["pid"]
            prop = find_property(pid) if isinstance(pid, str) else None
            if prop is None:
                raise BadQuery(
                    f"{where}: unknown property {str(pid)[:80]!r}; "
                    "/reconcile/suggest/property lists them"
                )
            values = item["v"] if isinstance(item["v"], list) else [item["v"]]
            texts = []
            for value in values:
                if isinstance(value, dict) and isinstance(value.get("id"), str):
                    value = value["id"]
                if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                    raise BadQuery(f"{where}: a property value is a string, number or {{id}}")
                texts.append(str(value)[:MAX_QUERY_LENGTH])
            out.append((prop, tuple(texts)))
        return tuple(out)

    def _candidate(self, found: Candidate) -> dict:
        entity = found.entity
        out: dict = {"id": entity.id, "name": entity.name, "score": found.score}
        description = _description(entity)
        if description:
            out["description"] = description
        out["type"] = [{"id": t, "name": type_name(t)} for t in entity.types]
        out["features"] = [{"id": i, "value": v} for i, v in found.features]
        out["match"] = found.match
        return out

    def _propose(self, params) -> dict:
        wanted = _one(params, "type")
        if wanted is not None and self._type(wanted) is None:
            raise BadQuery(f"unknown type {wanted[:80]!r}; /reconcile/suggest/type lists them")
        limit = _limit(params)
        out: dict = {"properties": [_describe(p) for p in PROPERTIES][:limit]}
        if wanted is not None:
            out["type"] = wanted
        return out

    # Suggest and preview.
    def _suggest_entities(self, params) -> dict:
        prefix = _prefix(params)
        types = self._types("suggest", _one(params, "type")) if "type" in params else ()
        found = self.index.suggest(prefix, types, _limit(params))
        return {
            "result": [
                {
                    "id": e.id,
                    "name": e.name,
                    **({"description": d} if (d := _description(e)) else {}),
                    "notable": [{"id": t, "name": type_name(t)} for t in e.types],
                }
                for e in found
            ]
        }

    def _suggest_types(self, params) -> dict:
        prefix = _prefix(params).casefold()
        return {
            "result": [
                {"id": t, "name": type_name(t)}
                for t in self.index.types
                if prefix in t.casefold() or prefix in type_name(t).casefold()
            ][: _limit(params)]
        }

    def _suggest_properties(self, params) -> dict:
        prefix = _prefix(params).casefold()
        return {
            "result": [
                _describe(p)
                for p in PROPERTIES
                if any(prefix in s.casefold() for s in (p.id, p.name, *p.aliases))
            ][: _limit(params)]
        }

    def _preview(self, params) -> bytes:
        wanted = _one(params, "id")
        entity = self.index.by_id.get(wanted or "")
        if entity is None:
            raise BadQuery("preview needs the id of an entity, such as org/mirror-foundation")
        lines = [
            f'<a href="{html.escape(entity.iri)}" target="_blank">{html.escape(entity.name)}</a>'
        ]
        other = [n for n in entity.values.get(_NAME_IRI, []) if n != entity.name]
        lines += [html.escape(n) for n in other]
        lines.append(", ".join(html.escape(type_name(t)) for t in entity.types))
        description = _description(entity)
        if description:
            lines.append(html.escape(description))
        body = "<br>".join(lines)
        return (
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title>'
            f"{html.escape(entity.name)}</title></head>"
            f'<body style="font-family:sans-serif;font-size:14px;margin:4px">{body}</body></html>'
        ).encode()


_NAME_IRI = "http://schema.org/name"


def mount(ntriples: bytes, base: str, name: str = "jitarsa") -> Callable[..., Reply]:
    """The service's answer function over the graph NTRIPLES, for `jitarsa serve`: ready at
    once, its index built on a thread (the first queries wait for it)."""
    from jitarsa.reconcile.index import build_index

    return Service(lambda: build_index(ntriples, base), name).answer


def _describe(prop: Property) -> dict:
    return {"id": prop.id, "name": prop.name, "description": prop.description}


def _description(entity: Entity) -> str:
    names = entity.values.get(_NAME_IRI, [])
    return " · ".join(n for n in names[1:])[:200]


def _prefix(params) -> str:
    prefix = _one(params, "prefix")
    if prefix is None or not prefix.strip():
        raise BadQuery("suggest needs a prefix")
    if len(prefix) > MAX_PREFIX:
        raise BadQuery(f"a prefix is at most {MAX_PREFIX} characters")
    return prefix


def _limit(params) -> int:
    given = _one(params, "limit")
    if given is None:
        return DEFAULT_LIMIT
    if not (given.isascii() and given.isdigit()) or len(given) > 6:
        raise BadQuery("limit must be a whole number")
    return min(int(given), MAX_LIMIT)


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise BadQuery(f"give {name} once")
    return values[0]


def _merge(first: dict, second: dict) -> dict:
    out = {k: list(v) for k, v in first.items()}
    for key, values in second.items():
        out.setdefault(key, []).extend(values)
    return out


def _body_params(body: bytes, content_type: str) -> dict[str, list[str]]:
    """A POSTed body: form-encoded (OpenRefine, `reconciler`) or a JSON query batch."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadQuery("the body is not UTF-8") from None
    media = content_type.split(";")[0].strip().lower()
    if media == JSON_TYPE:
        parsed = _parse_json(text, "the body")
        if isinstance(parsed, dict) and set(parsed) <= {"queries", "extend"} and parsed:
            return {k: [v if isinstance(v, str) else json.dumps(v)] for k, v in parsed.items()}
        return {"queries": [text]}
    if media in ("", "application/x-www-form-urlencoded"):
        return urllib.parse.parse_qs(text, keep_blank_values=True)
    raise BadQuery("POST a form (application/x-www-form-urlencoded) or JSON")


def _parse_json(text: str, what: str) -> object:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise BadQuery(f"{what} is not valid JSON") from None


def _root(headers: dict[str, str]) -> str:
    """The server's URL as the client reached it (its Host header, if that is a host)."""
    host = headers.get("host", "")
    if not re.fullmatch(r"[A-Za-z0-9.-]+(?::[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?", host):
        host = "localhost:8000"
    return f"http://{host}"


def _json(result: object, callback: str | None, status: int = 200) -> Reply:
    body = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
    if callback:
        return (
            status,
            {"Content-Type": "text/javascript; charset=utf-8"},
            (f"/**/{callback}({body});").encode(),
        )
    return status, {"Content-Type": f"{JSON_TYPE}; charset=utf-8"}, body.encode()


def _error(status: int, message: str, callback: str | None = None) -> Reply:
    """A refusal as one line of JSON ({"error": …}), in the JSONP callback if one was given."""
    return _json({"error": " ".join(message.split())}, callback, status)
