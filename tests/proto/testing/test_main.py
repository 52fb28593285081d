"""``python -m covia_proto.testing serve``: as a real subprocess, and its argument checks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from covia_proto.testing.__main__ import _is_loopback, main

ROOT = Path(__file__).resolve().parents[3]
TIMEOUT = 10.0


def first_line(process: subprocess.Popen[str], timeout: float = TIMEOUT) -> str:
    """The first stdout line, without hanging the test if the server never prints."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    if not lines:
        process.kill()
        pytest.fail("the server printed no URL")
    return lines[0].strip()


@pytest.fixture
def serve() -> Iterator[list[subprocess.Popen[str]]]:
    """Started servers, killed if a test leaves one behind."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def start(started: list[subprocess.Popen[str]], *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "covia_proto.testing", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    started.append(process)
    return process


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_prints_url_answers_and_stops_cleanly(
    serve: list[subprocess.Popen[str]], signum: int
) -> None:
    process = start(serve, "--name", "CLI Venue", "--profile", "latest", "--sse")
    url = first_line(process)
    assert url.startswith("http://127.0.0.1:")
    status = requests.get(url + "/api/v1/status", timeout=TIMEOUT)
    assert status.status_code == 200
    assert (status.json()["name"], status.json()["url"]) == ("CLI Venue", url)
    process.send_signal(signum)
    _, errors = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0
    assert "Traceback" not in errors
    assert "Ctrl-C to stop" in errors


def test_tokens_map_to_callers(serve: list[subprocess.Popen[str]]) -> None:
    process = start(serve, "--private", "--token", "s3cret=did:key:z6MkAlice")
    url = first_line(process)
    anonymous = requests.get(url + "/api/v1/jobs", timeout=TIMEOUT)
    assert (anonymous.status_code, anonymous.text) == (401, "Authentication required")
    body = {"operation": "v/test/ops/echo", "input": 1}
    headers = {"Authorization": "Bearer s3cret"}
    job = requests.post(url + "/api/v1/invoke", json=body, headers=headers, timeout=TIMEOUT)
    assert job.json()["caller"] == "did:key:z6MkAlice"
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0


def test_non_loopback_host_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["serve", "--host", "0.0.0.0"])
    assert excinfo.value.code == 2
    assert "--allow-remote" in capsys.readouterr().err


def test_malformed_token_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["serve", "--token", "no-did"])
    assert excinfo.value.code == 2
    assert "TOKEN=DID" in capsys.readouterr().err


def test_a_taken_port_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code = main(["serve", "--port", str(taken.getsockname()[1])])
    assert code == 1
    assert "covia venue:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert _is_loopback(host) is loopback
