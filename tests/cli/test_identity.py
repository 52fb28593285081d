"""``covia key new``, ``covia key show``, ``covia whoami`` and ``--key`` / ``COVIA_KEY``."""

from __future__ import annotations

import json
import os
import pathlib
import stat
from collections.abc import Iterator

import pytest

from covia.auth import Ed25519Auth
from covia.keyfile import default_key_path
from covia_proto.testing.server import BackgroundLoop, serve_venue
from tests.cli.helpers import assert_one_line_error, covia, run_main


@pytest.fixture
def private_url(_covia_loop: BackgroundLoop) -> Iterator[str]:
    with serve_venue(loop=_covia_loop, public=False) as served:
        yield served.url


def test_key_new_writes_a_private_key_in_the_config_directory(capsys):
    result = run_main(capsys, "key", "new", "--json")
    assert result.code == 0
    shown = json.loads(result.out)
    path = default_key_path()
    assert shown["path"] == str(path)
    assert shown["did"] == Ed25519Auth.load(path).did
    assert "d" not in shown["publicKeyJwk"]
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # The secret is not printed.
    assert Ed25519Auth.load(path).key.to_multibase() not in result.out + result.err
    again = run_main(capsys, "key", "new")
    assert again.code == 2
    assert_one_line_error(again.err, "exists already")
    assert run_main(capsys, "key", "new", "--force").code == 0
    assert Ed25519Auth.load(path).did != shown["did"]


def test_key_show_reads_key_or_covia_key(capsys, tmp_path: pathlib.Path, monkeypatch):
    auth = Ed25519Auth.generate()
    path = auth.save(tmp_path / "mine.jwk", format="jwk")
    shown = run_main(capsys, "key", "show", "--key", str(path))
    assert shown.code == 0
    assert auth.did in shown.out
    assert auth.key.to_jwk()["d"] not in shown.out
    monkeypatch.setenv("COVIA_KEY", str(path))
    assert auth.did in run_main(capsys, "key", "show").out
    path.chmod(0o644)
    refused = run_main(capsys, "key", "show")
    assert refused.code == 2
    assert_one_line_error(refused.err, "chmod 600")


def test_whoami_signs_with_the_key_and_is_anonymous_without(capsys, url, tmp_path):
    auth = Ed25519Auth.generate()
    path = auth.save(tmp_path / "key")
    signed = run_main(capsys, "whoami", "--venue", url, "--key", str(path), "--json")
    assert signed.code == 0
    assert json.loads(signed.out) == {"caller": auth.did, "authenticated": True, "internal": False}
    anonymous = run_main(capsys, "whoami", "--venue", url, "--json")
    assert json.loads(anonymous.out)["caller"].endswith(":public")


def test_the_key_of_key_new_is_used_by_default(capsys, private_url):
    made = json.loads(run_main(capsys, "key", "new", "--json").out)
    found = run_main(capsys, "whoami", "--venue", private_url)
    assert found.code == 0
    assert made["did"] in found.out


def test_a_private_venue_without_identity_says_how_to_get_one(private_url):
    result = covia("whoami", "--venue", private_url)
    assert result.returncode == 1
    assert_one_line_error(result.stderr, "401", "authentication failed", "--key", "covia key new")


def test_a_missing_key_file_is_a_usage_error(capsys, url, tmp_path):
    result = run_main(capsys, "whoami", "--venue", url, "--key", str(tmp_path / "none"))
    assert result.code == 2
    assert_one_line_error(result.err, "no key file", "covia key new")
