"""The dataset's release history: `releases/<version>.json` in the data folder.

`jitarsa release` writes one file per release (its version, date, the release before it and the
entity-level changes since then) beside a gzipped copy of its N-Triples (`<version>.nt.gz`), the
base of the next release's comparison. The build reads the history for the DCAT description and
the website; being data, it keeps plain builds byte-identical.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from jitarsa.errors import RecordError

#: A release version: MAJOR.MINOR.PATCH of Semantic Versioning 2.0.0, without pre-release or
#: build parts (a published data release is final).
SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
FOLDER = "releases"


@dataclass(frozen=True)
class Release:
    """One published release of the dataset and what changed since the one before."""

    version: str
    issued: str  # xsd:date
    previous: str | None = None
    summary: dict[str, int] = field(default_factory=dict)
    changes: tuple[dict, ...] = ()

    @property
    def key(self) -> tuple[int, int, int]:
        return version_key(self.version)


def version_key(version: str) -> tuple[int, int, int]:
    """`1.10.0` → (1, 10, 0), for ordering; ValueError if it is not MAJOR.MINOR.PATCH."""
    found = SEMVER.match(version)
    if not found:
        raise ValueError(f"{version!r} is not a version MAJOR.MINOR.PATCH (such as 1.2.0)")
    major, minor, patch = (int(part) for part in found.groups())
    return major, minor, patch


def load_releases(data_dir: Path) -> tuple[Release, ...]:
    """Every release recorded in the data folder, newest first; none if it has no history."""
    found = [_read(path) for path in sorted((Path(data_dir) / FOLDER).glob("*.json"))]
    return tuple(sorted(found, key=lambda r: r.key, reverse=True))


def _read(path: Path) -> Release:
    def fail(message: str, name: str | None = None):
        raise RecordError(message, path, path.stem, name)

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        fail(f"is not a readable release record: {err}")
    if not isinstance(data, dict):
        fail("expected a JSON object")
    version = data.get("version")
    if not isinstance(version, str) or not SEMVER.match(version) or version != path.stem:
        fail(f"expected the version of the file's name, {path.stem!r}", "version")
    issued = data.get("issued")
    try:
        date.fromisoformat(issued)
    except (TypeError, ValueError):
        fail(f"expected a date YYYY-MM-DD, got {issued!r}", "issued")
    previous = data.get("previous")
    if previous is not None and (not isinstance(previous, str) or not SEMVER.match(previous)):
        fail(f"expected a version MAJOR.MINOR.PATCH or null, got {previous!r}", "previous")
    changes = data.get("changes", [])
    if not isinstance(changes, list) or not all(isinstance(c, dict) for c in changes):
        fail("expected a list of changes", "changes")
    summary = data.get("summary", {})
    if not isinstance(summary, dict):
        fail("expected a mapping of change kinds to counts", "summary")
    return Release(version, issued, previous, summary, tuple(changes))
