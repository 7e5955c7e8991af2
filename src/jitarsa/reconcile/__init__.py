"""The reconciliation service: a list of names matched against the registry's organisations.

Owns name normalisation and romanisation (`names`), the in-memory index that scores candidates
(`index`), the W3C Reconciliation Service API 0.2 over HTTP (`service`) and the same matcher over
a CSV file (`table`). It reads the published graph as N-Triples, the bytes `jitarsa serve`
already holds, so every data option of `serve` serves the same names; it imports only the
foundation (`jitarsa.errors`, `jitarsa.namespaces`, `jitarsa._util`), never a later stage.
"""
