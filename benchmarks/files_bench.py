"""What writing the site's files costs at scale, with nothing rendered: the machine's share.

A site has a folder per record, `org/<id>/`, holding five files: its page and its four RDF
files. This writes that shape for N records, with bytes of the sizes a synthetic record's files
have, through the site's own writer (`jitarsa.publish.site._write`: a batch of 256 records at a
time, each file opened relative to the site folder, written, closed and hashed), in one process,
and reports the time per record: if it grows with N, that part of the site's growth in
benchmarks/scale.py is the filesystem's and the machine's, not the rendering's.

    python benchmarks/files_bench.py                       # 10,000 then 100,000 records
    python benchmarks/files_bench.py --sizes 1000,10000 --work DIR

Each size writes into a new folder of a temporary folder (under --work if given), after `sync`;
the folders are deleted at the end, all together, because deleting hundreds of thousands of
files slows the file creation that follows on ext4.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The files of a synthetic record's folder and their sizes in bytes (`jitarsa synth`).
SHAPE = {
    "index.html": 8_221,
    "index.jsonld": 3_389,
    "index.nt": 1_174,
    "index.rdf": 983,
    "index.ttl": 678,
}


def write(folder: Path, n: int) -> dict:
    """Write n records' folders; wall, user and system seconds."""
    from jitarsa.publish.site import BATCH, _write

    contents = {name: b"x" * size for name, size in SHAPE.items()}
    folder.mkdir(parents=True)
    os.sync()
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    for first in range(0, n, BATCH):
        names = (
            f"org/r{i:07d}/{name}" for i in range(first, min(first + BATCH, n)) for name in SHAPE
        )
        _write(folder, ((name, contents[name.rpartition("/")[2]]) for name in names))
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "n": n,
        "wall": wall,
        "user": after.ru_utime - before.ru_utime,
        "sys": after.ru_stime - before.ru_stime,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[10_000, 100_000],
        help="comma-separated numbers of records (default 10000,100000)",
    )
    parser.add_argument("--work", type=Path, default=None, help="where to write (default: temp)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))  # the checkout's jitarsa, installed or not
    work = Path(tempfile.mkdtemp(prefix="jitarsa-files-", dir=args.work))
    try:
        first = None
        for k, n in enumerate(args.sizes):
            m = write(work / f"site-{k}", n)
            per = m["wall"] / n * 1e6
            first = first or per
            print(
                f"{n:>9,} records ({n * (len(SHAPE) + 1):>9,} files and folders): "
                f"{m['wall']:6.2f} s wall, {m['user']:5.2f} s user, {m['sys']:5.2f} s system, "
                f"{per:4.0f} µs a record ({per / first:.2f}× the first size's)",
                flush=True,
            )
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
