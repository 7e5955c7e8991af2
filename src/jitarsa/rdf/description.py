"""The dataset description: VoID for RDF tooling, DCAT for data catalogues, in one Turtle file.

It describes the dumps (media type, size, SHA-256) so it is made last, from their bytes.
Everything has an IRI under the base: no blank nodes, so the file is reproducible.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from pyoxigraph import Literal, NamedNode, Triple

from jitarsa.formats import Format
from jitarsa.namespaces import DCAT, DCTERMS, ORG, OWL, PREFIXES, PROV, SCHEMA, SPDX, VOID, XSD
from jitarsa.rdf.graph import TYPE, as_graph, sort_triples
from jitarsa.rdf.versions import version_triples
from jitarsa.records.model import Dataset


def _n(iri: str) -> NamedNode:
    return NamedNode(iri)


def _int(value: int, datatype: str = "integer") -> Literal:
    return Literal(str(value), datatype=_n(XSD + datatype))


def dataset_iri(base: str) -> str:
    return base + "dataset"


def description_triples(
    dataset: Dataset, graph, dumps: list[tuple[Format, str, int, str]]
) -> list[Triple]:
    """VoID + DCAT triples for the dataset (a jitarsa.graph.Graph or Triples), its class
    partitions and its dump files, each given as (format, file name, size in bytes, SHA-256
    in hex)."""
    graph = as_graph(graph)
    base = dataset.info.base
    d = _n(dataset_iri(base))
    out = [Triple(d, TYPE, _n(VOID + "Dataset")), Triple(d, TYPE, _n(DCAT + "Dataset"))]
    add = out.append
    for key, prop in (("title", DCTERMS + "title"), ("description", DCTERMS + "description")):
        for lang, text in getattr(dataset.info, key).items():
            add(Triple(d, _n(prop), Literal(text, language=lang)))
    add(Triple(d, _n(DCTERMS + "license"), _n(dataset.info.license)))
    # The dataset's sources, then the member lists (each of which it is built from)
    for url in [s.url for s in dataset.info.sources] + [s.url for s in dataset.lists]:
        add(Triple(d, _n(DCTERMS + "source"), _n(url)))
        add(Triple(d, _n(PROV + "wasDerivedFrom"), _n(url)))
    add(Triple(d, _n(DCAT + "version"), Literal(dataset.info.version)))
    add(Triple(d, _n(OWL + "versionInfo"), Literal(dataset.info.version)))
    add(Triple(d, _n(VOID + "triples"), _int(len(graph))))
    entities = sum(1 for s in graph.subjects if s.startswith(base))
    add(Triple(d, _n(VOID + "entities"), _int(entities)))
    add(Triple(d, _n(VOID + "uriSpace"), Literal(base)))
    network = _n(base + "org/" + dataset.info.network)
    add(Triple(d, _n(VOID + "rootResource"), network))
    add(Triple(d, _n(VOID + "exampleResource"), network))
    for vocabulary in (SCHEMA, ORG, PROV):
        add(Triple(d, _n(VOID + "vocabulary"), _n(vocabulary)))
    classes = _class_counts(graph)
    for cls, count in sorted(classes.items()):
        part = _n(f"{dataset_iri(base)}/class/{_slug(cls)}")
        add(Triple(d, _n(VOID + "classPartition"), part))
        add(Triple(part, _n(VOID + "class"), _n(cls)))
        add(Triple(part, _n(VOID + "entities"), _int(count)))
    for fmt, filename, size, sha256 in dumps:
        dist = _n(base + filename)
        add(Triple(d, _n(VOID + "dataDump"), dist))
        add(Triple(d, _n(VOID + "feature"), _n(fmt.iri)))
        add(Triple(d, _n(DCAT + "distribution"), dist))
        add(Triple(dist, TYPE, _n(DCAT + "Distribution")))
        add(Triple(dist, _n(DCTERMS + "title"), Literal(f"{fmt.name} dump", language="en")))
        add(Triple(dist, _n(DCAT + "downloadURL"), dist))
        add(Triple(dist, _n(DCAT + "mediaType"), _n(fmt.iana)))
        add(Triple(dist, _n(DCTERMS + "format"), _n(fmt.iri)))
        add(Triple(dist, _n(DCTERMS + "license"), _n(dataset.info.license)))
        add(Triple(dist, _n(DCAT + "byteSize"), _int(size, "nonNegativeInteger")))
        checksum = _n(f"{base}{filename}#sha256")
        add(Triple(dist, _n(SPDX + "checksum"), checksum))
        add(Triple(checksum, TYPE, _n(SPDX + "Checksum")))
        add(Triple(checksum, _n(SPDX + "algorithm"), _n(SPDX + "checksumAlgorithm_sha256")))
        add(
            Triple(
                checksum,
                _n(SPDX + "checksumValue"),
                Literal(sha256, datatype=_n(XSD + "hexBinary")),
            )
        )
    out += version_triples(dataset, dataset_iri(base))
    return sort_triples(set(out))


def _class_counts(graph) -> Counter:
    """How many subjects have each class: rdf:type comes first in a subject's statements, so
    only those are read (at registry scale, a scan of every statement takes seconds)."""
    counts: Counter = Counter()
    rdf_type = TYPE.value
    for pairs in graph.statements.values():
        for p, o in pairs:
            if p != rdf_type:
                break
            counts[o] += 1
    return counts


def _slug(iri: str) -> str:
    """`http://schema.org/NGO` → `schema-NGO`: a readable, stable partition name."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}-{iri[len(ns) :]}"
    return hashlib.sha256(iri.encode()).hexdigest()[:12]
