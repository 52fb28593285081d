"""Every example of the SDK documentation runs against a loopback venue."""

from __future__ import annotations

import importlib.util
import pathlib
import subprocess
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

from covia_proto.testing.server import serve_venue

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def venue_url() -> Iterator[str]:
    with serve_venue() as running:
        yield running.url


EXPECTED = {
    "quickstart": ["Covia Test Venue"],
    "invoking": ["{'prompt': 'hello'}"],
    "assets": ["Total: ", "b'file contents'", "b'updated content'", "My Dataset"],
    "authentication": ["Covia Test Venue"],
    "jobs": ["PENDING", "{'x': 1}", "CANCELLED", "Event: job-update"],
    "operations": ["v/test/ops/echo: ", "{'message': 'hello'}"],
    "discovery": ["https://www.w3.org/ns/did/v1", "1.0"],
    "errors": [
        "{'x': 1}",
        "Job failed: something broke",
        "API error 400:",
        "Cannot connect to venue",
        "Timed out",
    ],
    "configuration": ["covia.http DEBUG GET ", "/api/v1/status -> 200"],
    "async_api": ["Covia Test Venue", "{'prompt': 'hello'}", "[{'x': 1}, {'x': 2}, {'x': 3}]"],
    "trio_api": ["Covia Test Venue", "{'prompt': 'hello'}", "[{'x': 1}, {'x': 2}, {'x': 3}]"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_and_prints_what_the_documentation_promises(
    name: str, venue_url: str, capsys: pytest.CaptureFixture[str]
):
    load(name).main(venue_url)
    out = capsys.readouterr().out
    for expected in EXPECTED[name]:
        assert expected in out, f"{name}: {expected!r} not in output"


def test_the_walkthrough_runs_end_to_end_on_its_own_local_venue():
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "walkthrough.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Walkthrough complete." in result.stdout
    for name in EXPECTED:
        assert f"({name}.py)" in result.stdout
    assert "Traceback" not in result.stderr
