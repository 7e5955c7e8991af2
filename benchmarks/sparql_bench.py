"""Benchmark of the SPARQL features (issue 3), printed with the machine it ran on.

1. Cold start: wall time of `jitarsa query member-count` as a ratio to `python -c "import
   rdflib"`, both measured here in the same run (median of REPEAT runs each). Target ≤ 0.6.
2. Endpoint throughput: queries per second of `jitarsa serve` answering the catalogue queries
   to CLIENTS concurrent clients (separate processes, keep-alive connections; 8 by default),
   with every query run (`--cache 0`) and with the default answer cache, the server's default
   limits on. Target ≥ 500 q/s; with 50 clients and the cache, ≥ 1,300 q/s (issue 11).

Run: python benchmarks/sparql_bench.py [--repeat 9] [--seconds 5] [--workers 4] [--clients 8]

`--baseline DIR` (a checkout of another commit: `git worktree add /tmp/old f5db338`) measures
that checkout's server too, in the same run, alternating with this one `--rounds` times (3;
each goes first in turn), and prints each figure and the ratio of the medians (this one ÷ the
baseline).

`--quick` (3 repeats, 1 s per endpoint run: a few seconds in all) checks that the benchmark
runs and prints what it should, as the docs tests do; its figures are rough.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from pathlib import Path


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )


#: As a user runs it: with bytecode caches (the warm-up run writes jitarsa's, as pip does at
#: install), even where the environment sets PYTHONDONTWRITEBYTECODE.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - start


def cold_start(repeat: int) -> tuple[float, float]:
    jitarsa = Path(sys.executable).with_name("jitarsa")
    command = [
        str(jitarsa) if jitarsa.is_file() else shutil.which("jitarsa"),
        "query",
        "member-count",
        "--format",
        "csv",
    ]
    rdflib = [sys.executable, "-c", "import rdflib"]
    wall(command), wall(rdflib)  # warm the file cache and the bytecode caches
    queries, imports = [], []
    for _ in range(repeat):  # interleaved, so both see the same machine load
        queries.append(wall(command))
        imports.append(wall(rdflib))
    return statistics.median(queries), statistics.median(imports)


def client(port: int, paths: list[str], seconds: float, results) -> None:
    """One client: ask the queries in turn on one keep-alive connection until time is up."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    done = 0
    failed: dict[int, int] = {}  # status: count, of the answers that were not 200
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        conn.request(
            "GET",
            paths[done % len(paths)],
            headers={"Accept": "application/sparql-results+json, text/turtle"},
        )
        response = conn.getresponse()
        response.read()
        if response.status == 200:
            done += 1
        else:
            failed[response.status] = failed.get(response.status, 0) + 1
            done += 1
    conn.close()
    results.put((done, failed))


def ready(port: int) -> None:
    """Wait until the server has finished starting: its reconciliation index is built on a
    thread after the endpoint answers (a query to /reconcile waits for it; a server without the
    service answers 404 at once), so a round measures the endpoint, not its start-up."""
    body = urllib.parse.urlencode({"queries": json.dumps({"q0": {"query": "warm-up"}})})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    conn.request("POST", "/reconcile", body=body, headers=headers)
    conn.getresponse().read()
    conn.close()


