"""Content negotiation for `jitarsa serve`: which media type answers a request, from `Accept`.

One rule everywhere (RFC 9110 §12.5.1): each offered type gets the highest `q` of the ranges
that match it, the best wins and the first offered wins a tie. SELECT and ASK answers are also
offered under the generic types that clients send for them (`application/json`,
`application/xml`, as Fuseki and Virtuoso accept), with the W3C results format's bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

from jitarsa.formats import RDF_FORMATS, RESULTS_MEDIA_TYPES

#: Results formats by media type, best first: JSON is the answer when a client has no preference.
RESULTS_TYPES = tuple(RESULTS_MEDIA_TYPES.values())
#: Generic media types clients send for results, and the W3C format that answers each.
RESULTS_ALIASES = {
    "application/json": RESULTS_MEDIA_TYPES["json"],
    "application/xml": RESULTS_MEDIA_TYPES["xml"],
}
#: RDF formats by media type, Turtle first; RDF/XML for SPARQLWrapper's and rdflib's defaults,
#: N-Quads and TriG for clients that ask for a dataset (Jena's).
GRAPH_TYPES = tuple(fmt.media_type for fmt in RDF_FORMATS)
#: What a description of the service itself is offered in (the Service Description's own
#: formats: Turtle, RDF/XML, JSON-LD), Turtle first.
DESCRIPTION_TYPES = ("text/turtle", "application/rdf+xml", "application/ld+json")


def negotiate(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the Accept header ranks highest (the first offered on a tie)."""
    if not accept:
        return offered[0]
    ranked = []
    for item in accept.split(","):
        media, *params = [part.strip() for part in item.split(";")]
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranked.append((media.lower(), q))
    best, best_q = None, 0.0
    for media in offered:
        q = max((q for pattern, q in ranked if _matches(pattern, media)), default=0.0)
        if q > best_q:
            best, best_q = media, q
    return best


def _matches(pattern: str, media: str) -> bool:
    if pattern in ("*/*", media):
        return True
    return pattern.endswith("/*") and media.startswith(pattern[:-1])


def results_type(accept: str | None) -> tuple[str, str] | None:
    """For a SELECT or ASK answer: (the W3C results format's media type, the Content-Type to
    send), or None when Accept names none. A client that names only `application/json` gets
    the JSON results labelled as it asked; one that also names the W3C type gets that."""
    media = negotiate(accept, RESULTS_TYPES + tuple(RESULTS_ALIASES))
    if media is None:
        return None
    return RESULTS_ALIASES.get(media, media), media


def acceptable_results() -> str:
    """The results types for a 406 message."""
    return ", ".join(RESULTS_TYPES + tuple(RESULTS_ALIASES))
