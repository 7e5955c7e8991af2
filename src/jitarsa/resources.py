"""Where the default dataset and the ontology files are.

In a checkout (editable install) they are the top-level `data/` and `ontology/`, so a curator's
edit takes effect at once; in an installed wheel they travel inside the package
(`jitarsa/_bundled/`, see pyproject.toml).
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent


def _root(name: str) -> Path:
    in_checkout = _CHECKOUT / name
    if in_checkout.is_dir() and (_CHECKOUT / "pyproject.toml").is_file():
        return in_checkout
    return _PACKAGE / "_bundled" / name


def is_installed_copy(path: Path | str) -> bool:
    """Whether PATH lies in the data and ontology installed with the package: jitarsa reads
    them but never writes there (a release must be cut in the curator's own copy)."""
    bundled = _PACKAGE / "_bundled"
    resolved = Path(path).resolve()
    return resolved == bundled or bundled in resolved.parents


def default_data_dir() -> Path:
    """The embedded Volunteer Spirit Network records."""
    return _root("data")


def ontology_dir() -> Path:
    return _root("ontology")


def ontology_file() -> Path:
    return ontology_dir() / "jitarsa.ttl"


def shapes_file() -> Path:
    return ontology_dir() / "shapes.ttl"


def context_file() -> Path:
    return ontology_dir() / "context.jsonld"


def kinds_file() -> Path:
    return ontology_dir() / "kinds.yaml"


def wikidata_file() -> Path:
    return ontology_dir() / "wikidata.yaml"


def dist_dir() -> Path:
    """The published dumps: the checkout's `dist/`, or the copy bundled in the wheel."""
    return _root("dist")


def default_dump() -> Path:
    """The N-Triples dump of the default dataset: what `query` and `serve` read with no build."""
    return dist_dir() / "jitarsa.nt"


def queries_dir() -> Path:
    """The catalogue of SPARQL queries shipped with the package (`jitarsa query --list`)."""
    return _PACKAGE / "sparql" / "queries"
