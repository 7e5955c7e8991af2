"""The query catalogue: the ready queries shipped in `queries/*.rq`, each with a header saying
what it answers and which parameters it takes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jitarsa.errors import QueryError
from jitarsa.resources import queries_dir


@dataclass(frozen=True)
class CatalogueQuery:
    """A query shipped with jitarsa; its header (`# key: value` lines) says what it answers."""

    name: str
    description: str
    params: tuple[str, ...]
    text: str


_HEADER = re.compile(r"#\s*(\w+):\s*(.*)")


def catalogue() -> dict[str, CatalogueQuery]:
    """Every catalogue query by name, in name order."""
    entries = {}
    for path in sorted(queries_dir().glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header: dict[str, list[str]] = {}
        for line in text.splitlines():
            match = _HEADER.fullmatch(line.strip())
            if not match:
                break
            header.setdefault(match[1], []).append(match[2].strip())
        name = header.get("name", [path.stem])[0]
        entries[name] = CatalogueQuery(
            name, header.get("description", [""])[0], tuple(header.get("param", ())), text
        )
    return entries


def read_query(query: str) -> str:
    """The SPARQL text of QUERY: a catalogue name, a `.rq` file, or the text itself."""
    if re.fullmatch(r"[a-z0-9-]+", query):
        entry = catalogue().get(query)
        if entry is not None:
            return entry.text
    if "\n" not in query and "{" not in query and len(query) < 4096:
        path = Path(query)
        if path.suffix == ".rq" or path.is_file():
            try:
                return path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                reason = getattr(err, "strerror", None) or str(err)
                raise QueryError(f"cannot read the query ({reason})", query) from None
        if re.fullmatch(r"[a-z0-9-]+", query):
            names = ", ".join(catalogue())
            raise QueryError(
                f"no query named {query!r} in the catalogue ({names}); see jitarsa query --list"
            )
    return query
