"""DCAT 3 versioning in the dataset description: the releases of the dataset as a series.

`<base>releases` is a `dcat:DatasetSeries`; each release is `<base>releases/<version>`, a
`dcat:Dataset` with `dcat:version`, `dct:issued` (the release date, recorded by `jitarsa
release` in the data: never the build's clock), `dcat:inSeries` and `dcat:previousVersion`. The
series points to the newest with `dcat:hasCurrentVersion` (and `dcat:first` / `dcat:last`); the
published dataset, `<base>dataset`, is that release's content: `dcat:hasVersion` names every
release and `dcat:hasCurrentVersion` the newest. An unreleased data folder adds nothing.
"""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Triple

from jitarsa.namespaces import DCAT, DCTERMS, XSD
from jitarsa.rdf.graph import TYPE
from jitarsa.records.model import Dataset


def series_iri(base: str) -> str:
    return base + "releases"


def release_iri(base: str, version: str) -> str:
    return f"{base}releases/{version}"


def version_triples(dataset: Dataset, dataset_iri: str) -> list[Triple]:
    """The series, its releases and their links to the published dataset (unsorted)."""
    releases = dataset.info.releases  # newest first
    if not releases:
        return []
    base = dataset.info.base
    series, d = NamedNode(series_iri(base)), NamedNode(dataset_iri)

    def p(local: str, ns: str = DCAT) -> NamedNode:
        return NamedNode(ns + local)

    def day(value: str) -> Literal:
        return Literal(value, datatype=NamedNode(XSD + "date"))

    out = [Triple(series, TYPE, p("DatasetSeries"))]
    for lang, title in dataset.info.title.items():
        suffix = {"th": " (รุ่นที่เผยแพร่)", "en": " (releases)"}.get(lang, "")
        out.append(Triple(series, p("title", DCTERMS), Literal(title + suffix, language=lang)))
    newest, oldest = (NamedNode(release_iri(base, r.version)) for r in (releases[0], releases[-1]))
    out += [
        Triple(series, p("hasCurrentVersion"), newest),
        Triple(series, p("first"), oldest),
        Triple(series, p("last"), newest),
        Triple(d, p("hasCurrentVersion"), newest),
        Triple(d, p("issued", DCTERMS), day(releases[-1].issued)),
        Triple(d, p("modified", DCTERMS), day(releases[0].issued)),
    ]
    for release in releases:
        r = NamedNode(release_iri(base, release.version))
        out += [
            Triple(r, TYPE, p("Dataset")),
            Triple(r, p("version"), Literal(release.version)),
            Triple(r, p("issued", DCTERMS), day(release.issued)),
            Triple(r, p("inSeries"), series),
            Triple(d, p("hasVersion"), r),
        ]
        for lang, title in dataset.info.title.items():
            out.append(
                Triple(r, p("title", DCTERMS), Literal(f"{title} {release.version}", language=lang))
            )
        if release.previous:
            previous = NamedNode(release_iri(base, release.previous))
            out += [Triple(r, p("previousVersion"), previous), Triple(r, p("prev"), previous)]
    return out
