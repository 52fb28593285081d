"""The pytest plugin, run on small test suites through ``pytester``."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from covia_proto.testing.pytest_plugin import FakeClock

pytest_plugins = ["pytester"]

PLUGIN = "covia_proto.testing.pytest_plugin"
ROOT = Path(__file__).resolve().parents[3]


def plugin_args() -> list[str]:
    """``-p`` the plugin unless the installed entry point already loads it (loading it
    twice under two names is an error)."""
    # Warnings are errors, except that this session imported the plugin already (so
    # pytest cannot assert-rewrite it); pytest-asyncio warns about its own settings.
    warnings = ["-W", "error", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    warnings += ["-p", "no:asyncio"]
    installed = importlib.metadata.entry_points(group="pytest11")
    if any(entry.value == PLUGIN for entry in installed):
        return warnings
    return ["-p", PLUGIN, *warnings]


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*plugin_args(), "--strict-markers", *args)


# FakeClock


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(start=100.0)
    seen: list[float] = []
    stop = clock.on_advance(lambda: seen.append(clock()))
    assert clock() == clock.now == 100.0
    clock.advance(2.5)
    stop()
    clock.advance(1)
    assert (clock(), seen) == (103.5, [102.5])
    with pytest.raises(ValueError, match="does not go back"):
        clock.advance(-1)


# The in-memory fixtures


def test_simulator_fixture_follows_the_clock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import json

        from covia_proto.http import Request

        BASE = "http://venue.test/api/v1"

        def call(sim, method, path, body=None):
            data = b"" if body is None else json.dumps(body).encode()
            return sim.handle(Request(method, BASE + path, body=data))

        def test_delay_completes_when_the_clock_moves(covia_simulator, covia_clock):
            payload = {"delay": 5000, "operation": "v/test/ops/echo", "input": 7}
            job = call(covia_simulator, "POST", "/invoke",
                       {"operation": "v/test/ops/delay", "input": payload})
            job_id = json.loads(job.body)["id"][2:]
            assert json.loads(call(covia_simulator, "GET", "/jobs/" + job_id).body)[
                "status"] == "PENDING"
            covia_clock.advance(5)
            record = json.loads(call(covia_simulator, "GET", "/jobs/" + job_id).body)
            assert (record["status"], record["output"]) == ("COMPLETE", 7)
            assert record["updated"] == int(covia_clock() * 1000)
        """
    )
    run(pytester).assert_outcomes(passed=1)


def test_marker_configures_the_simulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def test_default(covia_simulator):
            assert (covia_simulator.profile, covia_simulator.sse) == ("0.1", False)

        @pytest.mark.covia_venue(profile="latest", sse=True, name="Marked")
        def test_marked(covia_simulator):
            assert (covia_simulator.profile, covia_simulator.sse) == ("latest", True)
            assert covia_simulator.name == "Marked"

        @pytest.mark.covia_venue("latest")
        def test_positional_is_refused(covia_simulator):
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*keyword arguments only*"])


# The served venue


def test_venue_url_fixture_serves_http(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import threading

        import pytest
        import requests

        def test_status(covia_venue_url, covia_venue):
            assert covia_venue_url == covia_venue.url
            assert covia_venue_url.startswith("http://127.0.0.1:")
            status = requests.get(covia_venue_url + "/api/v1/status", timeout=5).json()
            assert status["url"] == covia_venue_url

        @pytest.mark.covia_venue(profile="latest")
        def test_profile_from_marker(covia_venue_url):
            jobs = requests.get(covia_venue_url + "/api/v1/jobs", timeout=5).json()
            assert isinstance(jobs, dict)  # the paged envelope of newer venues

        def test_call_reaches_the_simulator(covia_venue, covia_venue_url):
            asset = covia_venue.call(covia_venue.simulator.add_asset, {"name": "seeded"})
            meta = requests.get(covia_venue_url + "/api/v1/assets/" + asset, timeout=5)
            assert meta.json() == {"name": "seeded"}
            assert covia_venue.call(threading.current_thread).name == "covia-venue-pytest"
        """
    )
    run(pytester).assert_outcomes(passed=3)


SHARING_SUITE = """
import requests

def invoke(url):
    body = {"operation": "v/test/ops/echo", "input": 1}
    assert requests.post(url + "/api/v1/invoke", json=body, timeout=5).status_code == 201

def jobs(url):
    return requests.get(url + "/api/v1/jobs", timeout=5).json()

def test_first(covia_venue_url):
    invoke(covia_venue_url)
    assert len(jobs(covia_venue_url)) == 1

def test_second(covia_venue_url):
    invoke(covia_venue_url)
    assert len(jobs(covia_venue_url)) == {expected}
"""


def test_each_test_gets_a_fresh_venue(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SHARING_SUITE.replace("{expected}", "1"))
    run(pytester).assert_outcomes(passed=2)


@pytest.mark.parametrize("how", ["option", "ini"])
def test_a_venue_can_be_shared_by_a_module(pytester: pytest.Pytester, how: str) -> None:
    pytester.makepyfile(SHARING_SUITE.replace("{expected}", "2"))
    if how == "ini":
        pytester.makeini("[pytest]\ncovia_venue_scope = module\n")
        result = run(pytester)
    else:
        result = run(pytester, "--covia-venue-scope=module")
    result.assert_outcomes(passed=2)


def test_a_bad_ini_scope_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ncovia_venue_scope = forever\n")
    pytester.makepyfile("def test_x(covia_venue_url):\n    pass\n")
    result = run(pytester)
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*covia_venue_scope must be one of*"])


# Suites that do not use the plugin


def test_unused_plugin_costs_nothing(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    # A separate process, so what this test session imported does not count.
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(
        """
        import sys

        def test_plain():
            assert "aiohttp" not in sys.modules
            assert "covia_proto.testing.server" not in sys.modules

        def test_simulator_alone(covia_simulator):
            assert "aiohttp" not in sys.modules
        """
    )
    result = pytester.runpytest_subprocess(*plugin_args(), "--strict-markers")
    result.assert_outcomes(passed=2)


def test_help_lists_the_option(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--help")
    result.stdout.fnmatch_lines(["*--covia-venue-scope*"])
    markers = run(pytester, "--markers")
    markers.stdout.fnmatch_lines(["*covia_venue(**options)*"])


def test_a_shared_venue_takes_the_module_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        import requests

        pytestmark = pytest.mark.covia_venue(profile="latest")

        def test_envelope(covia_venue_url):
            jobs = requests.get(covia_venue_url + "/api/v1/jobs", timeout=5).json()
            assert isinstance(jobs, dict)
        """
    )
    run(pytester, "--covia-venue-scope=module").assert_outcomes(passed=1)
