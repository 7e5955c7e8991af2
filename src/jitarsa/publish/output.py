"""The output folder: files written atomically, measured as they pass, with their checksums.

A folder is written whole into a fresh folder beside it and swapped in with renames, so a
failure at any step leaves the previous folder exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from jitarsa.errors import OutputError

#: The checksum file every output folder has (`sha256sum -c SHA256SUMS`).
CHECKSUMS = "SHA256SUMS"


class Stream:
    """A file written as chunks, measured (size, SHA-256) as they pass on their way to disk."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self.size = 0
        self._digest = hashlib.sha256()

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.size += len(chunk)
            self._digest.update(chunk)
            yield chunk

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()


class Written(NamedTuple):
    """A file another writer has already put into the staging folder: only its digest is
    passed on, for SHA256SUMS."""

    sha256: str


def write_chunks(path: Path, chunks) -> None:
    with path.open("wb") as handle:
        for chunk in chunks:
            handle.write(chunk)


def checksums(files: dict[str, bytes]) -> bytes:
    """`sha256sum -c` format, sorted by path."""
    return checksum_lines({name: hashlib.sha256(data).hexdigest() for name, data in files.items()})


def checksum_lines(digests: dict[str, str]) -> bytes:
    lines = [f"{digest}  {name}" for name, digest in sorted(digests.items())]
    return ("\n".join(lines) + "\n").encode("utf-8")


def folder_beside(out_dir: Path, purpose: str) -> Path:
    """A new hidden folder beside `out_dir`: on the same file system, so that what is written
    in it is moved into place, not copied."""
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{purpose}-", dir=out_dir.parent))
    except OSError as err:
        raise OutputError(f"cannot be written ({err.strerror})", out_dir) from None


def write_atomic(out_dir: Path, files, staging: Path | None = None) -> Path:
    """Write `files` (a mapping or an iterable of (name, bytes, Stream or Written)) into
    `out_dir`, replacing it whole, or leave it untouched on failure. SHA256SUMS is added if
    `files` lacks it. `staging`, if given, is the new folder beside `out_dir` (folder_beside)
    where the files go and where Written files already are."""
    out_dir = out_dir.resolve()
    if out_dir.exists() and not _is_ours(out_dir):
        raise OutputError(
            "already holds files jitarsa did not write (no SHA256SUMS); choose "
            "an empty or new folder",
            out_dir,
        )
    staging = staging or folder_beside(out_dir, "new")
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    items = sorted(files.items()) if isinstance(files, dict) else files
    digests: dict[str, str] = {}
    try:
        for name, data in items:
            if isinstance(data, Written):
                digests[name] = data.sha256
                continue
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, Stream):
                write_chunks(target, data)
                digests[name] = data.sha256
            else:
                target.write_bytes(data)
                digests[name] = hashlib.sha256(data).hexdigest()
            del data  # not held while the next file is rendered
        if CHECKSUMS not in digests:
            (staging / CHECKSUMS).write_bytes(checksum_lines(digests))
        staging.chmod(0o755)
        if out_dir.exists():
            out_dir.rename(old)
        staging.rename(out_dir)
    except OSError as err:
        if old.exists() and not out_dir.exists():
            old.rename(out_dir)
        raise OutputError(f"cannot be written ({err.strerror})", out_dir) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return out_dir


def _is_ours(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    visible = [p for p in folder.iterdir() if not p.name.startswith(".")]
    return not visible or (folder / CHECKSUMS).is_file()


def write_file(path: Path | str, data: bytes) -> Path:
    """Write one file atomically: a temporary file beside it, renamed over it."""
    target = Path(path)
    temp = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        temp = Path(name)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        temp.chmod(target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(temp, target)
    except OSError as err:
        raise OutputError(f"cannot be written ({err.strerror})", path) from None
    finally:
        if temp is not None:
            temp.unlink(missing_ok=True)
    return target
