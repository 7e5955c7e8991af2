"""The nginx and Apache rules of docs/site.md, run as written against `dist/site/`: each entity
IRI answers the page to a browser and each RDF format to a client that asks for it, with
`Vary: Accept`, and rdflib reads an IRI on its own defaults. (Debian's nginx and apache2.)"""

import http.client
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import rdflib
from conftest import PROGRAMS, ROOT, free_port, missing, require_program, running

pytestmark = [pytest.mark.network_service, pytest.mark.slow]

SITE = ROOT / "dist" / "site"
DOCS = (ROOT / "docs" / "site.md").read_text(encoding="utf-8")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
#: What each Accept header must get for an organisation: the file beside its page.
ANSWERS = {
    BROWSER: ("index.html", "text/html; charset=utf-8"),
    "text/turtle": ("index.ttl", "text/turtle; charset=utf-8"),
    "application/ld+json": ("index.jsonld", "application/ld+json; charset=utf-8"),
    "application/n-triples": ("index.nt", "application/n-triples; charset=utf-8"),
    "application/rdf+xml": ("index.rdf", "application/rdf+xml; charset=utf-8"),
}
ENTITY = "org/mirror-foundation"


def block(language: str) -> str:
    """The first code block of that language in docs/site.md."""
    found = re.search(rf"^```{language}\n(.*?)^```", DOCS, re.S | re.M)
    assert found, language
    return found.group(1)


def get(port: int, path: str, accept: str) -> tuple[http.client.HTTPResponse, bytes]:
    """The answer to a GET with that Accept header, and its body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept": accept})
        answer = connection.getresponse()
        return answer, answer.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def site_copy():
    """dist/site in a folder a server's unprivileged worker can read (pytest's own temporary
    folders are private to the user)."""
    with tempfile.TemporaryDirectory(prefix="jitarsa-site-") as folder:
        root = Path(folder)
        root.chmod(0o755)
        shutil.copytree(SITE, root / "site")
        subprocess.run(["chmod", "-R", "a+rX", str(root)], check=True)
        yield root


@pytest.fixture(scope="module")
def nginx(site_copy):
    nginx = require_program("nginx")
    port = free_port()
    server = block("nginx").replace("listen 80;", f"listen 127.0.0.1:{port};")
    server = server.replace("/srv/jitarsa/site", str(site_copy / "site"))
    config = site_copy / "nginx.conf"
    config.write_text(
        f"daemon off;\npid {site_copy}/nginx.pid;\nerror_log {site_copy}/nginx-error.log;\n"
        f"events {{}}\nhttp {{\naccess_log off;\n{server}}}\n",
        encoding="utf-8",
    )
    with running([nginx, "-c", str(config), "-p", str(site_copy)], port):
        yield port


@pytest.fixture(scope="module")
def apache(site_copy):
    binary = require_program("apache2")
    modules = Path("/usr/lib/apache2/modules")
    if not modules.is_dir():
        missing("apache2", PROGRAMS["apache2"])
    port = free_port()
    (site_copy / "site" / ".htaccess").write_text(block("apache"), encoding="utf-8")
    loads = "\n".join(
        f"LoadModule {name}_module {modules}/mod_{name}.so"
        for name in ("mpm_event", "authz_core", "rewrite", "headers", "mime", "dir")
    )
    config = site_copy / "httpd.conf"
    config.write_text(
        f"ServerRoot /etc/apache2\nListen 127.0.0.1:{port}\nServerName localhost\n"
        f"PidFile {site_copy}/httpd.pid\nErrorLog {site_copy}/httpd-error.log\n"
        # As root Apache serves as www-data (it refuses to serve as root); otherwise as the user.
        "User www-data\nGroup www-data\n"
        f"{loads}\nTypesConfig /etc/mime.types\nDocumentRoot {site_copy}/site\n"
        f"<Directory {site_copy}/site>\n  AllowOverride All\n  Require all granted\n</Directory>\n",
        encoding="utf-8",
    )
    with running([binary, "-f", str(config), "-DFOREGROUND"], port):
        yield port


@pytest.fixture(params=["nginx", "apache"])
def port(request):
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("accept", list(ANSWERS), ids=lambda a: a.split(",")[0])
def test_an_entity_iri_answers_the_file_for_the_accept_header(port, accept):
    name, media_type = ANSWERS[accept]
    answer, body = get(port, f"/{ENTITY}", accept)
    assert answer.status == 200
    assert answer.headers["Content-Type"] == media_type
    assert "Accept" in answer.headers.get("Vary", "")
    assert body == (SITE / ENTITY / name).read_bytes()


def test_the_ontology_iri_answers_turtle_or_its_page(port):
    assert get(port, "/ontology", "text/turtle")[1] == (SITE / "ontology.ttl").read_bytes()
    assert get(port, "/ontology", BROWSER)[1] == (SITE / "ontology/index.html").read_bytes()


def test_the_dataset_iri_redirects_to_its_description(port):
    answer, _ = get(port, "/dataset", "text/turtle")
    assert answer.status == 303
    assert answer.headers["Location"].endswith("/void.ttl")


def test_rdflib_reads_an_entity_iri_on_its_defaults(port):
    own = rdflib.Graph().parse(SITE / ENTITY / "index.nt", format="nt")
    assert set(rdflib.Graph().parse(f"http://127.0.0.1:{port}/{ENTITY}")) == set(own)
