"""jitarsa: the Thai Volunteer Spirit Network (เครือข่ายจิตอาสา) as validated linked data.

The public API, re-exported lazily so that `import jitarsa` (and the CLI) start fast: rdflib,
pySHACL and pyoxigraph load only when a function that needs them runs.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "build": "publish.build",
    "build_files": "publish.build",
    "build_site": "publish.build",
    "BuildResult": "publish.build",
    "load_dataset": "records.load",
    "Dataset": "records.model",
    "Record": "records.model",
    "triples": "rdf.graph",
    "validate": "shacl.engine",
    "Report": "shacl.report",
    "JitarsaError": "errors",
    "RecordError": "errors",
    "ValidationFailed": "errors",
    "ExitCode": "errors",
    "default_data_dir": "resources",
    "Items": "wikidata.items",
    "reconcile_sheet": "wikidata.items",
    "apply_matches": "wikidata.matches",
    "quickstatements_batch": "wikidata.quickstatements",
    "wikibase_triples": "wikidata.wikibase_rdf",
    "query": "sparql.execute",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'jitarsa' has no attribute {name!r}")
