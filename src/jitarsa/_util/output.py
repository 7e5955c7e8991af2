"""Output folders: files written atomically, measured as they pass, with their checksums.

A folder is written whole into a fresh folder beside it and swapped in with renames, so a
failure at any step leaves the previous folder exactly as it was. jitarsa replaces only a folder
it wrote, recognised by its marker (MARKER), which lists every file: a folder holding anything
else (a `.git/`, an `.env`, someone else's SHA256SUMS) is refused, never deleted. Scratch folders
carry the id of the process that made them; a later run removes those of processes that no
longer run (a killed build).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
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


def checksums(files: dict[str, bytes]) -> bytes:
    """`sha256sum -c` format, sorted by path."""
    return checksum_lines({name: hashlib.sha256(data).hexdigest() for name, data in files.items()})


def checksum_lines(digests: dict[str, str]) -> bytes:
    lines = [f"{digest}  {name}" for name, digest in sorted(digests.items())]
    return ("\n".join(lines) + "\n").encode("utf-8")


#: The marker only jitarsa writes: a folder is replaced only if this file in it (or in a folder
#: above it) lists every file the folder holds. No dates in it: dist/ is committed, and a
#: rebuild must give the same bytes.
MARKER = ".jitarsa-output.json"
_MARKER_NOTE = (
    "written by jitarsa, which replaces this folder whole on its next run; it refuses a folder "
    "holding any file not listed here"
)
#: Largest marker read (a site of a million pages lists about 60 MB of names).
_MARKER_MAX_BYTES = 256 << 20
#: Scratch folders: `.NAME.PURPOSE-PID-XXXXXXXX` beside the output folder NAME, made by the
#: process PID (tempfile.mkdtemp's eight random characters at the end).
_SCRATCH = re.compile(
    r"^\.(?P<name>.+)\.(?P<purpose>new|second|old)-(?P<pid>[0-9]+)-[a-z0-9_]{8}\Z"
)


def folder_beside(out_dir: Path, purpose: str) -> Path:
    """A new hidden scratch folder beside `out_dir`, named after it, the purpose and this
    process: on the same file system, so that what is written in it is moved into place, not
    copied. Scratch left by a process that no longer runs (killed) is removed first."""
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        clean_scratch(out_dir)
        return Path(
            tempfile.mkdtemp(prefix=f".{out_dir.name}.{purpose}-{os.getpid()}-", dir=out_dir.parent)
        )
    except OSError as err:
        raise OutputError(f"cannot be written ({err.strerror})", out_dir) from None


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it runs, as another user
        return True
    return True


def clean_scratch(out_dir: Path) -> None:
    """Remove the scratch folders of `out_dir` left by jitarsa processes that no longer run.
    A previous folder set aside (`old`) by a process killed before its replacement was moved in
    is put back instead, if nothing has taken its place."""
    for path in sorted(out_dir.parent.glob(f".{glob.escape(out_dir.name)}.*-*-*")):
        match = _SCRATCH.match(path.name)
        if (
            match is None
            or match["name"] != out_dir.name
            or not path.is_dir()
            or path.is_symlink()
            or _running(int(match["pid"]))
        ):
            continue
        if match["purpose"] == "old" and not out_dir.exists():
            path.rename(out_dir)
        else:
            shutil.rmtree(path, ignore_errors=True)


def prepare(out_dir: Path) -> Path:
    """`out_dir`, resolved, once the scratch of killed runs beside it is cleaned (which may put
    back a folder a killed build set aside) and it is known to be jitarsa's to replace: checked
    before anything is made beside it."""
    if Path(out_dir).is_symlink():
        raise OutputError(
            "is a symbolic link: jitarsa replaces only a real folder; give the folder it "
            "points to, or another path",
            out_dir,
        )
    out_dir = Path(out_dir).resolve()
    try:
        if out_dir.parent.is_dir():
            clean_scratch(out_dir)
    except OSError as err:
        raise OutputError(f"cannot be written ({err.strerror})", out_dir) from None
    if out_dir.exists() and not is_ours(out_dir):
        raise OutputError(
            f"holds files jitarsa did not write (no {MARKER} lists them all); "
            "choose an empty or new folder, or move those files away (an output of a "
            "jitarsa older than the marker must be deleted by hand, once)",
            out_dir,
        )
    return out_dir


def write_atomic(out_dir: Path, files, staging: Path | None = None) -> Path:
    """Write `files` (a mapping or an iterable of (name, bytes, Stream or Written)) into
    `out_dir`, replacing it whole, or leave it untouched on failure. SHA256SUMS is added if
    `files` lacks it, and the marker (MARKER) last. A folder that exists and is not jitarsa's
    output (see `is_ours`) is refused: nothing in it is deleted. `staging`, if given, is the
    new folder beside `out_dir` (made by `prepare` and `folder_beside`) where the files go and
    where Written files already are."""
    out_dir = prepare(out_dir)
    staging = staging or folder_beside(out_dir, "new")
    old = None
    try:
        items = sorted(files.items()) if isinstance(files, dict) else files
        digests: dict[str, str] = {}
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
                with create(target) as handle:
                    handle.write(data)
                digests[name] = hashlib.sha256(data).hexdigest()
            del data  # not held while the next file is rendered
        if CHECKSUMS not in digests:
            with create(staging / CHECKSUMS) as handle:
                handle.write(checksum_lines(digests))
            digests[CHECKSUMS] = ""
        with create(staging / MARKER) as handle:
            handle.write(marker(digests))
        staging.chmod(0o755)
        if out_dir.exists():
            old = folder_beside(out_dir, "old")
            out_dir.rename(old)  # over the empty folder just made
        staging.rename(out_dir)
    except OSError as err:
        if old is not None and old.exists() and not out_dir.exists():
            old.rename(out_dir)
        raise OutputError(f"cannot be written ({err.strerror})", out_dir) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return out_dir


def marker(names) -> bytes:
    """The marker's bytes: the tool and the files it wrote, sorted."""
    document = {"written_by": "jitarsa", "note": _MARKER_NOTE, "files": sorted(names)}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _listed(holder: Path) -> set[str] | None:
    """The files a marker in `holder` lists, or None if it has no marker of jitarsa's."""
    path = holder / MARKER
    try:
        if not path.is_file() or path.stat().st_size > _MARKER_MAX_BYTES:
            return None
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    files = document.get("files") if isinstance(document, dict) else None
    if document.get("written_by") != "jitarsa" or not isinstance(files, list):
        return None
    return {f for f in files if isinstance(f, str)}


