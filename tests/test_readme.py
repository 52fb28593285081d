"""The README's examples run, and print what the README says they print.

A block marked ``<!-- readme-test: NAME -->`` is executed; the comment lines that
follow a ``print(`` (``# output``) are the output it must produce, in order.
"""

from __future__ import annotations

import contextlib
import io
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"<!-- readme-test: (\S+) -->\s*```python\n(.*?)```", re.DOTALL)


def blocks() -> dict[str, str]:
    return dict(BLOCK.findall(README.read_text()))


def expected_output(code: str) -> list[str]:
    lines: list[str] = []
    after_print = False
    for line in code.splitlines():
        stripped = line.strip()
        if after_print and stripped.startswith("# "):
            lines.append(stripped[2:])
            continue
        after_print = "print(" in stripped
    return lines


def test_the_readme_has_tested_examples():
    assert "core" in blocks()


@pytest.mark.parametrize("name", sorted(blocks()))
def test_readme_example(name: str):
    code = blocks()[name]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"README.md:{name}", "exec"), {"__name__": f"readme_{name}"})
    assert out.getvalue().splitlines() == expected_output(code)
