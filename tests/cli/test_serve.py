"""covia serve: a local venue on loopback until Ctrl-C."""

from __future__ import annotations

import hashlib
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
        (["--max-content-size", "lots"], "not a size in bytes"),
        (["--max-content-size", "0"], "more than 0 bytes"),
        (["--venue", "http://x"], "unrecognized arguments: --venue"),
    ],
)
def test_bad_options_are_refused(capsys, argv, fragment):
    result = run_main(capsys, "serve", *argv)
    assert result.code == 2
    assert_one_line_error(result.err, fragment)


def test_the_cli_registers_uploads_downloads_and_verifies_200_mb(tmp_path):
    size = 200 * 1000 * 1000
    source = tmp_path / "big.bin"
    block = bytes(range(256)) * 4096  # 1 MiB that is not all zeros
    digest = hashlib.sha256()
    with source.open("wb") as file:
        written = 0
        while written < size:
            piece = block[: size - written]
            file.write(piece)
            digest.update(piece)
            written += len(piece)
    process = start("--max-content-size", "250MB")
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    try:
        put = covia("--venue", url, "--json", "put", str(source))
        assert put.returncode == 0, put.stderr
        report = json.loads(put.stdout)
        assert (report["size"], report["sha256"]) == (size, digest.hexdigest())
        copy = tmp_path / "copy.bin"
        got = covia("--venue", url, "--json", "get", report["id"], "-o", str(copy))
        assert got.returncode == 0, got.stderr
        assert json.loads(got.stdout)["verified"] is True
        assert copy.stat().st_size == size
        with copy.open("rb") as file:
            assert hashlib.file_digest(file, "sha256").hexdigest() == digest.hexdigest()
    finally:
        _, err = stop(process, signal.SIGINT)
    assert f"PUT /api/v1/assets/{report['id']}/content 200" in err  # requests are logged


def test_serve_help_lists_only_its_own_options():
    done = covia("serve", "--help")
    assert done.returncode == 0
    assert "--max-content-size" in done.stdout
    for meaningless in ("--venue", "--token", "--timeout"):
        assert meaningless not in done.stdout


@pytest.mark.parametrize(
    ("text", "size"),
    [("1000", 1000), ("500MB", 500_000_000), ("300M", 300_000_000), ("2GiB", 2 * 1024**3)],
)
def test_content_sizes(text, size):
    from covia.cli.serve import _size

    assert _size(text) == size
