"""`--out` never deletes what jitarsa did not write, and a killed build leaves nothing behind
(issue 11): the marker, scratch folders of dead processes, children that die with their parent."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from jitarsa._util.output import MARKER, clean_scratch, is_ours, write_atomic
from jitarsa.cli import cli
from jitarsa.records.synth import synthesize

SRC = Path(__file__).resolve().parent.parent / "src"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def hidden_only(folder: Path) -> None:
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / ".env").write_text("DATABASE_PASSWORD=not-for-jitarsa\n")


def foreign_checksums(folder: Path) -> None:
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (folder / "SHA256SUMS").write_text("0f343b0931126a20f133d67c2b018a3b" * 2 + "  photo.jpg\n")


def git_checkout(folder: Path) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    (folder / "README.md").write_text("# someone's project\n")
    for args in (["init", "-q"], ["add", "README.md"], ["commit", "-qm", "start"]):
        subprocess.run(["git", "-C", str(folder), *args], check=True, env=env)


def home_like(folder: Path) -> None:
    (folder / ".bashrc").write_text("export PATH=$HOME/bin:$PATH\n")
    (folder / ".ssh").mkdir()
    (folder / ".ssh" / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    (folder / "Documents").mkdir()
    (folder / "Documents" / "notes.txt").write_text("ไม่ใช่ของ jitarsa\n")


def our_output_plus_a_file(folder: Path) -> None:
    write_atomic(folder, {"a.ttl": b"x"})
    (folder / "notes.txt").write_text("added by hand after the build\n")


def forged_marker(folder: Path) -> None:
    (folder / MARKER).write_text('{"written_by": "someone else", "files": ["x"]}\n')
    (folder / "x").write_text("x\n")


FOLDERS = {
    "hidden files only": hidden_only,
    "a foreign SHA256SUMS": foreign_checksums,
    "a git checkout": git_checkout,
    "a home folder": home_like,
    "jitarsa's output with a file added": our_output_plus_a_file,
    "a marker not jitarsa's": forged_marker,
}


@pytest.mark.parametrize("command", ["build", "site", "synth"])
@pytest.mark.parametrize("case", sorted(FOLDERS))
def test_a_folder_jitarsa_did_not_write_is_refused_and_kept(case, command, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    FOLDERS[case](out)
    before = snapshot(out)
    args = {
        "build": ["build", "-q", "--out", str(out)],
        "site": ["site", "-q", "--out", str(out)],
        "synth": ["synth", "20", "--out", str(out)],
    }[command]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 4, result.output
    assert result.output == (
        f"Error: {out}: holds files jitarsa did not write (no {MARKER} lists them all); "
        "choose an empty or new folder, or move those files away (an output of a jitarsa "
        "older than the marker must be deleted by hand, once)\n"
    )
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no scratch left


def test_jitarsa_replaces_its_own_output_and_an_empty_folder(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "empty").mkdir()  # nothing in it to lose
    write_atomic(out, {"a.ttl": b"1", "site/index.html": b"2"})
    assert (out / MARKER).read_text() == (
        '{\n "written_by": "jitarsa",\n "note": "written by jitarsa, which replaces this folder '
        'whole on its next run; it refuses a folder holding any file not listed here",\n'
        ' "files": [\n  "SHA256SUMS",\n  "a.ttl",\n  "site/index.html"\n ]\n}\n'
    )
    write_atomic(out, {"b.ttl": b"3"})
    assert sorted(snapshot(out)) == [MARKER, "SHA256SUMS", "b.ttl"]


def test_a_site_inside_a_build_and_written_alone_is_ours_both_ways(tmp_path):
    dist = tmp_path / "dist"
    write_atomic(dist, {"a.ttl": b"1", "site/index.html": b"2", "site/SHA256SUMS": b""})
    assert is_ours(dist / "site")  # listed by dist's marker
    write_atomic(dist / "site", {"index.html": b"3"})  # `jitarsa site --out dist/site`
    assert (dist / "site" / MARKER).is_file() and is_ours(dist)
    write_atomic(dist, {"a.ttl": b"4"})
    assert sorted(snapshot(dist)) == [MARKER, "SHA256SUMS", "a.ttl"]


def test_synth_replaces_its_folder_whole(tmp_path):
    folder = synthesize(3000, tmp_path / "reg", per_file=1000)
    assert (folder / "organisations" / "part-00002.yaml").is_file()
    synthesize(1000, tmp_path / "reg", per_file=1000)
    assert sorted(p.name for p in (folder / "organisations").iterdir()) == ["part-00000.yaml"]


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_scratch_of_dead_processes_is_removed_and_nothing_else(tmp_path):
    out = tmp_path / "dist"
    dead, alive = dead_pid(), os.getpid()
    names = {
        f".dist.new-{dead}-abcd_123": True,  # removed
        f".dist.second-{dead}-zzzzzzzz": True,
        f".dist.new-{alive}-abcdefgh": False,  # a build still running
        ".dist.new-abcdefgh": False,  # not named as jitarsa names scratch
        f".other.new-{dead}-abcdefgh": False,  # another output folder's
        f".dist.mine-{dead}-abcdefgh": False,
    }
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "part.nt").write_bytes(b"x" * 1000)
    write_atomic(out, {"a.ttl": b"1"})
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["dist", *(name for name, gone in names.items() if not gone)])


def test_a_folder_set_aside_by_a_killed_swap_is_put_back(tmp_path):
    out = tmp_path / "dist"
    write_atomic(out, {"a.ttl": b"previous"})
    old = tmp_path / f".dist.old-{dead_pid()}-abcdefgh"
    out.rename(old)  # killed between the two renames: no dist, the old one aside
    clean_scratch(out)
    assert (out / "a.ttl").read_bytes() == b"previous" and not old.exists()


def children_of(pid: int) -> set[int]:
    """Ids of the live (not zombie) processes whose parent is `pid`."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_build(data: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jitarsa",
            "build",
            "-q",
            "--no-site",
            "--data",
            str(data),
            "--out",
            str(out),
        ],
        env={**os.environ, "PYTHONPATH": str(SRC), "JITARSA_PROCESSES": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(condition, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.005)
    return None


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Path:
    """Large enough that loading and validating run in a second process (20 files, 200,000
    triples), small enough to build in seconds."""
    return synthesize(20_000, tmp_path_factory.mktemp("reg") / "data")


@pytest.mark.slow
@pytest.mark.skipif(
    not Path("/proc/self/stat").exists() or os.cpu_count() < 2, reason="Linux /proc, 2 cores"
)
def test_a_build_killed_while_its_child_runs_leaves_no_process(registry, tmp_path):
    build = start_build(registry, tmp_path / "out")
    try:
        children = wait_for(lambda: children_of(build.pid))
        assert children, "the build never started a second process"
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
        assert wait_for(lambda: not any(alive(c) for c in children), 10), "an orphan is left"
    finally:
        build.kill()


@pytest.mark.slow
@pytest.mark.skipif(
    not Path("/proc/self/stat").exists() or os.cpu_count() < 2, reason="Linux /proc, 2 cores"
)
def test_scratch_of_a_killed_build_is_removed_by_the_next(registry, tmp_path):
    out = tmp_path / "out"
    build = start_build(registry, out)
    try:
        scratch = wait_for(lambda: [p for p in tmp_path.iterdir() if p.name.startswith(".out.")])
        assert scratch, "the build never made a scratch folder"
        time.sleep(0.2)  # let it write into them
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
    finally:
        build.kill()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # left by the kill
    result = CliRunner().invoke(
        cli, ["build", "-q", "--no-site", "--data", str(registry), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (out / "jitarsa.nt").stat().st_size > 10_000_000


@pytest.mark.parametrize("link", ["symbolic", "hard"])
@pytest.mark.parametrize(
    "command",
    [
        ["diff", "dist", "dist", "--out"],
        ["wikidata", "reconcile-sheet", "--out"],
        ["wikidata", "rdf", "--out"],
    ],
)
def test_an_out_file_that_is_a_link_is_refused_and_its_target_kept(command, link, tmp_path):
    """Issue 24: `--out FILE` is written through a fresh temporary file renamed into place;
    a symbolic link, or a file with another hard link, at FILE is refused (exit 4, one line)."""
    root = SRC.parent
    victim = tmp_path / "victim"
    victim.write_bytes(b"not jitarsa's\n")
    out = tmp_path / "report"
    if link == "symbolic":
        out.symlink_to(victim)
    else:
        os.link(victim, out)
    args = [str(root / a) if a == "dist" else a for a in command]
    result = CliRunner().invoke(cli, [*args, str(out)])
    assert result.exit_code == 4, result.output
    why = "is a symbolic link" if link == "symbolic" else "has 2 hard links"
    assert result.output.startswith(f"Error: {out}: {why}") and result.output.count("\n") == 1
    assert victim.read_bytes() == b"not jitarsa's\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report", "victim"]  # no temporary


def test_an_output_folder_that_is_a_link_is_refused(tmp_path):
    """A symbolic link where the output folder goes is refused, not followed: the empty folder
    it points to is not replaced by a build."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.symlink_to(elsewhere)
    result = CliRunner().invoke(cli, ["build", "--out", str(out)])
    assert result.exit_code == 4
    assert result.output.startswith(f"Error: {out}: is a symbolic link")
    assert list(elsewhere.iterdir()) == [] and out.is_symlink()
