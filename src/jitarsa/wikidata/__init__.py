"""The records as Wikidata items: `jitarsa wikidata`.

Owns: the items and their referenced statements (`items`), writing reconciled QIDs back into
the records (`matches`), QuickStatements V1 batches (`quickstatements`) and the Wikibase RDF
export (`wikibase_rdf`).
May import: `jitarsa.sparql`, `jitarsa.publish`, `jitarsa.shacl`, `jitarsa.rdf`,
`jitarsa.records` and the top-level modules.
"""
