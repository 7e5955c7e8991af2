"""jitarsa: the Thai Volunteer Spirit Network (เครือข่ายจิตอาสา) as validated linked data.

The public API, re-exported lazily so that `import jitarsa` (and the CLI) start fast: rdflib,
pySHACL and pyoxigraph load only when a function that needs them runs.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "build": "publish",
    "build_files": "publish",
    "build_site": "site",
    "BuildResult": "publish",
    "load_dataset": "records",
    "Dataset": "records",
    "Record": "records",
    "triples": "graph",
    "validate": "shacl",
    "Report": "shacl",
    "JitarsaError": "errors",
    "RecordError": "errors",
    "ValidationFailed": "errors",
    "ExitCode": "errors",
    "default_data_dir": "resources",
    "Items": "wikidata",
    "reconcile_sheet": "wikidata",
    "apply_matches": "matches",
    "quickstatements_batch": "quickstatements",
    "wikibase_triples": "wikibase_rdf",
    "query": "sparql",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'jitarsa' has no attribute {name!r}")
