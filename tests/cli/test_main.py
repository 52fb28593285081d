"""``covia.cli.main``, ``python -m covia.cli`` and the ``covia`` script are one thing."""

from __future__ import annotations

import pathlib
import subprocess
import sys

from covia.cli import main
from tests.cli.helpers import clean_env, covia


def test_main_returns_the_exit_code(capsys):
    assert main(["--version"]) == 0
    assert main(["no-such-command"]) == 2


def test_python_dash_m(url):
    result = covia("--venue", url, "status")
    assert result.returncode == 0
    assert "Covia Test Venue" in result.stdout


def test_the_console_script_when_installed(url):
    script = pathlib.Path(sys.executable).with_name("covia")
    assert script.exists(), "install the package (pip install -e '.[dev]') for its script"
    result = subprocess.run(
        [str(script), "--venue", url, "--json", "ops"],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert '"v/test/ops/echo"' in result.stdout
