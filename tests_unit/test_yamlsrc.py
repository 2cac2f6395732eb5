import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orion import yamlsrc
from orion.errors import ConfigError


def test_lines_are_kept_for_keys_and_items():
    doc = yamlsrc.loads("a:\n  b: 1\n  c:\n    - x\n    - y\n", "f.yml")
    assert doc.line(("a", "c", 1)) == 5
    assert doc.line(("a", "missing")) == 1, "an unknown location falls back to its closest ancestor"


def test_duplicate_keys_are_refused_with_their_line():
    with pytest.raises(ConfigError, match=r"f.yml:3: duplicate key 'a'"):
        yamlsrc.loads("a: 1\nb: 2\na: 3\n", "f.yml")


def test_merge_keys_may_be_overridden_but_not_repeated():
    doc = yamlsrc.loads("x: &d {k: 1, m: 2}\ny:\n  <<: *d\n  k: 5\n")
    assert doc.data["y"] == {"k": 5, "m": 2}
    with pytest.raises(ConfigError, match="duplicate key 'k'"):
        yamlsrc.loads("y:\n  <<: {a: 1}\n  k: 1\n  k: 2\n")


def test_bad_yaml_names_the_line():
    with pytest.raises(ConfigError, match=r"f.yml:2: invalid YAML"):
        yamlsrc.loads("a: [1\nb: 2\n", "f.yml")


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        yamlsrc.load(tmp_path / "nope.yml")


@given(st.text(max_size=200))
def test_any_text_either_loads_or_raises_config_error(text):
    with contextlib.suppress(ConfigError):
        yamlsrc.loads(text)
