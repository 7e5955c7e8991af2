"""Published IRIs are pinned: renaming or removing one breaks links, so it must be deliberate."""

from conftest import ROOT


def test_published_entity_iris_are_the_pinned_list(built):
    published = sorted(
        {
            line.split(" ", 1)[0].strip("<>")
            for line in built.files["jitarsa.nt"].decode().splitlines()
            if line.startswith("<https://w3id.org/jitarsa/")
        }
    )
    pinned = (ROOT / "tests" / "expected" / "iris.txt").read_text().split()
    assert published == pinned, (
        "entity IRIs changed: if this is deliberate, update tests/expected/iris.txt"
    )


def test_ids_are_stored_in_records_not_derived_from_names(data_dir):
    """Renaming an organisation keeps its IRI."""
    from jitarsa.rdf.graph import triples
    from jitarsa.records.load import load_dataset

    path = data_dir / "organisations" / "mirror-foundation.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Mirror Foundation", "The Mirror"),
        encoding="utf-8",
    )
    subjects = {t.subject.value for t in triples(load_dataset(data_dir))}
    assert "https://w3id.org/jitarsa/org/mirror-foundation" in subjects


def test_the_base_iri_is_configurable(data_dir):
    from jitarsa.rdf.graph import triples
    from jitarsa.records.load import load_dataset

    subjects = {
        t.subject.value for t in triples(load_dataset(data_dir, base="https://example.org/vsn/"))
    }
    assert "https://example.org/vsn/org/mirror-foundation" in subjects
    assert not any(s.startswith("https://w3id.org/") for s in subjects)
