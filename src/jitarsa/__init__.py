"""jitarsa: the Thai Volunteer Spirit Network (เครือข่ายจิตอาสา) as validated linked data.

The public API, re-exported lazily so that `import jitarsa` (and the CLI) start fast: rdflib,
pySHACL and pyoxigraph load only when a function that needs them runs.
"""

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what type checkers and editors see; at run time each loads on first use
    __version__: str
    from jitarsa.errors import ExitCode, JitarsaError, RecordError, ValidationFailed
    from jitarsa.publish.build import BuildResult, build, build_files, build_site
    from jitarsa.rdf.graph import triples
    from jitarsa.records.load import load_dataset
    from jitarsa.records.model import Dataset, Record
    from jitarsa.releases.cut import release
    from jitarsa.releases.diff import diff
    from jitarsa.resources import default_data_dir
    from jitarsa.shacl.engine import validate
    from jitarsa.shacl.report import Report
    from jitarsa.sparql.execute import query
    from jitarsa.wikidata.items import Items, reconcile_sheet
    from jitarsa.wikidata.matches import apply_matches
    from jitarsa.wikidata.quickstatements import quickstatements_batch
    from jitarsa.wikidata.wikibase_rdf import wikibase_triples

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
    "diff": "releases.diff",
    "release": "releases.cut",
}

__all__ = [
    "BuildResult",
    "Dataset",
    "ExitCode",
    "Items",
    "JitarsaError",
    "Record",
    "RecordError",
    "Report",
    "ValidationFailed",
    "apply_matches",
    "build",
    "build_files",
    "build_site",
    "default_data_dir",
    "diff",
    "load_dataset",
    "query",
    "quickstatements_batch",
    "reconcile_sheet",
    "release",
    "triples",
    "validate",
    "wikibase_triples",
]


def __getattr__(name: str) -> object:
    if name == "__version__":  # read when asked: importlib.metadata is a fifth of the start-up
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("jitarsa")  # the one place it is written is pyproject.toml
        except PackageNotFoundError:  # imported from a source tree that was never installed
            return "0+unknown"
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'jitarsa' has no attribute {name!r}")
