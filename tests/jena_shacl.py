"""Apache Jena from Debian's jars (libapache-jena-java), for the tests that compare with it:
its command-line classes (tests/test_clients.py) and its SHACL validator (ShaclCases.java)."""

import subprocess
import zipfile
from pathlib import Path

JENA = Path("/usr/share/java")
CASES = Path(__file__).resolve().parent / "jena" / "ShaclCases.java"
#: Jena's dependencies, as Debian names their jars.
DEPENDENCIES = [
    "commons-cli",
    "commons-codec",
    "commons-compress",
    "commons-csv",
    "commons-io",
    "commons-lang3",
    "commons-logging",
    "dexx.collection",
    "gson",
    "guava",
    "httpclient",
    "httpclient-cache",
    "httpcore",
    "jackson-annotations",
    "jackson-core",
    "jackson-databind",
    "jakarta.json-api",
    "jsonld-java",
    "protobuf",
    "slf4j-api",
    "slf4j-simple",
    "thrift",
    "titanium-json-ld",
]


def require(compiler: bool = False) -> None:
    """Skip the test (fail it under JITARSA_REQUIRE_ALL=1) when Java, Jena's jars or, with
    COMPILER, javac are missing, naming the Debian packages."""
    from conftest import missing, require_program

    require_program("java")
    if compiler:
        require_program("javac")
    if not (JENA / "jena-cmds.jar").is_file():
        missing("libapache-jena-java", "apt-get install libapache-jena-java")


def classpath(scratch: Path) -> str:
    """Jena's jars and their dependencies, after a fix in `scratch`.

    Debian ships the jars without the `rsparql`/`riot` scripts, and its jena-core moves the
    bundled Xerces classes to the package `xerces` but leaves their message files under
    org/apache/jena/ext/xerces: Jena then fails to start ("internal error" in
    XSSimpleTypeDecl). The files are copied to where the classes look for them."""
    with zipfile.ZipFile(JENA / "jena-core.jar") as jar:
        for name in jar.namelist():
            prefix = "org/apache/jena/ext/xerces/"
            if name.startswith(prefix) and name.endswith(".properties"):
                target = scratch / "xerces" / name[len(prefix) :]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    jars = [p for p in sorted(JENA.glob("jena-*.jar")) if not p.stem[-1].isdigit()]
    jars += [JENA / f"{name}.jar" for name in DEPENDENCIES]
    return ":".join(str(p) for p in [scratch, *jars])


def validate_cases(classpath: str, folders: list[Path]) -> dict[str, list[list[str]]]:
    """Jena SHACL's results for each folder (shapes.ttl and data.ttl), in one JVM: folder →
    rows of [focus, path, value, component] in N-Triples form ("-" for none), or [["error",
    message]] when Jena cannot read the shapes or the data."""
    found: dict[str, list[list[str]]] = {str(f): [] for f in folders}
    done = subprocess.run(
        ["java", "-cp", classpath, str(CASES), *map(str, folders)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    for line in done.stdout.splitlines():
        folder, *row = line.split("\t")
        if row != ["conforms"]:
            found[folder].append(row)
    return found
