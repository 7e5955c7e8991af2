"""jitarsa at registry scale: `jitarsa build` against the naive pipeline and the Oxigraph floor.

For each N (1k, 10k, 100k; 1M with --large) it writes a synthetic registry with `jitarsa synth`,
then runs, each in its own child process so that wall time, CPU time and peak memory are that
process's and its own children's alone (os.wait4 rusage, and the process tree's PSS sampled
from /proc: `jitarsa build` forks a validating process):

  (a) jitarsa build   `python -m jitarsa build -q --no-site` (load, build, validate, write
                      the dumps);
  (d) with the site   `python -m jitarsa build -q`, the default: (a) and the website, a page
                      per organisation; the site's share is ((d) − (a)) / (d);
  (b) naive           the obvious pipeline, written plainly below: PyYAML records → an rdflib
                      Graph → pySHACL over the whole graph → rdflib's Turtle/N-Triples/JSON-LD;
  (c) floor           pyoxigraph loading (a)'s N-Triples into a store and dumping it as Turtle,
                      N-Triples and JSON-LD: the RDF I/O any pipeline has to do.

(a), (c) and (d) are each run five times (`--repeat`), in rounds that take every size in
turn, so that the 10k and 100k runs a growth ratio compares share the machine's conditions, and
the median run is reported, every run kept in docs/scale-results.json with its user and system
CPU time: on the development machine (a virtual machine) a 100k build with the site took 62 s
in some runs and 84 s in others the same hour, the difference all system time (docs/scale.md).
It prints the table with the ratios (a)/(b) and (a)/(c) and the site's share, and writes
docs/scale-table.md and docs/scale.png. Run from a checkout, after
`pip install -e '.[bench]'`:

    python benchmarks/scale.py            # 1k, 10k, 100k (naive at 100k takes minutes)
    python benchmarks/scale.py --large    # and 1M (the naive pipeline is skipped there)
    python benchmarks/scale.py --sizes 10000,100000 --keep-rows   # the other rows as they were
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1_000, 10_000, 100_000)
LARGE = 1_000_000


def run(args: list[str]) -> dict:
    """Wall seconds, CPU seconds and peak memory (MB) of one child process and its own children.

    Peak memory is the larger of the child's peak RSS (os.wait4) and the peak total PSS of the
    process tree, sampled every two seconds: `jitarsa build` forks a second process, which
    shares the parent's pages until it writes them, so RSS alone would miss or double count.
    (Reading a large process's smaps costs CPU: sampled twice a second, the sampling took 10-14%
    of a core during the 1M build, on a machine of two.)"""
    import threading

    # The previous measurement's files are flushed first: their write-back would otherwise
    # fall into this one's time (it did: the site's 600k files after a 100k build).
    os.sync()
    start = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0.0]
    done = threading.Event()

    def sample():
        while not done.wait(2.0):
            peak[0] = max(peak[0], tree_pss_mb(child.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    assert child.stderr is not None  # stderr=PIPE
    err = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    if status != 0:
        raise SystemExit(f"failed ({status}): {' '.join(args)}\n{err}")
    rss = usage.ru_maxrss / 1024
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "user": usage.ru_utime,
        "sys": usage.ru_stime,
        "mb": max(rss, peak[0]),
        "rss_mb": rss,
        "tree_pss_mb": peak[0],
    }


def tree_pss_mb(root: int) -> float:
    """The total proportional set size (MB) of a process and its descendants, from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
    return total / 1024


def naive(data_dir: str, out_dir: str) -> None:
    """(b): records → rdflib Graph → pySHACL → rdflib serialisers, with nothing clever."""
    import pyshacl
    import rdflib
    import yaml
    from pyoxigraph import Literal

    from jitarsa.rdf.graph import IRIs, record_triples
    from jitarsa.records.checks import check_info, check_record, load_kinds
    from jitarsa.records.load import record_files
    from jitarsa.records.model import Dataset
    from jitarsa.resources import context_file, shapes_file

    data = Path(data_dir)
    info = check_info(
        yaml.load((data / "dataset.yaml").read_text("utf-8"), yaml.CSafeLoader),
        data / "dataset.yaml",
    )
    kinds = load_kinds()
    records = []
    for path in record_files(data):
        items = yaml.load(path.read_text("utf-8"), Loader=yaml.CSafeLoader)
        records += [
            check_record(item, path, kinds, i)
            for i, item in enumerate(items if isinstance(items, list) else [items])
        ]
    dataset = Dataset(info, tuple(sorted(records, key=lambda r: r.id)), kinds)
    graph = rdflib.Graph()
    iri = IRIs(dataset)

    def term(t):
        if isinstance(t, Literal):
            return rdflib.Literal(
                t.value,
                lang=t.language,
                datatype=None if t.language else rdflib.URIRef(t.datatype.value),
            )
        return rdflib.URIRef(t.value)

    for record in dataset.records:
        for t in record_triples(record, dataset, iri):
            graph.add((term(t.subject), term(t.predicate), term(t.object)))
    conforms, _, _ = pyshacl.validate(
        graph, shacl_graph=str(shapes_file()), inference="none", advanced=True
    )
    if not conforms:
        raise SystemExit("naive: the graph does not conform")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    graph.serialize(out / "jitarsa.ttl", format="turtle")
    graph.serialize(out / "jitarsa.nt", format="nt")
    context = json.loads(context_file().read_text("utf-8"))["@context"]
    graph.serialize(out / "jitarsa.jsonld", format="json-ld", context=context)


