"""Every namespace jitarsa publishes, in one place.

schema.org is `http://schema.org/` (not rdflib's `https://schema.org/` SDO): it is what
schema.org's own JSON-LD context expands to and what Wikidata's RDF uses.
"""

import re

SCHEMA = "http://schema.org/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"
DCTERMS = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
SPDX = "http://spdx.org/rdf/terms#"
FOAF = "http://xmlns.com/foaf/0.1/"
JITARSA = "https://w3id.org/jitarsa/ontology#"
WD = "http://www.wikidata.org/entity/"
SD = "http://www.w3.org/ns/sparql-service-description#"
SHAPES = "https://w3id.org/jitarsa/shapes#"

DEFAULT_BASE = "https://w3id.org/jitarsa/"

#: XSD's integer datatypes: every one derived from xsd:integer.
XSD_INTEGERS = frozenset(
    XSD + name
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    )
)

#: Prefixes written into Turtle and predeclared for SPARQL, in a stable order.
PREFIXES = {
    "schema": SCHEMA,
    "org": ORG,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "dcterms": DCTERMS,
    "dcat": DCAT,
    "void": VOID,
    "spdx": SPDX,
    "jitarsa": JITARSA,
    "wd": WD,
    "sd": SD,
}


#: Prefixes for showing IRIs to people: the published ones and those of the SHACL shapes.
SHOWN_PREFIXES = {**PREFIXES, "sh": SH, "jsh": SHAPES}
_LOCAL = re.compile(r"[\w-]+")


def shorten(iri: str) -> str:
    """`http://schema.org/name` → `schema:name`, for people to read (reports, tables, pages);
    an IRI under no known prefix, or whose local part is not a plain name, stays in full."""
    for prefix, ns in SHOWN_PREFIXES.items():
        if iri.startswith(ns) and _LOCAL.fullmatch(iri, len(ns)):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def expand(curie: str) -> str:
    """Turn `schema:NGO` into its full IRI; a full IRI passes through."""
    prefix, sep, local = curie.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return curie


def membership_iri(base: str, list_slug: str, slug: str) -> str:
    """The IRI of the membership a source's list states: `membership/<list>/<record id>`."""
    return f"{base}membership/{list_slug}/{slug}"


def change_iri(base: str, slug: str) -> str:
    """The IRI of the change that ended an organisation (an org:ChangeEvent): `change/<id>`."""
    return f"{base}change/{slug}"


def entity_iri(base: str, kind: str, slug: str) -> str:
    """The IRI of a record: organisations under `org/`, places under `place/`."""
    return f"{base}{'place' if kind == 'country' else 'org'}/{slug}"
