"""Stage 2, RDF: records → triples, and the triples written out.

Owns: the graph and its plain-text form (`graph`), the N-Triples and Turtle writers (`dumps`),
the framed JSON-LD writer (`jsonld`) and the VoID/DCAT dataset description (`description`).
May import: `jitarsa.records` and the top-level modules (`errors`, `namespaces`, `formats`,
`resources`, `_util`).
"""
