"""The batches through QuickStatements 3's own V1 parser (../shared/quickstatements3, MIT), the
parser behind the tool's "paste a V1 batch" page, with small stand-ins for its Django models."""

import enum
import importlib
import sys
import types

import pytest
from conftest import SHARED
from test_wikidata_quickstatements import EXPECTED

QS3 = SHARED / "quickstatements3"


class _BatchCommand:
    ACTION_CREATE, ACTION_ADD, ACTION_REMOVE, ACTION_MERGE = ("create", "add", "remove", "merge")
    STATUS_INITIAL, STATUS_ERROR = "initial", "error"
    Operation = enum.Enum(
        "Operation",
        "SET_SITELINK SET_LABEL SET_DESCRIPTION ADD_ALIAS SET_STATEMENT REMOVE_STATEMENT_BY_ID "
        "REMOVE_STATEMENT_BY_VALUE REMOVE_SITELINK REMOVE_LABEL REMOVE_DESCRIPTION REMOVE_ALIAS "
        "REMOVE_QUALIFIER REMOVE_REFERENCE CREATE_ITEM CREATE_PROPERTY CREATE_STATEMENT",
    )

    def __init__(self, **fields):
        self.operation = self.message = None
        self.__dict__.update(fields)


class _Batch:
    def __init__(self, name, user):
        self.commands = []

    def add_preview_command(self, command):
        self.commands.append(command)


@pytest.fixture(scope="module")
def parse():
    """QuickStatements 3's V1CommandParser().parse, as a function of the batch text."""
    if not (QS3 / "v1.py").is_file():
        pytest.fail(f"QuickStatements 3's parser is missing: {QS3} (copy ../shared beside)")
    core = types.ModuleType("core")
    models = types.ModuleType("core.models")
    models.Batch, models.BatchCommand = _Batch, _BatchCommand
    saved = {name: sys.modules.get(name) for name in ("core", "core.models", "quickstatements3")}
    sys.modules.update({"core": core, "core.models": models})
    sys.path.insert(0, str(SHARED))
    try:
        v1 = importlib.import_module("quickstatements3.v1")
    finally:
        sys.path.remove(str(SHARED))
    yield lambda text: v1.V1CommandParser().parse("jitarsa", "test", text).commands
    for name, module in saved.items():
        if module is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module


@pytest.mark.parametrize("name", ["quickstatements-step1.tsv", "quickstatements-step2.tsv"])
def test_the_default_batches_parse_in_quickstatements_3(parse, name):
    text = (EXPECTED / name).read_text(encoding="utf-8")
    commands = parse(text)
    assert len(commands) == len(text.splitlines())
    assert [(c.index, c.message) for c in commands if c.status == "error"] == []
    sitelinks = [c.json for c in commands if c.operation == _BatchCommand.Operation.SET_SITELINK]
    assert [(s["site"], s["value"]["value"]) for s in sitelinks] == (
        [("thwiki", "เครือข่ายจิตอาสา")] if name.endswith("step1.tsv") else []
    )
    named = [q for c in commands for q in c.json.get("qualifiers", [])]
    assert all(q["property"] == "P1810" for q in named)
    assert len(named) == (0 if name.endswith("step1.tsv") else text.count("\tP1810\t"))
    labels = [c.json for c in commands if c.operation == _BatchCommand.Operation.SET_LABEL]
    assert labels and all(label["value"]["value"] for label in labels)
    for command in commands:  # every statement's value and reference as QuickStatements reads it
        if command.operation == _BatchCommand.Operation.SET_STATEMENT:
            assert command.json["value"]["value"], command.raw
            assert command.json.get("references"), command.raw


def test_a_hostile_name_the_export_lets_through_reads_back_unchanged(parse):
    from jitarsa.wikidata.quickstatements import quote

    hostile = "มูลนิธิ 'ก' & <ข> \\ ; , : / # % ( ) ? 100% LAST Q42 P31"
    commands = parse(f"CREATE\nLAST\tLth\t{quote(hostile)}\n")
    assert commands[1].status != "error"
    assert commands[1].json["value"]["value"] == hostile


@pytest.mark.parametrize("bad", ["|", "\u201c", "\u201d"])
def test_what_the_export_refuses_really_breaks_in_quickstatements_3(parse, bad):
    """The reason for each refusal: written unchanged, QuickStatements 3 misreads the line."""
    commands = parse(f'CREATE\nLAST\tLen\t"Volunteer {bad} Spirit"\n')
    read = commands[1]
    assert read.status == "error" or read.json["value"]["value"] != f"Volunteer {bad} Spirit"
