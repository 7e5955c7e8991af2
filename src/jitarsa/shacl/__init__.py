"""Stage 3, SHACL validation: the graph checked against ontology/shapes.ttl.

Owns: the report for people and programs (`report`), pySHACL (`_pyshacl`), the fast engine
(`_fast`, internal: its constraint components in `_components`, literals in `_datatypes`, the
SPARQL and XPath operators in `_xpath`), the choice between them and any RDF file read as the
data (`engine`).
May import: `jitarsa.rdf`, `jitarsa.records` and the top-level modules.
"""
