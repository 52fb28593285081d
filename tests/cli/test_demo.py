"""covia demo: the walkthrough, end to end, on its own local venue."""

from __future__ import annotations

from covia.cli.demo import SECTIONS, walk
from tests.cli.helpers import covia, run_main


def test_demo_runs_end_to_end():
    result = covia("demo")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Local venue at http://127.0.0.1:" in result.stderr
    for title, _ in SECTIONS:
        assert f"== {title} ==" in result.stdout
    for shown in (
        "'Covia Test Venue'",
        "{'message': 'hello'}",
        "job-update: COMPLETE",
        "JobStatus.STARTED",  # as a REPL shows it
        "JobStatus.CANCELLED",
        "b'Hello from the Covia demo\\n'",
        "JobFailedError: something broke",
        "Demo complete.",
    ):
        assert shown in result.stdout
    # The demo's venue stops when it ends: no hint to follow a job there afterwards.
    assert "covia watch" not in result.stdout


def test_demo_ignores_covia_venue_but_honours_venue(capsys, url, monkeypatch):
    monkeypatch.setenv("COVIA_VENUE", "http://127.0.0.1:9")
    result = run_main(capsys, "--venue", url, "demo")
    assert result.code == 0, result.err
    assert f"Running the demo against {url}" in result.err
    assert f"Grid.connect('{url}')" in result.out


def test_walk_runs_sections_in_order_under_their_headings():
    seen: list[str] = []
    walk(
        "http://venue",
        [("One", lambda u: seen.append(f"1 {u}")), ("Two", lambda u: seen.append(f"2 {u}"))],
        heading=lambda title: seen.append(title),
    )
    assert seen == ["One", "1 http://venue", "Two", "2 http://venue"]