def floor(ntriples: str, out_dir: str) -> None:
    """(c): pyoxigraph bulk-loads the N-Triples and dumps the three formats."""
    from pyoxigraph import DefaultGraph, RdfFormat, Store

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store = Store()
    store.bulk_load(path=ntriples, format=RdfFormat.N_TRIPLES)
    for name, fmt in (
        ("floor.ttl", RdfFormat.TURTLE),
        ("floor.nt", RdfFormat.N_TRIPLES),
        ("floor.jsonld", RdfFormat.JSON_LD),
    ):
        store.dump(out / name, format=fmt, from_graph=DefaultGraph())


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def median_run(runs: list[dict]) -> dict:
    """The median of a measurement's runs by wall time, with every run beside it (wall, user
    and system CPU)."""
    chosen = sorted(runs, key=lambda m: m["wall"])[(len(runs) - 1) // 2]
    keys = ("wall", "user", "sys")
    return {**chosen, "runs": [{key: round(m[key], 2) for key in keys} for m in runs]}


def measure(sizes, naive_up_to: int, work: Path, earlier: dict, repeat: int = 1) -> list[dict]:
    """`repeat` rounds, each running (a), (c) and (d) at every size in turn, then the naive
    pipeline once. Every run writes into a folder of its own and none is deleted meanwhile:
    deleting half a million files slows the file creation that follows on ext4 (docs/scale.md).
    """
    py = sys.executable
    rows = {n: {"n": n} for n in sizes}
    runs: dict[int, dict[str, list[dict]]] = {n: {"a": [], "c": [], "d": []} for n in sizes}
    for k in range(1, repeat + 1):
        for n in sizes:
            data, row = work / f"data-{n}", rows[n]
            if not (data / "dataset.yaml").exists():
                run([py, "-m", "jitarsa", "synth", str(n), "--out", str(data)])
            row.setdefault("load_before", load())
            build = [py, "-m", "jitarsa", "build", "-q", "--data", str(data), "--out"]
            runs[n]["a"].append(run([*build, str(work / f"out-{n}-{k}"), "--no-site"]))
            nt = work / f"out-{n}-1" / "jitarsa.nt"
            if "triples" not in row:  # counted once: a million lines at 1M organisations
                row["triples"] = sum(1 for _ in nt.open("rb"))
            floor_of = [py, __file__, "--floor", str(nt)]
            runs[n]["c"].append(run([*floor_of, str(work / f"floor-{n}-{k}")]))
            runs[n]["d"].append(run([*build, str(work / f"full-{n}-{k}")]))
            row["load_after"] = load()
            print(f"round {k} of {repeat}, N={n:,}: " + runs_line(runs[n]), flush=True)
    for n in sizes:
        row = rows[n]
        row.update({key: median_run(found) for key, found in runs[n].items()})
        if n <= naive_up_to:
            row["b"] = run(
                [py, __file__, "--naive", str(work / f"data-{n}"), str(work / f"naive-{n}")]
            )
        elif earlier.get(n, {}).get("b"):  # the naive pipeline is slow: reuse an earlier run's
            row["b"] = {**earlier[n]["b"], "earlier": True}
        print(line(row), flush=True)
    return [rows[n] for n in sizes]


def runs_line(runs: dict[str, list[dict]]) -> str:
    """The latest run of each measurement: wall, user and system CPU."""
    return "  ".join(
        f"({key}) {m['wall']:.1f} s (user {m['user']:.1f} s, sys {m['sys']:.1f} s)"
        for key, found in runs.items()
        for m in found[-1:]
    )


def earlier_row(row: dict) -> dict:
    """A row of an earlier run, kept in this run's table: each of its figures marked so."""
    return {
        key: {**value, "earlier": True}
        if key in ("a", "b", "c", "d") and isinstance(value, dict)
        else value
        for key, value in row.items()
    }


def line(row: dict) -> str:
    a, c, b = row["a"], row["c"], row.get("b")
    text = (
        f"N={row['n']:>9,}  triples={row['triples']:>11,}  build {a['wall']:7.1f} s "
        f"{a['mb']:6.0f} MB | floor {c['wall']:6.1f} s {c['mb']:6.0f} MB"
    )
    if b:
        ratio = b["wall"] / a["wall"]
        text += f" | naive {b['wall']:7.1f} s {b['mb']:6.0f} MB  naive/build {ratio:.1f}x"
    d = row.get("d")
    if d:
        runs = ", ".join(f"{m['wall']:.1f}" for m in d.get("runs", []))
        text += f" | with site {d['wall']:7.1f} s ({runs}) {d['mb']:6.0f} MB  site {share(row)}"
    return text + f"  build/floor {a['wall'] / c['wall']:.1f}x  (load {row['load_before']})"


def share(row: dict) -> str:
    """The website's share of the default build's wall time: ((d) − (a)) / (d)."""
    d, a = row.get("d"), row["a"]
    return f"{(d['wall'] - a['wall']) / d['wall']:.0%}" if d else "–"


def table(rows: list[dict]) -> str:
    head = (
        "| organisations | triples | (a) jitarsa build: wall / CPU / peak | (b) naive: wall / "
        "CPU / peak | (c) floor: wall / CPU / peak | (b)/(a) | (a)/(c) | (d) build with the "
        "site: wall / CPU / peak | site's share of (d) | load avg 1/5/15 min |\n"
        "|---:|---:|---|---|---|---:|---:|---|---:|---|\n"
    )

    def cell(m):
        if not m:
            return "not run"
        return f"{m['wall']:,.1f} s / {m['cpu']:,.1f} s / {m['mb']:,.0f} MB" + (
            " (earlier run)" if m.get("earlier") else ""
        )

    body = ""
    for r in rows:
        b = r.get("b")
        ratio = f"{b['wall'] / r['a']['wall']:.1f}×" if b else "–"
        body += (
            f"| {r['n']:,} | {r['triples']:,} | {cell(r['a'])} | {cell(b)} | {cell(r['c'])} "
            f"| {ratio} "
            f"| {r['a']['wall'] / r['c']['wall']:.1f}× | {cell(r.get('d'))} | {share(r)} "
            f"| {r['load_before']} |\n"
        )
    return head + body


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label, style in (
        ("a", "jitarsa build", "o-"),
        ("b", "naive (rdflib + pySHACL)", "s--"),
        ("c", "floor (pyoxigraph I/O)", "^:"),
        ("d", "jitarsa build with the site", "D-."),
    ):
        points = [(r["n"], r[key]) for r in rows if r.get(key)]
        if points:
            left.plot([n for n, _ in points], [m["wall"] for _, m in points], style, label=label)
            right.plot([n for n, _ in points], [m["mb"] for _, m in points], style, label=label)
    for ax, title, unit in ((left, "Wall time", "seconds"), (right, "Peak memory", "MB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("organisations")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle(f"jitarsa at scale — {machine()}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", action="store_true", help="also 1M organisations")
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",")],
        help="comma-separated sizes instead of 1000,10000,100000",
    )
    parser.add_argument(
        "--naive-up-to",
        type=int,
        default=100_000,
        help="run the naive pipeline only up to this size (default 100000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="rounds of (a), (c) and (d) at every size; the median run is reported (default 5)",
    )
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: temp)")
    parser.add_argument(
        "--docs", type=Path, default=ROOT / "docs", help="where scale-table.md and scale.png go"
    )
    parser.add_argument(
        "--reuse-naive",
        action="store_true",
        help="above --naive-up-to, show the naive figures of the previous run "
        "(docs/scale-results.json), marked as such",
    )
    parser.add_argument(
        "--keep-rows",
        action="store_true",
        help="keep the previous run's rows (docs/scale-results.json) for the sizes not measured "
        "now, every figure marked as an earlier run",
    )
    parser.add_argument("--naive", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--floor", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.naive:
        return naive(*args.naive)
    if args.floor:
        return floor(*args.floor)
    sizes = args.sizes or list(SIZES) + ([LARGE] if args.large else [])
    print(f"Machine: {machine()}", flush=True)
    results = args.docs / "scale-results.json"
    earlier = (
        {r["n"]: r for r in json.loads(results.read_text())}
        if args.reuse_naive and results.exists()
        else {}
    )
    with tempfile.TemporaryDirectory(prefix="jitarsa-scale-") as scratch:
        rows = measure(sizes, args.naive_up_to, args.work or Path(scratch), earlier, args.repeat)
    if args.keep_rows and results.exists():
        measured = {row["n"] for row in rows}
        kept = [earlier_row(r) for r in json.loads(results.read_text()) if r["n"] not in measured]
        rows = sorted(rows + kept, key=lambda row: row["n"])
    args.docs.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    text = f"Machine: {machine()}.\n\n" + table(rows)
    (args.docs / "scale-table.md").write_text(text, encoding="utf-8")
    plot(rows, args.docs / "scale.png")
    print("\n" + text)


if __name__ == "__main__":
    main()
