"""Stage 1, records: the YAML a curator edits, read and checked into plain Python records.

Owns: the record model (`model`), the checks of one mapping (`checks`), reading a data folder
(`load`), the YAML reader (`yamlfile`), dates and Buddhist-Era years (`dates`), the text rules
(`text`) and synthetic registries for benchmarks (`synth`).
May import: `jitarsa.errors`, `namespaces`, `formats`, `resources`, `_util`. Nothing here knows RDF.
"""
