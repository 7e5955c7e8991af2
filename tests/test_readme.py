"""The README's Python examples run as written (doctest), in a scratch folder."""

import doctest
import os
import re

from conftest import ROOT


def test_readme_python_examples(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    examples = "\n".join(block for block in blocks if ">>>" in block)
    assert examples.count(">>>") >= 8
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        (tmp_path / "data").symlink_to(ROOT / "data")
        test = doctest.DocTestParser().get_doctest(examples, {}, "README.md", "README.md", 0)
        result = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS).run(test)
    finally:
        os.chdir(here)
    assert result.failed == 0
    assert (tmp_path / "dist" / "jitarsa.ttl").exists()
