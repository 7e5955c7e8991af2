"""Benchmark of the reconciliation service (issue 25), printed with the machine it ran on.

1. Quality on the labelled evaluation set (tests/reconcile/evaluation.tsv) against the default
   dataset: top-1 accuracy (the first candidate is the right one), precision and recall of the
   automatic matches (`match: true`), wrong automatic matches, automatic matches of
   organisations the registry does not hold, by kind of variant, and how often the first
   candidate is right in each score band (what a score means). Targets: top-1 ≥ 95%, no wrong
   automatic match, no automatic match for an organisation not in the registry.
2. Scale: a synthetic registry of N organisations (`jitarsa.records.synth`, 100,000 by default)
   as N-Triples; the index built from them (start-up, target ≤ 60 s) and batches of 10 queries
   (as OpenRefine sends them: a form-encoded POST of `queries`) answered by the service, the
   95th percentile of their wall time (target ≤ 100 ms). The queries are the registry's own
   names, some with a letter dropped, some upper-cased. `--http` also starts `jitarsa serve
   --dump` on the synthetic graph and times the real thing: from the process start to the first
   answered batch, then batches over HTTP.

Run: python benchmarks/reconcile_bench.py [--count 100000] [--batches 200] [--http]
`--quick` (1,000 organisations, 20 batches) checks that it runs and prints what it should.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVALUATION = ROOT / "tests" / "reconcile" / "evaluation.tsv"
BANDS = ((100, 100), (90, 99.9), (80, 89.9), (70, 79.9), (60, 69.9), (0, 59.9))


def read_evaluation(path: Path = EVALUATION) -> list[tuple[str, str | None, str]]:
    """(query, expected id or None, variant) of every line of the evaluation set."""
    lines = [line for line in path.read_text("utf-8").splitlines() if not line.startswith("#")]
    rows = list(csv.reader(lines[1:], delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(q, None if expected == "-" else expected, kind) for q, expected, kind in rows]


def evaluate(index, rows) -> dict:
    """Top-1, precision, recall, wrong and absent automatic matches, by variant and overall."""
    by_kind: dict[str, Counter] = defaultdict(Counter)
    bands: dict[tuple, Counter] = defaultdict(Counter)
    failures = []
    for query, expected, kind in rows:
        found = index.search(query, limit=2)
        top = found[0] if found else None
        tally = by_kind[kind]
        tally["queries"] += 1
        if expected is None:
            tally["absent"] += 1
            tally["absent matched"] += bool(top and top.match)
        else:
            tally["present"] += 1
            right = top is not None and top.entity.id == expected
            tally["top-1"] += right
            if top is not None:
                band = next(b for b in BANDS if b[0] <= top.score <= b[1])
                bands[band]["right" if right else "wrong"] += 1
            if not right:
                failures.append((query, expected, top.entity.id if top else None))
        if top is not None and top.match:
            tally["matched"] += 1
            tally["wrong matches"] += top.entity.id != expected
    total: Counter = sum(by_kind.values(), Counter())
    matched, wrong = total["matched"], total["wrong matches"]
    return {
        "by_kind": dict(by_kind),
        "total": total,
        "top1": total["top-1"] / max(total["present"], 1),
        "precision": (matched - wrong) / matched if matched else 1.0,
        "recall": (matched - wrong) / max(total["present"], 1),
        "bands": dict(bands),
        "failures": failures,
    }


def print_evaluation(result: dict) -> None:
    total = result["total"]
    print(
        f"evaluation set: {total['queries']} queries, {total['present']} of organisations in "
        f"the registry, {total['absent']} of organisations it does not hold"
    )
    print("| variant | queries | top-1 | automatic matches | wrong | absent matched |")
    print("|---|---|---|---|---|---|")
    for kind, tally in sorted(result["by_kind"].items()):
        top1 = f"{tally['top-1']}/{tally['present']}" if tally["present"] else "–"
        print(
            f"| {kind} | {tally['queries']} | {top1} | {tally['matched']} | "
            f"{tally['wrong matches']} | {tally['absent matched']} |"
        )
    print(
        f"top-1 {result['top1']:.1%} (target ≥ 95%), precision {result['precision']:.1%}, "
        f"recall {result['recall']:.1%}, wrong automatic matches {total['wrong matches']} "
        f"(target 0), automatic matches of absent organisations {total['absent matched']} "
        "(target 0)"
    )
    print("first candidate right, by its score:")
    for band in BANDS:
        tally = result["bands"].get(band, Counter())
        n = tally["right"] + tally["wrong"]
        if n:
            print(f"  {band[0]:g}-{band[1]:g}: {tally['right']}/{n}")
    for query, expected, got in result["failures"]:
        print(f"  top-1 wrong: {query!r}: expected {expected}, got {got}")


def synthetic_ntriples(count: int, folder: Path) -> tuple[bytes, str]:
    from jitarsa.records.synth import BASE, synthesize
    from jitarsa.sparql.execute import source_ntriples

    synthesize(count, folder / "data")
    ntriples, base, _ = source_ntriples(folder / "data", None)
    assert base == BASE
    return ntriples, base


def sample_queries(index, n: int, seed: int = 1) -> list[tuple[str, set[str]]]:
    """N of the registry's names, as they are, with a letter dropped, or upper-cased; each
    with the names of the entity it was taken from (a synthetic registry repeats names, so the
    first candidate is right when it bears one of them)."""
    rng = random.Random(seed)
    out = []
    for entity in rng.sample(index.entities, min(n, len(index.entities))):
        held = entity.values["http://schema.org/name"]
        name = rng.choice(held)
        cut = rng.randrange(len(name))
        out.append((rng.choice([name, name[:cut] + name[cut + 1 :], name.upper()]), set(held)))
    return out


def batches(queries: list[str], size: int = 10) -> list[bytes]:
    """Form-encoded bodies of `size` queries each, as OpenRefine POSTs them."""
    out = []
    for start in range(0, len(queries) - size + 1, size):
        batch = {f"q{i}": {"query": q} for i, q in enumerate(queries[start : start + size])}
        out.append(urllib.parse.urlencode({"queries": json.dumps(batch)}).encode())
    return out


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def rss() -> int:
    """Resident memory of this process, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def in_process(ntriples: bytes, base: str, n_batches: int) -> dict:
    """The index built (wall and CPU seconds, memory), then batches answered by the service
    (wall and CPU time each: on a shared machine the CPU time is what an idle one would take)."""
    from jitarsa.reconcile.index import build_index
    from jitarsa.reconcile.service import Service

    before = rss()
    wall, cpu = time.perf_counter(), time.process_time()
    index = build_index(ntriples, base)
    built, built_cpu = time.perf_counter() - wall, time.process_time() - cpu
    grown = rss() - before
    service = Service(index)
    sampled = sample_queries(index, n_batches * 10)
    right = sum(
        bool(found) and bool(names & set(found[0].entity.values["http://schema.org/name"]))
        for query, names in sampled
        for found in [index.search(query, limit=1)]
    )
    bodies = batches([q for q, _ in sampled])
    times, cpus = [], []
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for body in bodies:
        wall, cpu = time.perf_counter(), time.process_time()
        status, _, answer = service.answer("POST", "/reconcile", {}, body, form)
        times.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        assert status == 200, answer
    return {
        "entities": len(index.entities),
        "start-up": built,
        "start-up cpu": built_cpu,
        "memory": grown,
        "top1": right / max(len(sampled), 1),
        "p50": percentile(times, 0.5),
        "p95": percentile(times, 0.95),
        "cpu p50": percentile(cpus, 0.5),
        "cpu p95": percentile(cpus, 0.95),
        "bodies": bodies,
    }


