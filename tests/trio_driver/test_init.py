"""The package's public names, and what importing it loads. The user API's names
(``TrioGrid``, the shared venue classes) come through a lazy module ``__getattr__``."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

import covia_trio
from covia.async_api import AsyncAsset, AsyncJob, AsyncVenue
from covia.async_api.trio_grid import TrioGrid

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_public_names() -> None:
    assert set(covia_trio.__all__) == {
        "AsyncAsset",
        "AsyncJob",
        "AsyncVenue",
        "TrioDriver",
        "TrioGrid",
        "TrioVenueConnection",
    }
    # The venue classes are the shared async shell's, not copies.
    assert covia_trio.AsyncVenue is AsyncVenue
    assert covia_trio.AsyncJob is AsyncJob
    assert covia_trio.AsyncAsset is AsyncAsset
    assert "TrioGrid.connect" in (covia_trio.__doc__ or "")
    assert covia_trio.TrioGrid is TrioGrid


def test_importing_the_driver_alone_loads_no_user_api() -> None:
    code = (
        "import sys\n"
        "import covia_trio\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'covia')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        covia_trio.Nope  # noqa: B018


def test_importing_loads_neither_asyncio_nor_aiohttp() -> None:
    code = (
        "import sys\n"
        "import covia_trio, covia_trio.driver, covia.async_api\n"
        "from covia_trio import TrioGrid\n"
        "TrioGrid.connect('http://127.0.0.1:1')\n"
        "loaded = [m for m in ('asyncio', 'aiohttp', 'covia_aiohttp', 'requests')"
        " if m in sys.modules]\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_trio_driver_is_an_async_driver() -> None:
    from covia_proto.drivers import AsyncDriver

    assert isinstance(covia_trio.TrioDriver(), AsyncDriver)
