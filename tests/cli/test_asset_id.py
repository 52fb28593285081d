"""asset-id FILE: the id computed locally, from a file or stdin, as text or JSON."""

from __future__ import annotations

import json

from tests.cli.helpers import assert_one_line_error, covia, run_main

# Recorded from the real venue (tests/proto/vectors/asset_ids.json).
N_ONE = "2541fbf2080f91bd9b28227adc0274d8986bea34f00e56ceb3c49aa6e9b5db2e"


def test_prints_the_id_of_a_file(capsys, tmp_path):
    path = tmp_path / "meta.json"
    path.write_text('{ "n" : 1 }\n')
    result = run_main(capsys, "asset-id", str(path))
    assert (result.code, result.out, result.err) == (0, N_ONE + "\n", "")


def test_json_output(capsys, tmp_path):
    path = tmp_path / "meta.json"
    path.write_text('{"n":1}')
    result = run_main(capsys, "asset-id", str(path), "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {"id": N_ONE, "file": str(path)}


def test_reads_stdin_as_bytes():
    done = covia("asset-id", "-", input=b'{"n":1}', text=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (N_ONE + "\n").encode()


def test_metadata_the_venue_would_refuse_is_a_usage_error(capsys, tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[1, 2]")
    result = run_main(capsys, "asset-id", str(path))
    assert result.code == 2
    assert_one_line_error(result.err, "must be a JSON object")
    assert str(path) in result.err


def test_a_missing_file_is_a_usage_error(capsys, tmp_path):
    result = run_main(capsys, "asset-id", str(tmp_path / "absent.json"))
    assert result.code == 2
    assert_one_line_error(result.err, "cannot read")
