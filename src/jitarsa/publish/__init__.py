"""Stage 4, publishing: the whole pipeline run and its files written into `dist/`.

Owns: the build (`build`: load → graph → validate → files, written through
`jitarsa._util.output`), the website (`site`, `templates/`) and the data dictionary of the
ontology and shapes (`dictionary`).
May import: `jitarsa.shacl`, `jitarsa.rdf`, `jitarsa.records` and the top-level modules.
"""
