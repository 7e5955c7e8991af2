"""`jitarsa load`: put the dataset into a triplestore with the SPARQL 1.1 Graph Store Protocol.

One HTTP PUT of the N-Triples to the store's Graph Store endpoint replaces the named graph (or
the default graph): what was there before is gone, so loading twice leaves the same data.
Works with any store that speaks the protocol (Oxigraph `/store`, Fuseki `/DATASET/data`,
Virtuoso `/sparql-graph-crud-auth`); only the standard library's urllib is used.
"""

from __future__ import annotations

from dataclasses import dataclass

from jitarsa.errors import EndpointError, QueryError


@dataclass(frozen=True)
class Loaded:
    """What `load` sent where, and what the store answered."""

    url: str
    triples: int
    status: int


def graph_url(endpoint: str, graph: str | None = None) -> str:
    """The Graph Store URL of a graph: `?default`, or `?graph=` with the IRI percent-encoded."""
    import urllib.parse

    parts = urllib.parse.urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise QueryError(
            f"--endpoint {endpoint!r}: give the store's http:// or https:// Graph "
            "Store URL (Oxigraph: /store, Fuseki: /DATASET/data)"
        )
    if graph is None:
        target = "default"
    else:
        from pyoxigraph import NamedNode

        try:
            NamedNode(graph)
        except ValueError:
            raise QueryError(f"--graph {graph!r} is not an absolute IRI") from None
        target = "graph=" + urllib.parse.quote(graph, safe="")
    return f"{endpoint}{'&' if parts.query else '?'}{target}"


def load(
    endpoint: str,
    graph: str | None = None,
    *,
    data=None,
    dump=None,
    user: str | None = None,
    timeout: float = 60.0,
) -> Loaded:
    """PUT the dataset (the packaged dump, a data folder, or an RDF file) into GRAPH."""
    import urllib.error
    import urllib.request

    from jitarsa.sparql.execute import source_ntriples

    url = graph_url(endpoint, graph)
    payload, _, _ = source_ntriples(data, dump)
    request = urllib.request.Request(
        url,
        data=payload,
        method="PUT",
        headers={
            "Content-Type": "application/n-triples",
            "User-Agent": "jitarsa (Graph Store client)",
        },
    )
    opener = urllib.request.build_opener(*_auth(url, user))
    try:
        with opener.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as err:
        detail = " ".join(err.read().decode("utf-8", "replace").split())[:300]
        raise EndpointError(
            f"{url} answered HTTP {err.code} {err.reason}: {detail or '(no message)'}"
        ) from None
    except (TimeoutError, urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        if isinstance(reason, TimeoutError) or isinstance(err, TimeoutError):
            raise EndpointError(f"{url} did not answer within {timeout:g} s") from None
        raise EndpointError(f"cannot reach {url}: {reason}") from None
    return Loaded(url, payload.count(b"\n"), status)


def _auth(url: str, user: str | None) -> list:
    """HTTP Basic and Digest handlers for `--user NAME:PASSWORD` (Fuseki, Virtuoso's -auth)."""
    if user is None:
        return []
    import urllib.request

    name, sep, password = user.partition(":")
    if not sep:
        raise QueryError("--user: write it as NAME:PASSWORD")
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, url, name, password)
    return [
        urllib.request.HTTPBasicAuthHandler(passwords),
        urllib.request.HTTPDigestAuthHandler(passwords),
    ]
