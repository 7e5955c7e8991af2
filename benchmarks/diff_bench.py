"""`jitarsa diff` on a registry: 100,000 organisations, 1% of them changed.

Writes a synthetic registry (`jitarsa synth`), its N-Triples dump (the old side), and a copy
with 1% of the organisations changed at the level of the dump (the new side): 400 renamed
(English name), 200 removed, 200 added (copies under new IRIs, with a new Thai name) and 200
that lose their membership of the network, each with the inverse links on the network kept
consistent, the result sorted as a published dump is. It then runs `jitarsa diff OLD NEW
--format json` in a child process, checks that it reports exactly those 1,000 changes, and
prints its wall time, CPU time and peak memory (the child's rusage). Run from a checkout:

    python benchmarks/diff_bench.py [--count 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "<http://schema.org/name>"
MEMBER_OF = ("<http://schema.org/memberOf>", "<http://www.w3.org/ns/org#memberOf>")
MEMBER = ("<http://schema.org/member>", "<http://www.w3.org/ns/org#hasMember>")


def old_dump(count: int, folder: Path) -> Path:
    sys.path.insert(0, str(ROOT / "src"))
    from jitarsa.rdf.dumps import ntriples_chunks
    from jitarsa.rdf.graph import triples
    from jitarsa.records.load import load_dataset
    from jitarsa.records.synth import synthesize

    data = synthesize(count, folder / "data", seed=1)
    path = folder / "old.nt"
    with path.open("wb") as out:
        for chunk in ntriples_chunks(triples(load_dataset(data))):
            out.write(chunk)
    return path


def changed_dump(
    old: Path, folder: Path, count: int, share: float, seed: int = 7
) -> tuple[Path, dict]:
    """The old dump with `share` of its member organisations changed; returns the expected
    counts by kind of change."""
    lines = old.read_text(encoding="utf-8").splitlines(keepends=True)
    by_subject: dict[str, list[str]] = {}
    for line in lines:
        by_subject.setdefault(line[: line.index(" ")], []).append(line)
    named = sorted(s for s, ls in by_subject.items() if any(f" {NAME} " in x for x in ls))
    members = [s for s in named if any(MEMBER_OF[0] in x for x in by_subject[s])]
    rng = random.Random(seed)
    n = round(count * share)
    left = rng.sample(members, n // 5)
    others = sorted(set(named) - set(left) - set(_networks(by_subject)))
    chosen = rng.sample(others, n - len(left))
    renamed, removed, added_from = (
        chosen[: n * 2 // 5],
        chosen[n * 2 // 5 : n * 3 // 5],
        chosen[n * 3 // 5 :],
    )
    (network,) = _networks(by_subject)
    gone = set(removed) | set(left)
    by_subject[network] = [
        x for x in by_subject[network] if not (x.split(" ", 2)[1] in MEMBER and _obj(x) in gone)
    ]
    for s in renamed:
        by_subject[s] = [
            x.replace('"@', ' (renamed)"@') if f" {NAME} " in x else x for x in by_subject[s]
        ]
    for s in removed:
        del by_subject[s]
    for s in left:
        by_subject[s] = [x for x in by_subject[s] if x.split(" ", 2)[1] not in MEMBER_OF]
    for s in added_from:
        new = s[:-1] + "-new>"
        by_subject[new] = [new + x[len(s) :].replace('"@th .', ' ใหม่"@th .') for x in by_subject[s]]
        for p in MEMBER:
            by_subject[network].append(f"{network} {p} {new} .\n")
    out = sorted(x for ls in by_subject.values() for x in ls)
    path = folder / "new.nt"
    path.write_text("".join(out), encoding="utf-8")
    expected = {
        "added": len(added_from),
        "removed": len(removed),
        "renamed": len(renamed),
        "membership": len(left),
    }
    return path, expected


def _networks(by_subject: dict[str, list[str]]) -> list[str]:
    return [s for s, ls in by_subject.items() if any(MEMBER[0] in x for x in ls)]


def _obj(line: str) -> str:
    return line.split(" ", 2)[2].rsplit(" .", 1)[0]


def run(args: list[str]) -> tuple[dict, bytes]:
    """Wall and CPU seconds and peak RSS (MB) of one child process, and its stdout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    start = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.PIPE, env=env)
    stdout = child.stdout.read() if child.stdout else b""
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    assert code == 1, f"jitarsa diff exited {code}, expected 1 (different)"
    cpu = usage.ru_utime + usage.ru_stime
    return {"wall": wall, "cpu": cpu, "peak_mb": usage.ru_maxrss / 1024}, stdout


def prepare(count: int, share: float, folder: Path) -> None:
    """Write old.nt, new.nt and expected.json into FOLDER (run in a child process, so that the
    measured process does not start as a copy of this one's memory)."""
    old = old_dump(count, folder)
    _, expected = changed_dump(old, folder, count, share)
    (folder / "expected.json").write_text(json.dumps(expected))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.prepare:
        prepare(options.count, options.share, options.prepare)
        return
    with tempfile.TemporaryDirectory(prefix="jitarsa-diff-") as scratch:
        folder = Path(scratch)
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--count",
                str(options.count),
                "--share",
                str(options.share),
                "--prepare",
                str(folder),
            ],
            check=True,
        )
        old, new = folder / "old.nt", folder / "new.nt"
        expected = json.loads((folder / "expected.json").read_text())
        with old.open("rb") as handle:
            lines = sum(1 for _ in handle)
        command = [sys.executable, "-m", "jitarsa", "diff", str(old), str(new), "--format", "json"]
        results = []
        for _ in range(options.runs):
            measure, stdout = run(command)
            report = json.loads(stdout)
            assert report["summary"] == expected, (report["summary"], expected)
            results.append(measure)
        best = min(results, key=lambda m: m["wall"])
        print(
            f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}, load average "
            f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        print(
            f"{options.count:,} organisations ({lines:,} triples a side), "
            f"{sum(expected.values()):,} changed ({expected}): "
            f"jitarsa diff --format json, best of {options.runs}: "
            f"{best['wall']:.1f} s wall, {best['cpu']:.1f} s CPU, {best['peak_mb']:.0f} MB peak"
        )


if __name__ == "__main__":
    main()
