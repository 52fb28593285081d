"""``examples/http_client_driver.py``: the example driver of ``docs/drivers.md`` keeps the
driver contract (the conformance kit says so), runs the user API, and is the very code
the documentation shows."""

from __future__ import annotations

import pathlib
import re

import pytest

from covia_proto.testing.driver_kit import CHECKS, Check, check_sync_driver
from covia_proto.testing.server import BackgroundLoop, serve_venue
from tests.examples.test_examples import load

ROOT = pathlib.Path(__file__).resolve().parents[2]
example = load("http_client_driver")


@pytest.fixture
def kit_loop(_covia_loop: BackgroundLoop) -> BackgroundLoop:
    return _covia_loop


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_the_example_driver_keeps_the_contract(check: Check, kit_loop: BackgroundLoop) -> None:
    check_sync_driver(check, lambda: example.HttpClientDriver(timeout=5.0), loop=kit_loop)


def test_the_example_runs_the_user_api(
    kit_loop: BackgroundLoop, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve_venue(loop=kit_loop) as venue:
        example.main(venue.url)
    assert capsys.readouterr().out.splitlines() == [
        "Covia Test Venue",
        "{'over': 'http.client'}",
    ]


def test_the_documentation_quotes_the_example_verbatim() -> None:
    doc = (ROOT / "docs" / "drivers.md").read_text()
    quoted = re.search(
        r"<!-- examples/http_client_driver.py -->\n```python\n(.*?)```", doc, re.DOTALL
    )
    assert quoted is not None, "docs/drivers.md lost its quote of the example"
    assert quoted.group(1) == (ROOT / "examples" / "http_client_driver.py").read_text()