def throughput(
    seconds: float, workers: int, cache: int, clients: int, checkout: Path | None = None
) -> tuple[float, int, int]:
    """Queries per second of the server of this checkout (or of CHECKOUT), answered and not
    200."""
    from jitarsa.sparql.catalogue import catalogue
    from jitarsa.sparql.params import bind

    texts = [entry.text for entry in catalogue().values()]
    texts = [bind(t, {"id": "mirror-foundation"}) if "?id" in t else t for t in texts]
    paths = ["/sparql?" + urllib.parse.urlencode({"query": t}) for t in texts]
    env = dict(os.environ)
    if checkout is not None:  # its sources first, whatever is installed
        env["PYTHONPATH"] = os.pathsep.join([str(checkout / "src"), env.get("PYTHONPATH", "")])
    proc = subprocess.Popen(  # this checkout's jitarsa, whatever is installed
        [sys.executable, "-m", "jitarsa", "serve", "--port", "0", "--workers", str(workers)]
        + ["--cache", str(cache)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=checkout,
    )
    try:
        port = int(urllib.parse.urlsplit(proc.stdout.readline().split()[2]).port)
        ready(port)
        results = multiprocessing.Queue()
        processes = [
            multiprocessing.Process(target=client, args=(port, paths, seconds, results))
            for _ in range(clients)
        ]
        start = time.monotonic()
        for c in processes:
            c.start()
        counts = [results.get(timeout=seconds + 60) for _ in processes]
        elapsed = time.monotonic() - start
        for c in processes:
            c.join(10)
    finally:
        proc.terminate()
        proc.wait(10)
    done = sum(d for d, _ in counts)
    failed: Counter[int] = sum((Counter(f) for _, f in counts), Counter())
    return done / elapsed, done, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a check that it runs (rough figures): --repeat 3 --seconds 1",
    )
    parser.add_argument("--repeat", type=int, help="cold runs of each command (9)")
    parser.add_argument("--seconds", type=float, help="duration of each endpoint run (5)")
    parser.add_argument("--workers", type=int, default=4, help="query workers of the server")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client processes")
    parser.add_argument(
        "--baseline", type=Path, help="another checkout whose server is measured alongside"
    )
    parser.add_argument("--rounds", type=int, default=3, help="alternations with --baseline")
    args = parser.parse_args()
    if args.baseline is not None:
        return compare(args)
    args.repeat = args.repeat or (3 if args.quick else 9)
    args.seconds = args.seconds or (1.0 if args.quick else 5.0)
    print(f"Machine: {machine()}")
    query, rdflib = cold_start(args.repeat)
    print(f"Cold `jitarsa query member-count`: {query * 1000:.0f} ms (median of {args.repeat})")
    print(f'`python -c "import rdflib"`:       {rdflib * 1000:.0f} ms (median of {args.repeat})')
    print(f"Ratio: {query / rdflib:.2f} (target ≤ 0.60)")
    for cache, label in (
        (0, "every query run (--cache 0)"),
        (256, "repeated answers cached (default --cache 256)"),
    ):
        rate, done, failed = throughput(args.seconds, args.workers, cache, args.clients)
        print(
            f"Endpoint, {label}: {rate:.0f} queries/s with {args.clients} concurrent clients "
            f"over {args.seconds:g} s, {args.workers} workers, catalogue queries in turn "
            f"({done} answered, {failed.total()} not 200) (target ≥ 500)"
        )


def compare(args) -> None:
    """This checkout's endpoint against the baseline's, alternating, in one run."""
    print(f"Machine: {machine()}")
    for cache, label in ((0, "every query run (--cache 0)"), (256, "default answer cache")):
        rates: dict[str, list[float]] = {"baseline": [], "this": []}
        for round_ in range(1, args.rounds + 1):
            pair = [("baseline", args.baseline.resolve()), ("this", None)]
            for name, checkout in pair if round_ % 2 else pair[::-1]:  # each first in turn
                rate, done, failed = throughput(
                    args.seconds, args.workers, cache, args.clients, checkout
                )
                rates[name].append(rate)
                print(
                    f"Endpoint, {label}, round {round_}, {name}: {rate:.0f} queries/s with "
                    f"{args.clients} clients ({done} answered, {failed.total()} not 200"
                    f"{': ' + str(dict(failed)) if failed else ''}), load average "
                    f"{os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        ratio = statistics.median(rates["this"]) / statistics.median(rates["baseline"])
        print(
            f"Endpoint, {label}: median {statistics.median(rates['this']):.0f} q/s against the "
            f"baseline's {statistics.median(rates['baseline']):.0f} q/s: {ratio:.0%}"
        )


if __name__ == "__main__":
    main()
