"""SPARQL over the published graph: `jitarsa query`, `serve` and `load`.

Owns: the query catalogue (`catalogue`, `queries/*.rq`), `--param` parsing and binding
(`params`), what a query may ask before it is parsed (`guard`), running a query locally or
remotely (`execute`), writing answers (`results`), the read-only endpoint (`server`) with its
limits (`limits`) and the Graph Store Protocol client (`graph_store`).
May import: `jitarsa.publish`, `jitarsa.shacl`, `jitarsa.rdf`, `jitarsa.records` and the
top-level modules.
"""
