"""SPARQL over the published graph: `jitarsa query`, `serve` and `load`.

Owns: the query catalogue (`catalogue`, `queries/*.rq`), `--param` parsing and binding
(`params`), running a query locally or remotely (`execute`), writing answers (`results`), the
read-only endpoint (`server`) and the Graph Store Protocol client (`graph_store`).
May import: `jitarsa.publish`, `jitarsa.shacl`, `jitarsa.rdf`, `jitarsa.records` and the
top-level modules.
"""
