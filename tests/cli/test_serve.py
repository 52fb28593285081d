"""covia serve: a local venue on loopback until Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import urllib.parse

import pytest

from covia import Grid
from tests.cli.helpers import (
    COVIA,
    TIMEOUT,
    assert_one_line_error,
    clean_env,
    covia,
    run_main,
    spawn,
)


def start(*args: str) -> subprocess.Popen[str]:
    return spawn(
        [*COVIA, "serve", "--port", "0", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )


def stop(process: subprocess.Popen[str], signum: int) -> tuple[str, str]:
    try:
        process.send_signal(signum)
        return process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_prints_the_url_serves_and_stops_on_ctrl_c(inherited_sigint):
    process = start()
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    try:
        assert urllib.parse.urlsplit(url).hostname == "127.0.0.1"
        with Grid.connect(url) as venue:
            assert venue.status().name == "Covia Test Venue"
            assert venue.run("v/test/ops/echo", {"x": 1}, timeout=30) == {"x": 1}
    finally:
        out, err = stop(process, signal.SIGINT)
    assert process.returncode == 0
    assert f"COVIA_VENUE={url}" in err
    assert "Venue stopped." in err
    assert "Traceback" not in err
    assert out == ""


def test_serve_with_options_and_json_stops_on_sigterm():
    process = start("--profile", "latest", "--sse", "--json")
    assert process.stdout is not None
    first = process.stdout.readline()
    try:
        url = json.loads(first)["url"]
        with Grid.connect(url) as venue:
            job = venue.invoke("v/test/ops/delay", {"delay": 50, "operation": "v/test/ops/echo"})
            events = [event.event for event in job.stream()]
            assert "job-update" in events
    finally:
        _, err = stop(process, signal.SIGTERM)
    assert process.returncode == 0
    assert "profile latest, job event streams" in err


def test_a_port_in_use_is_one_line_and_exit_2(url):
    port = urllib.parse.urlsplit(url).port
    assert port is not None
    result = covia("serve", "--port", str(port))
    assert result.returncode == 2
    assert_one_line_error(result.stderr, f"cannot serve on port {port}")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--profile", "0.2"], "invalid choice"),
        (["--port", "70000"], "a port is 0 to 65535"),
        (["--port", "-1"], "a port is 0 to 65535"),
        (["--port", "http"], "not a port number"),
    ],
)
def test_bad_options_are_refused(capsys, argv, fragment):
    result = run_main(capsys, "serve", *argv)
    assert result.code == 2
    assert_one_line_error(result.err, fragment)