def over_http(ntriples: bytes, folder: Path, bodies: list[bytes]) -> dict:
    """`jitarsa serve --dump` on the graph: seconds to the first answered batch, then batches."""
    dump = folder / "synth.nt"
    dump.write_bytes(ntriples)
    jitarsa = Path(sys.executable).with_name("jitarsa")
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(jitarsa), "serve", "--port", "0", "--workers", "1", "--dump", str(dump)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        port = int(urllib.parse.urlsplit(line.split()[2]).port or 0)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        conn.request("POST", "/reconcile", bodies[0], form)
        first = conn.getresponse()
        first.read()
        ready = time.perf_counter() - start
        times = []
        for body in bodies:
            t = time.perf_counter()
            conn.request("POST", "/reconcile", body, form)
            response = conn.getresponse()
            response.read()
            times.append(time.perf_counter() - t)
            assert response.status == 200
        conn.close()
    finally:
        proc.terminate()
        proc.wait(30)
    return {"ready": ready, "p50": percentile(times, 0.5), "p95": percentile(times, 0.95)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="synthetic organisations")
    parser.add_argument("--batches", type=int, default=200, help="batches of 10 queries")
    parser.add_argument("--http", action="store_true", help="also time `jitarsa serve --dump`")
    parser.add_argument("--quick", action="store_true", help="1,000 organisations, 20 batches")
    args = parser.parse_args(argv)
    if args.quick:
        args.count, args.batches = 1000, 20
    from sparql_bench import machine  # beside this script: one description of the machine

    print(machine())
    from jitarsa.reconcile.index import build_index
    from jitarsa.resources import default_dump

    index = build_index(default_dump().read_bytes(), "https://w3id.org/jitarsa/")
    result = evaluate(index, read_evaluation())
    print_evaluation(result)
    with tempfile.TemporaryDirectory(prefix="reconcile-bench-") as scratch:
        folder = Path(scratch)
        start = time.perf_counter()
        ntriples, base = synthetic_ntriples(args.count, folder)
        made = time.perf_counter() - start
        lines = ntriples.count(b"\n")
        print(
            f"synthetic registry: {args.count:,} organisations, {lines:,} "
            f"triples ({len(ntriples) / 2**20:.0f} MiB of N-Triples, made in {made:.1f} s)"
        )
        scale = in_process(ntriples, base, args.batches)
        print(
            f"index of {scale['entities']:,} entities built in {scale['start-up']:.1f} s wall, "
            f"{scale['start-up cpu']:.1f} s CPU (target ≤ 60 s), "
            f"+{scale['memory'] / 2**20:.0f} MiB resident"
        )
        print(
            f"{len(scale['bodies'])} batches of 10 queries in process: wall median "
            f"{scale['p50'] * 1000:.0f} ms, 95th percentile {scale['p95'] * 1000:.0f} ms; CPU "
            f"median {scale['cpu p50'] * 1000:.0f} ms, 95th percentile "
            f"{scale['cpu p95'] * 1000:.0f} ms (target ≤ 100 ms); first candidate bears the "
            f"queried name in {scale['top1']:.1%}"
        )
        if args.http:
            served = over_http(ntriples, folder, scale["bodies"])
            print(
                f"jitarsa serve --dump: first batch answered {served['ready']:.1f} s after start "
                f"(target ≤ 60 s); batches over HTTP: median {served['p50'] * 1000:.0f} ms, "
                f"95th percentile {served['p95'] * 1000:.0f} ms (target ≤ 100 ms)"
            )
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    ok = result["top1"] >= 0.95 and result["total"]["wrong matches"] == 0
    return 0 if ok and result["total"]["absent matched"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
