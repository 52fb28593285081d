"""``pip install covia`` without extras, in a fresh virtual environment, gives the
documented sync API: the README's quick start runs against a local venue, and a missing
optional driver names the extra that installs it.

One test (the install takes seconds): it builds the package from this checkout and
installs it with its base dependencies only, through the outer environment's pip.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys
import textwrap
import venv

from covia_proto.testing.server import serve_venue
from tests.test_readme import VENUE_BLOCK, blocks

ROOT = pathlib.Path(__file__).resolve().parents[1]

MISSING_DRIVERS = textwrap.dedent(
    """
    import asyncio, sys
    from covia import CoviaError, MissingDependencyError
    from covia.async_api import AsyncGrid

    async def connect():
        async with AsyncGrid.connect(sys.argv[1]):
            pass

    try:
        asyncio.run(connect())
    except MissingDependencyError as error:
        assert isinstance(error, ImportError) and isinstance(error, CoviaError)
        print(error)
    try:
        import covia_trio
    except ImportError as error:
        assert isinstance(error, MissingDependencyError)
        print(error)
    """
)


def run(python: pathlib.Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), *argv], capture_output=True, text=True, timeout=600, check=False
    )


def test_pip_install_without_extras_gives_the_sync_quick_start(tmp_path: pathlib.Path) -> None:
    env = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env)  # the outer pip installs into it
    python = env / "bin" / "python"
    installed = run(
        pathlib.Path(sys.executable),
        *("-m", "pip", "--python", str(python), "install", "-q", "--no-input", str(ROOT)),
    )
    assert installed.returncode == 0, installed.stderr
    present = run(python, "-c", "import aiohttp")
    assert present.returncode != 0, "aiohttp came with the base install"

    with serve_venue() as venue:
        quick_start = blocks(VENUE_BLOCK)["quickstart"].replace(
            "https://venue.example.com", venue.url
        )
        done = run(python, "-c", quick_start)
        assert done.returncode == 0, done.stderr
        assert "COMPLETE" in done.stdout
        assert "v/test/ops/echo" in done.stdout
        missing = run(python, "-c", MISSING_DRIVERS, venue.url)

    assert missing.returncode == 0, missing.stderr
    assert missing.stdout.splitlines() == [
        "AsyncGrid.connect without driver= needs the 'aiohttp' package, which is not "
        "installed: pip install 'covia[aiohttp]'",
        "covia_trio needs the 'trio' package, which is not installed: pip install 'covia[trio]'",
    ]
