"""Any YAML a curator could write is either a record or one RecordError: never a crash."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jitarsa.errors import RecordError
from jitarsa.records.checks import RECORD_FIELDS, check_record, load_kinds
from jitarsa.records.yamlfile import read_yaml

KINDS = load_kinds()
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["th", "en", "foundation", "Q1", "https://example.org/", "พ.ศ. 2548"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.one_of(
                st.sampled_from(["th", "en", "url", "entry", "position", "about"]),
                st.text(max_size=5),
            ),
            inner,
            max_size=3,
        ),
    ),
    max_leaves=8,
)
RECORDS = st.dictionaries(st.sampled_from(RECORD_FIELDS + ("other",)), VALUES, max_size=8)


@pytest.mark.slow
@settings(max_examples=300)
@given(RECORDS)
def test_check_record_returns_a_record_or_raises_a_record_error(data):
    try:
        record = check_record(data, "x.yaml", KINDS)
    except RecordError as err:
        text = str(err)
        assert text.startswith("x.yaml") and "\n" not in text
    else:
        assert record.id == data["id"] and record.name


@settings(max_examples=200)
@given(st.text(max_size=60))
def test_read_yaml_of_any_text_returns_data_or_raises_a_record_error(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("yaml") / "r.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        value = read_yaml(path)
    except RecordError as err:
        assert str(err).startswith(str(path)) and "\n" not in str(err)
    else:
        assert value is not None
