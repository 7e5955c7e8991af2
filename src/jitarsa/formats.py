"""The RDF formats jitarsa writes and reads: one value per format, asked, never hard-coded."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    media_type: str
    iri: str  # the W3C "formats" IRI (http://www.w3.org/ns/formats/)

    @property
    def iana(self) -> str:
        """The IANA media-type IRI, as DCAT's dcat:mediaType expects."""
        return f"https://www.iana.org/assignments/media-types/{self.media_type}"

    def pyoxigraph(self):
        from pyoxigraph import RdfFormat

        return RdfFormat.from_media_type(self.media_type)

    def serialize(self, triples, prefixes: dict[str, str] | None = None) -> bytes:
        """Triples in this format, by Oxigraph's writer."""
        from pyoxigraph import serialize

        data = serialize(triples, format=self.pyoxigraph(), prefixes=prefixes)
        assert data is not None  # pyoxigraph returns None only when given an output file
        return data


TURTLE = Format("turtle", "ttl", "text/turtle", "http://www.w3.org/ns/formats/Turtle")
NTRIPLES = Format(
    "n-triples", "nt", "application/n-triples", "http://www.w3.org/ns/formats/N-Triples"
)
JSONLD = Format("json-ld", "jsonld", "application/ld+json", "http://www.w3.org/ns/formats/JSON-LD")
RDF_XML = Format("rdf-xml", "rdf", "application/rdf+xml", "http://www.w3.org/ns/formats/RDF_XML")
# Dataset formats: a graph is a dataset with only the default graph (asked for by clients
# that read datasets, such as Jena's `rsparql` and `riot`).
NQUADS = Format("n-quads", "nq", "application/n-quads", "http://www.w3.org/ns/formats/N-Quads")
TRIG = Format("trig", "trig", "application/trig", "http://www.w3.org/ns/formats/TriG")

RDF_FORMATS = (TURTLE, NTRIPLES, JSONLD, RDF_XML, NQUADS, TRIG)


def by_name(name: str) -> Format:
    """A format by its name, extension or media type (`ttl`, `turtle`, `text/turtle`)."""
    for fmt in RDF_FORMATS:
        if name.lower() in (fmt.name, fmt.extension, fmt.media_type):
            return fmt
    raise KeyError(name)


def for_path(path) -> Format:
    """The format of a file from its extension."""
    suffix = str(path).rsplit(".", 1)[-1].lower()
    return by_name({"json": "jsonld"}.get(suffix, suffix))


#: The W3C SPARQL 1.1 query results formats, by the name `--format` gives them, best first.
RESULTS_MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
HTML = "text/html"
TEXT = "text/plain"
#: What a SPARQL 1.1 Protocol request body may be (a query as a form or as is; an update).
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
