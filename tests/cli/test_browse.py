"""status, ops, op, assets, asset, jobs, job: tables for people, --json for scripts."""

from __future__ import annotations

import json

import pytest

from covia import Grid
from tests.cli.helpers import assert_one_line_error, covia, run_main

ECHO = "v/test/ops/echo"


@pytest.fixture(scope="module")
def finished_job(venue) -> str:
    with Grid.connect(venue.url) as sdk:
        return sdk.invoke(ECHO, {"x": 1}).wait(timeout=30).id


def test_status_shows_the_venue(capsys, url):
    result = run_main(capsys, "--venue", url, "status")
    assert result.code == 0
    assert "Covia Test Venue" in result.out
    assert "did:key:" in result.out
    assert url in result.out


def test_status_json_parses(capsys, url):
    result = run_main(capsys, "--venue", url, "status", "--json")
    data = json.loads(result.out)
    assert data["name"] == "Covia Test Venue"
    assert data["stats"]["ops"] >= 1


def test_ops_lists_every_operation(capsys, url):
    result = run_main(capsys, "--venue", url, "ops")
    assert result.code == 0
    for name in (ECHO, "v/test/ops/never", "v/test/ops/delay"):
        assert name in result.out
    listed = json.loads(run_main(capsys, "--venue", url, "--json", "ops").out)
    assert ECHO in [op["name"] for op in listed]
    assert all(op.get("asset") for op in listed)


def test_op_shows_its_schemas(capsys, url):
    result = run_main(capsys, "--venue", url, "op", "v/test/ops/random")
    assert result.code == 0
    assert "Generates a specified number of random bytes" in result.out
    assert '"required"' in result.out
    data = json.loads(run_main(capsys, "--venue", url, "op", "v/test/ops/random", "--json").out)
    assert data["input"]["required"] == ["length"]


def test_an_unknown_operation_is_one_line_and_exit_1(capsys, url):
    result = run_main(capsys, "--venue", url, "op", "v/test/ops/nope")
    assert result.code == 1
    assert_one_line_error(result.err)
    assert result.out == ""


def test_assets_pages_and_all(capsys, url):
    every = json.loads(run_main(capsys, "--venue", url, "--json", "assets", "--all").out)
    assert every["total"] == len(every["items"]) >= 10
    page = json.loads(run_main(capsys, "--venue", url, "--json", "assets", "--limit", "3").out)
    assert len(page["items"]) == 3
    assert page["total"] == every["total"]
    table = run_main(capsys, "--venue", url, "assets", "--limit", "3")
    assert f"assets 1-3 of {every['total']}; --all for every one" in table.out
    first = page["items"][0]
    assert first["id"] in table.out
    assert first["metadata"]["name"] in table.out


def test_asset_shows_metadata(capsys, url):
    listed = json.loads(run_main(capsys, "--venue", url, "--json", "assets").out)
    target = next(a for a in listed["items"] if a["metadata"].get("name") == "Echo Operation")
    result = run_main(capsys, "--venue", url, "asset", target["id"])
    assert result.code == 0
    assert "Echo Operation" in result.out
    assert "operation" in result.out
    data = json.loads(run_main(capsys, "--venue", url, "asset", target["id"], "--json").out)
    assert data == target


def test_an_unknown_asset_is_one_line_and_exit_1(url):
    missing = "ab" * 32
    result = covia("--venue", url, "asset", missing)
    assert result.returncode == 1
    assert_one_line_error(result.stderr, f"asset not found: {missing}")


def test_jobs_lists_the_last_ones(capsys, url, finished_job):
    result = run_main(capsys, "--venue", url, "jobs")
    assert result.code == 0
    assert finished_job in result.out
    assert "COMPLETE" in result.out
    listing = json.loads(run_main(capsys, "--venue", url, "--json", "jobs").out)
    records = listing["items"]  # the envelope of `assets --json`
    assert finished_job in [r["id"] for r in records]
    assert all("prev" not in r for r in records)
    assert (listing["total"], listing["offset"]) == (len(records), 0)
    last = json.loads(run_main(capsys, "--venue", url, "--json", "jobs", "--limit", "1").out)
    assert len(last["items"]) == 1
    assert last["offset"] == last["total"] - 1
    assert last["items"][0]["id"] == records[-1]["id"]


def test_a_text_that_cannot_name_an_asset_is_refused_locally(url):
    result = covia("--venue", url, "asset", "xyz")
    assert result.returncode == 2
    assert_one_line_error(result.stderr, "not an asset id: 'xyz'")


def test_an_unknown_operation_is_one_clear_line(url):
    result = covia("--venue", url, "run", "v/test/ops/nope")
    assert result.returncode == 1
    assert_one_line_error(result.stderr, "operation not found: v/test/ops/nope")
    assert "Exception" not in result.stderr


def test_under_json_errors_are_json_on_stderr_and_stdout_stays_empty(url):
    result = covia("--venue", url, "--json", "asset", "ab" * 32)
    assert result.returncode == 1
    assert result.stdout == ""
    assert json.loads(result.stderr) == {
        "error": f"asset not found: {'ab' * 32}",
        "exit_code": 1,
    }
    usage = covia("--json", "jobs", "--no-such-option")
    assert usage.returncode == 2
    assert json.loads(usage.stderr)["exit_code"] == 2


def test_job_shows_one_job(capsys, url, finished_job):
    result = run_main(capsys, "--venue", url, "job", finished_job)
    assert result.code == 0
    assert "COMPLETE" in result.out
    assert "Echo Operation" in result.out
    data = json.loads(run_main(capsys, "--venue", url, "job", finished_job, "--json").out)
    assert data["id"] == finished_job
    assert data["output"] == {"x": 1}


def test_an_unknown_job_is_one_line_and_exit_1(capsys, url):
    result = run_main(capsys, "--venue", url, "job", "cd" * 16)
    assert result.code == 1
    assert_one_line_error(result.err, "job not found")


def test_an_unreachable_venue_is_exit_3(url):
    result = covia("--venue", "http://127.0.0.1:9", "ops")
    assert result.returncode == 3
    assert_one_line_error(result.stderr, "network error", "127.0.0.1:9")
