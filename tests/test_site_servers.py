"""The nginx and Apache rules of docs/site.md, run as written against `dist/site/`: each entity
IRI answers the page to a browser and each RDF format to a client that asks for it, with
`Vary: Accept`, and rdflib reads an IRI on its own defaults. (Debian's nginx and apache2.)"""

import contextlib
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


@contextlib.contextmanager
def readable_copy(site: Path):
    """SITE copied into a folder a server's unprivileged worker can read (pytest's own
    temporary folders are private to the user): the folder, with the copy in `site/`."""
    with tempfile.TemporaryDirectory(prefix="jitarsa-site-") as folder:
        root = Path(folder)
        root.chmod(0o755)
        shutil.copytree(site, root / "site")
        subprocess.run(["chmod", "-R", "a+rX", str(root)], check=True)
        yield root


@contextlib.contextmanager
def nginx_serving(root: Path):
    """Debian's nginx with docs/site.md's rules over ROOT/site (from readable_copy): its port."""
    nginx = require_program("nginx")
    port = free_port()
    server = block("nginx").replace("listen 80;", f"listen 127.0.0.1:{port};")
    server = server.replace("/srv/jitarsa/site", str(root / "site"))
    config = root / "nginx.conf"
    config.write_text(
        f"daemon off;\npid {root}/nginx.pid;\nerror_log {root}/nginx-error.log;\n"
        f"events {{}}\nhttp {{\naccess_log off;\n{server}}}\n",
        encoding="utf-8",
    )
    with running([nginx, "-c", str(config), "-p", str(root)], port):
        yield port


@contextlib.contextmanager
def apache_serving(root: Path, prefix: str = "/"):
    """Debian's Apache with docs/site.md's .htaccess in ROOT/site, served at the URL path
    PREFIX (`RewriteBase` set to it, as the rules say): its port."""
    binary = require_program("apache2")
    modules = Path("/usr/lib/apache2/modules")
    if not modules.is_dir():
        missing("apache2", PROGRAMS["apache2"])
    port = free_port()
    rules = block("apache").replace("RewriteBase /\n", f"RewriteBase {prefix}\n")
    (root / "site" / ".htaccess").write_text(rules, encoding="utf-8")
    loads = "\n".join(
        f"LoadModule {name}_module {modules}/mod_{name}.so"
        for name in ("mpm_event", "authz_core", "rewrite", "headers", "mime", "dir", "alias")
    )
    where = f"DocumentRoot {root}/site\n"
    if prefix != "/":
        where = f"DocumentRoot {root}/empty\nAlias {prefix.rstrip('/')} {root}/site\n"
        (root / "empty").mkdir(exist_ok=True)
    config = root / "httpd.conf"
    config.write_text(
        f"ServerRoot /etc/apache2\nListen 127.0.0.1:{port}\nServerName localhost\n"
        f"PidFile {root}/httpd.pid\nErrorLog {root}/httpd-error.log\n"
        # As root Apache serves as www-data (it refuses to serve as root); otherwise as the user.
        "User www-data\nGroup www-data\n"
        f"{loads}\nTypesConfig /etc/mime.types\n{where}"
        f"<Directory {root}/site>\n  AllowOverride All\n  Require all granted\n</Directory>\n",
        encoding="utf-8",
    )
    with running([binary, "-f", str(config), "-DFOREGROUND"], port):
        yield port


@pytest.fixture(scope="module")
def site_copy():
    with readable_copy(SITE) as root:
        yield root


@pytest.fixture(scope="module")
def nginx(site_copy):
    with nginx_serving(site_copy) as port:
        yield port


@pytest.fixture(scope="module")
def apache(site_copy):
    with apache_serving(site_copy) as port:
        yield port


@pytest.fixture(params=["nginx", "apache"])
def port(request):
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("accept", list(ANSWERS), ids=lambda a: a.split(",")[0])
@pytest.mark.parametrize("slash", ["", "/"], ids=["iri", "folder"])
def test_an_entity_iri_answers_the_file_for_the_accept_header(port, accept, slash):
    name, media_type = ANSWERS[accept]
    answer, body = get(port, f"/{ENTITY}{slash}", accept)
    assert "Accept" in answer.headers.get("Vary", "")
    if name == "index.html" and not slash:
        # A browser is sent on to the page's folder, where its relative links resolve.
        assert answer.status == 303
        assert answer.headers["Location"].endswith(f"/{ENTITY}/")
        return
    assert answer.status == 200
    assert answer.headers["Content-Type"] == media_type
    assert body == (SITE / ENTITY / name).read_bytes()


def test_the_ontology_iri_answers_turtle_or_its_page(port):
    assert get(port, "/ontology", "text/turtle")[1] == (SITE / "ontology.ttl").read_bytes()
    answer, _ = get(port, "/ontology", BROWSER)
    assert answer.status == 303 and answer.headers["Location"].endswith("/ontology/")
    assert get(port, "/ontology/", BROWSER)[1] == (SITE / "ontology/index.html").read_bytes()


@pytest.mark.parametrize("accept", list(ANSWERS), ids=lambda a: a.split(",")[0])
def test_the_base_answers_the_dump_or_the_home_page(port, accept):
    name, media_type = ANSWERS[accept]
    answer, body = get(port, "/", accept)
    assert (answer.status, answer.headers["Content-Type"]) == (200, media_type)
    assert "Accept" in answer.headers.get("Vary", "")
    expected = "index.html" if name == "index.html" else "jitarsa." + name.split(".")[1]
    assert body == (SITE / expected).read_bytes()


def test_the_shapes_iri_answers_turtle_or_sends_a_browser_to_the_rules(port):
    answer, body = get(port, "/shapes", "text/turtle")
    assert (answer.status, body) == (200, (SITE / "shapes.ttl").read_bytes())
    assert "Accept" in answer.headers.get("Vary", "")
    answer, _ = get(port, "/shapes", BROWSER)
    assert answer.status == 303 and answer.headers["Location"].endswith("/ontology/")
    assert "Accept" in answer.headers.get("Vary", "")


def test_a_folder_without_its_slash_is_sent_to_the_folder(port):
    answer, _ = get(port, "/queries", BROWSER)
    assert answer.status in (301, 303) and answer.headers["Location"].endswith("/queries/")


def test_the_dataset_iri_redirects_to_its_description(port):
    answer, _ = get(port, "/dataset", "text/turtle")
    assert answer.status == 303
    assert answer.headers["Location"].endswith("/void.ttl")


def test_rdflib_reads_an_entity_iri_on_its_defaults(port):
    own = rdflib.Graph().parse(SITE / ENTITY / "index.nt", format="nt")
    assert set(rdflib.Graph().parse(f"http://127.0.0.1:{port}/{ENTITY}")) == set(own)
