"""jitarsa's nesting limit is decided before any YAML parser sees the file, by YAML's lexical
rules: the message is jitarsa's whichever PyYAML release is installed (6.0.4's scanner refuses
1,000 flow levels with its own words), and brackets that are text are never counted."""

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from jitarsa.errors import RecordError
from jitarsa.records.yamlfile import MAX_DEPTH, _flow_too_deep, read_yaml

BRACKETY = st.text(alphabet="[]{}ab ,:#'\"-|>", max_size=12)
TREES = st.recursive(
    st.one_of(BRACKETY, st.integers()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(BRACKETY, inner, max_size=3)
    ),
    max_leaves=30,
)


def depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(TREES, st.sampled_from([None, True, False]), st.sampled_from([None, "'", '"', "|"]))
def test_text_that_yaml_nests_within_the_limit_is_never_counted_too_deep(tree, flow, style):
    """Whatever a YAML writer does with brackets inside text (quoted, plain, block scalars),
    the lexical count never exceeds the nesting the parser reads."""
    text = yaml.safe_dump(
        [tree] * 40, default_flow_style=flow, default_style=style, allow_unicode=True
    )
    assert depth(yaml.safe_load(text)) <= MAX_DEPTH
    assert _flow_too_deep(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "title: '" + "[" * 200 + "'\n",
        'title: "' + "{" * 200 + '"\n',
        "title: |\n  " + "[" * 200 + "\n  more\nnext: 1\n",
        "- key: >\n    " + "[" * 200 + "\n  other: 1\n",
        "# " + "[" * 200 + "\nkey: 1\n",
        "key: a" + "[" * 200 + "\n",
    ],
    ids=["single-quoted", "double-quoted", "literal", "folded-in-sequence", "comment", "plain"],
)
def test_brackets_that_are_text_are_not_nesting(text, tmp_path):
    assert _flow_too_deep(text) is None
    path = tmp_path / "record.yaml"
    path.write_text(text)
    read_yaml(path)  # and the file reads


@pytest.mark.parametrize(
    "text",
    [
        "[" * 1_000,
        "key: " + "[" * 1_000,
        "- a: |\n    text\n  b: " + "{a: " * 1_000,
        "--- " + "[" * 1_000,
        "key: &anchor !!seq " + "[" * 1_000,
        "key: 'text'\nother: " + "[" * (MAX_DEPTH + 1),
    ],
    ids=["flow", "value", "after-block-scalar", "document-start", "anchor-and-tag", "just-over"],
)
def test_deep_flow_nesting_is_refused_with_jitarsas_message(text, tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    with pytest.raises(RecordError, match=f"nested more than {MAX_DEPTH} levels deep"):
        read_yaml(path)