def _owned(folder: Path) -> set[str] | None:
    """What the marker in `folder`, or else in the nearest folder above, lists inside `folder`
    (paths relative to it), or None: no marker (a site written by `build` is `dist/site`)."""
    for holder in (folder, *folder.parents):
        listed = _listed(holder)
        if listed is not None:
            if holder == folder:
                return listed
            prefix = folder.relative_to(holder).as_posix() + "/"
            return {f[len(prefix) :] for f in listed if f.startswith(prefix)}
    return None


def is_ours(folder: Path) -> bool:
    """Whether jitarsa may replace `folder`: it is empty (only empty folders in it), or every
    file in it is listed by jitarsa's marker (its own, one above it, or one in a subfolder for
    the files there); jitarsa's own scratch folders in it count as its own."""
    if not folder.is_dir() or folder.is_symlink():
        return False
    owned = _owned(folder)
    marked = _listed(folder) is not None
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        for name in list(dirs):
            sub = here / name
            if sub.is_symlink():
                files.append(name)  # an entry to account for, not a folder to enter
                dirs.remove(name)
            elif _SCRATCH.match(name) or (sub / MARKER).is_file():
                if not _SCRATCH.match(name) and not is_ours(sub):
                    return False
                dirs.remove(name)
        for name in files:
            relative = (here / name).relative_to(folder).as_posix()
            if relative == MARKER and marked:
                continue
            if owned is None or relative not in owned:
                return False
    return True


#: Flags of every file jitarsa creates: a new name only (an existing file, or a link planted
#: under that name, fails) and never through a symbolic link.
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def create(path: Path | str, mode: int = 0o644):
    """A new file opened for writing at PATH: refused if anything (a file, a planted link)
    is already there, never through a link."""
    return os.fdopen(os.open(path, _CREATE, mode), "wb")


def write_chunks(path: Path, chunks) -> None:
    with create(path) as handle:
        for chunk in chunks:
            handle.write(chunk)


def refuse_link(path: Path | str, *, dir_fd: int | None = None, shown: Path | str | None = None):
    """OutputError (exit 4) if PATH is a symbolic link or a file with other hard links: a
    write there would land outside the folder, or change a file under another name too."""
    try:
        info = os.lstat(path, dir_fd=dir_fd)
    except FileNotFoundError:
        return
    except OSError as err:
        raise OutputError(f"cannot be written ({err.strerror})", shown or path) from None
    if stat.S_ISLNK(info.st_mode):
        raise OutputError(
            "is a symbolic link: jitarsa does not write through one; remove the link or "
            "choose another path",
            shown or path,
        )
    if not stat.S_ISDIR(info.st_mode) and info.st_nlink > 1:
        raise OutputError(
            f"has {info.st_nlink} hard links: writing it would change another file too; "
            "remove the other links or choose another path",
            shown or path,
        )


def write_file(
    path: Path | str, data: bytes | Iterable[bytes], mode: int | None = None, sync: bool = False
) -> Path:
    """Write one file whole, or leave it as it was: a new file with a fresh, unpredictable
    name (created O_EXCL | O_NOFOLLOW relative to its folder's descriptor) renamed over it.
    A symbolic link or a hard-linked file at PATH is refused (OutputError, exit 4). MODE
    defaults to the mode of the file replaced, or 0644. SYNC flushes the bytes to disk before
    the rename (so that a rename made after it cannot outrun them)."""
    target = Path(path)
    name = target.name
    temp = f".{name[:200]}.{secrets.token_hex(8)}.tmp"
    try:
        folder = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as err:
        raise OutputError(f"cannot be written ({err.strerror})", path) from None
    try:
        refuse_link(name, dir_fd=folder, shown=path)
        try:
            replaced = os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode & 0o777
        except FileNotFoundError:
            replaced = 0o644
        made = False
        try:
            handle = os.fdopen(os.open(temp, _CREATE, 0o600, dir_fd=folder), "wb")
            made = True
            with handle:
                for chunk in [data] if isinstance(data, bytes | bytearray) else data:
                    handle.write(chunk)
                os.fchmod(handle.fileno(), replaced if mode is None else mode)
                if sync:
                    handle.flush()
                    os.fsync(handle.fileno())
            refuse_link(name, dir_fd=folder, shown=path)  # planted while this was written
            os.rename(temp, name, src_dir_fd=folder, dst_dir_fd=folder)  # over the old file
            made = False
        finally:
            if made:
                os.unlink(temp, dir_fd=folder)
    except OSError as err:
        raise OutputError(f"cannot be written ({err.strerror})", path) from None
    finally:
        os.close(folder)
    return target
