"""Stage 3, SHACL validation: the graph checked against ontology/shapes.ttl.

Owns: the report for people and programs (`report`), pySHACL, the reference engine
(`_pyshacl`), the fast engine for large graphs (`_fast`, internal) and the choice between them
(`engine`).
May import: `jitarsa.rdf`, `jitarsa.records` and the top-level modules.
"""
