"""The README's examples run, and print what the README says they print.

A block marked ``<!-- readme-test: NAME -->`` is executed; the comment lines that
follow a ``print(`` (``# output``) are the output it must produce, in order.
"""

from __future__ import annotations

import contextlib
import io
import pathlib
import re
import subprocess
import sys

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"<!-- readme-test: (\S+) -->\s*```python\n(.*?)```", re.DOTALL)
VENUE_BLOCK = re.compile(r"<!-- readme-venue: (\S+) -->\s*```python\n(.*?)```", re.DOTALL)
PYTEST_BLOCK = re.compile(r"<!-- readme-pytest: (\S+) -->\s*```python\n(.*?)```", re.DOTALL)


def blocks(pattern: re.Pattern[str] = BLOCK) -> dict[str, str]:
    return dict(pattern.findall(README.read_text()))


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
    assert "network-free" in blocks(PYTEST_BLOCK)
    assert {"quickstart", "asyncio", "trio"} <= set(blocks(VENUE_BLOCK))


@pytest.mark.parametrize("name", sorted(blocks(VENUE_BLOCK)))
def test_readme_example_runs_against_a_local_venue(name: str):
    """Blocks marked ``readme-venue`` address ``https://venue.example.com``: they run
    as written, in a fresh interpreter, against a loopback venue in its place."""
    from covia_proto.testing.server import serve_venue

    with serve_venue() as venue:
        code = blocks(VENUE_BLOCK)[name].replace("https://venue.example.com", venue.url)
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


@pytest.mark.parametrize("name", sorted(blocks()))
def test_readme_example(name: str):
    code = blocks()[name]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"README.md:{name}", "exec"), {"__name__": f"readme_{name}"})
    assert out.getvalue().splitlines() == expected_output(code)


@pytest.mark.parametrize("name", sorted(blocks(PYTEST_BLOCK)))
def test_readme_test_module_passes_under_pytest(name: str, tmp_path: pathlib.Path):
    """Blocks marked ``readme-pytest`` are test modules a user would write: they run
    under pytest, with the plugin the SDK registers, and every test passes."""
    code = blocks(PYTEST_BLOCK)[name]
    (tmp_path / f"test_readme_{name.replace('-', '_')}.py").write_text(code)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    tests = code.count("\ndef test_")
    assert f"{tests} passed" in result.stdout
