"""SHACL validation at registry scale: the fast engine before and after a change, pySHACL, Jena.

For each N (10k and 100k organisations by default) it writes a synthetic registry (`jitarsa
synth N --seed 1`), and measures validating its graph against ontology/shapes.ttl, each engine
in a child process, CPU time (the process's user + system) and wall time:

  fast (before)  the fast engine of another commit (`--before`, extracted with `git archive`),
  fast (after)   and of this checkout (or `--after`), in alternating rounds (`--rounds`), the best
                 of three runs in one process: the graph built, then `validate_triples(graph,
                 base, engine="fast")` timed (shapes read, data indexed, shapes evaluated);
  pySHACL        `pyshacl.validate` on the rdflib graph, once (`--pyshacl-up-to` bounds N:
                 it takes minutes at 100k);
  Jena           Apache Jena's SHACL (Debian's jars, tests/jena/ShaclCases.java): the shapes
                 parsed and the graph validated, timed inside the JVM (process CPU, garbage
                 collection included), once; reading the N-Triples is not counted.

The results go to docs/validation-bench.json and a Markdown table on stdout. Run from a
checkout, on a quiet machine if you can (the figures say what the load was):

    python benchmarks/shacl_bench.py --before f5db338
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def child(src: str, data: str, engine: str, repeat: int) -> None:
    """In a child process: build the graph of DATA with the code in SRC, time the engine."""
    sys.path.insert(0, src)
    from jitarsa.rdf.graph import triples
    from jitarsa.records.load import load_dataset
    from jitarsa.shacl.engine import validate_triples

    dataset = load_dataset(data)
    graph = triples(dataset)
    runs = []
    if engine == "pyshacl":
        from jitarsa.shacl._pyshacl import to_rdflib, validate_graph

        rdf = to_rdflib(graph)
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        if engine == "pyshacl":
            report = validate_graph(rdf, dataset.info.base)
        else:
            report = validate_triples(graph, dataset.info.base, engine="fast")
        runs.append((time.process_time() - cpu, time.perf_counter() - wall))
        assert report.conforms, report.text()
    cpu, wall = min(runs)
    print(json.dumps({"cpu": round(cpu, 2), "wall": round(wall, 2), "triples": len(graph)}))


def measure(src: Path, data: Path, engine: str, repeat: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(src), str(data), engine, str(repeat)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(src)},
    )
    return json.loads(done.stdout.splitlines()[-1])


def jena(data: Path, work: Path) -> dict:
    import jena_shacl

    from jitarsa.rdf.dumps import ntriples
    from jitarsa.rdf.graph import triples
    from jitarsa.records.load import load_dataset
    from jitarsa.resources import shapes_file

    folder = work / f"jena-{data.name}"
    folder.mkdir(exist_ok=True)
    (folder / "data.nt").write_bytes(ntriples(triples(load_dataset(data))))
    (folder / "shapes.ttl").write_bytes(shapes_file().read_bytes())
    done = subprocess.run(
        [
            "java",
            "-cp",
            jena_shacl.classpath(work / "jena-fix"),
            str(jena_shacl.CASES),
            str(folder),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().endswith("conforms"), done.stdout[:500]
    cpu, wall = re.search(r"cpu (\d+) ms\twall (\d+) ms", done.stderr).groups()
    return {"cpu": int(cpu) / 1000, "wall": int(wall) / 1000}


def checkout(commit: str, work: Path) -> Path:
    """The source of COMMIT, with the ontology and data it reads, extracted into WORK."""
    folder = work / f"code-{commit}"
    if not folder.exists():
        folder.mkdir()
        archive = subprocess.run(
            ["git", "archive", commit, "src", "ontology", "data", "pyproject.toml"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder / "src"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="f5db338", help="the commit to compare with")
    parser.add_argument("--after", default=None, help="a commit (default: this checkout)")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pyshacl-up-to", type=int, default=100_000)
    parser.add_argument("--engines", default="fast,pyshacl,jena", help="which to measure")
    parser.add_argument("--work", default=None, help="keep the registries here (reused)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "validation-bench.json"))
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="shacl-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    sources = {
        "before": checkout(args.before, work),
        "after": checkout(args.after, work) if args.after else ROOT / "src",
    }
    results: dict = {"before": args.before, "load": [], "sizes": {}}
    engines = args.engines.split(",")
    for n in map(int, args.sizes.split(",")):
        data = work / f"synth{n}"
        if not data.exists():
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "jitarsa",
                    "synth",
                    str(n),
                    "--out",
                    str(data),
                    "--seed",
                    "1",
                ],
                check=True,
                capture_output=True,
            )
        row: dict = {"before": [], "after": []}
        for _ in range(args.rounds if "fast" in engines else 0):
            results["load"].append(os.getloadavg()[0])
            for name in ("before", "after"):
                row[name].append(measure(sources[name], data, "fast", 3))
                print(n, name, row[name][-1], file=sys.stderr, flush=True)
        if "pyshacl" in engines and n <= args.pyshacl_up_to:
            row["pyshacl"] = measure(sources["after"], data, "pyshacl", 1)
            print(n, "pyshacl", row["pyshacl"], file=sys.stderr, flush=True)
        if "jena" in engines:
            row["jena"] = jena(data, work)
            print(n, "jena", row["jena"], file=sys.stderr, flush=True)
        results["load"].append(os.getloadavg()[0])
        results["sizes"][n] = row
    out = Path(args.out)
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    if "fast" in engines:
        print(table(results))


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def table(results: dict) -> str:
    lines = [
        "| organisations | triples | fast before, CPU s (median) | fast after, CPU s (median) "
        "| fast after, wall s | pySHACL CPU s / wall s | Jena CPU s / wall s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, row in results["sizes"].items():
        before = median([r["cpu"] for r in row["before"]])
        after = median([r["cpu"] for r in row["after"]])
        wall = median([r["wall"] for r in row["after"]])
        other = {
            k: f"{row[k]['cpu']:.1f} / {row[k]['wall']:.1f}" if k in row else "—"
            for k in ("pyshacl", "jena")
        }
        lines.append(
            f"| {int(n):,} | {row['after'][0]['triples']:,} | {before:.2f} | {after:.2f} | "
            f"{wall:.2f} | {other['pyshacl']} | {other['jena']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        main()
