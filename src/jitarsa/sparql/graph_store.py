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
    data_dir=None,
    dump=None,
    user: str | None = None,
    timeout: float = 60.0,
) -> Loaded:
    """PUT the dataset (the packaged dump, a data folder, or an RDF file) into GRAPH.

    TIMEOUT bounds the whole exchange (connecting, sending, the answer), not each read. A
    redirect (any 3xx) is an EndpointError naming its Location: it is not followed, and nothing
    was stored. Only an error answer's body is read, up to 4 KiB.
    Credentials written in the URL (`http://user:password@host/`) are used as `user` would be
    and never shown: every message names the URL without them."""
    import urllib.request

    from jitarsa.formats import NTRIPLES
    from jitarsa.sparql.execute import (
        auth_handlers,
        exchange,
        opener,
        source_ntriples,
        split_credentials,
    )

    endpoint, in_url = split_credentials(endpoint)
    if in_url is not None and user is not None:
        raise QueryError("give the credentials once: in --user or in the URL, not both")
    user = user if user is not None else in_url
    url = graph_url(endpoint, graph)
    payload, _, _ = source_ntriples(data_dir, dump)
    request = urllib.request.Request(
        url,
        data=payload,
        method="PUT",
        headers={
            "Content-Type": NTRIPLES.media_type,
            "User-Agent": "jitarsa (Graph Store client)",
        },
    )
    reply = exchange(request, url, timeout, opener(*auth_handlers(url, user)), read=False)
    if reply.status >= 400:
        raise EndpointError(f"{url} answered HTTP {reply.status} {reply.reason}: {reply.detail()}")
    return Loaded(url, payload.count(b"\n"), reply.status)
