"""Which venue and which token: --venue, COVIA_VENUE, a local venue; --token, COVIA_TOKEN."""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Iterator

import pytest

from covia.cli.errors import CliError
from covia.cli.render import Output
from covia.cli.venue import DEFAULT_TIMEOUT, VenueOptions, connect, local_venue
from covia_proto.testing.server import BackgroundLoop, serve_venue
from tests.cli.helpers import assert_one_line_error, covia, run_main

ALICE = "did:key:z6MkAlice"


def options(environ: dict[str, str], **given: object) -> VenueOptions:
    return VenueOptions.from_args(argparse.Namespace(**given), environ)


def test_the_command_line_wins_over_the_environment():
    env = {"COVIA_VENUE": "http://env", "COVIA_TOKEN": "env-token"}
    chosen = options(env, venue="http://arg", token="arg-token", timeout=5.0)
    assert chosen == VenueOptions("http://arg", "arg-token", 5.0)
    assert options(env) == VenueOptions("http://env", "env-token", DEFAULT_TIMEOUT)


def test_nothing_given_means_a_local_venue_and_no_token():
    assert options({}) == VenueOptions(None, None, DEFAULT_TIMEOUT)
    assert options({"COVIA_VENUE": "", "COVIA_TOKEN": ""}) == VenueOptions(None, None)


def test_the_token_stays_out_of_the_repr():
    assert "s3cr3t" not in repr(options({}, token="s3cr3t"))


def test_connect_starts_a_local_venue_when_none_is_named():
    err = io.StringIO()
    out = Output(stdout=io.StringIO(), stderr=err, use_rich=False)
    with connect(VenueOptions(None), out) as venue:
        assert venue.status().name == "Covia Test Venue"
        assert venue.base_url.startswith("http://127.0.0.1:")
    assert f"fresh local venue at {venue.base_url}" in err.getvalue()


def test_commands_use_covia_venue(capsys, url, monkeypatch):
    monkeypatch.setenv("COVIA_VENUE", url)
    result = run_main(capsys, "--json", "status")
    assert json.loads(result.out)["url"] == url
    assert "local venue" not in result.err


def test_without_aiohttp_a_local_venue_is_a_clear_usage_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "covia_proto.testing.server", None)
    with pytest.raises(CliError) as caught, local_venue():
        pass
    assert caught.value.code == 2
    assert "--venue URL" in caught.value.message


@pytest.fixture(scope="module")
def private_url(_covia_loop: BackgroundLoop) -> Iterator[str]:
    """A venue that refuses anonymous callers and knows one token."""
    with serve_venue(loop=_covia_loop, public=False, tokens={"s3cr3t": ALICE}) as served:
        yield served.url


def test_the_token_authenticates(capsys, private_url):
    by_option = run_main(
        capsys, "--venue", private_url, "run", "v/ops/auth/whoami", "--token", "s3cr3t"
    )
    assert by_option.code == 0, by_option.err
    assert json.loads(by_option.out)["caller"] == ALICE
    by_env = covia(
        "run", "v/ops/auth/whoami", env={"COVIA_VENUE": private_url, "COVIA_TOKEN": "s3cr3t"}
    )
    assert by_env.returncode == 0, by_env.stderr
    assert json.loads(by_env.stdout)["caller"] == ALICE
    assert "s3cr3t" not in by_option.err + by_env.stderr


def test_without_the_token_the_venue_refuses(capsys, private_url):
    result = run_main(capsys, "--venue", private_url, "status")
    assert result.code == 1
    assert_one_line_error(result.err, "401")


def test_a_wrong_token_is_refused_and_never_printed(capsys, private_url):
    result = run_main(capsys, "--venue", private_url, "--token", "wrong-token", "--debug", "ops")
    assert result.code == 1
    assert "401" in result.err
    assert "wrong-token" not in result.out + result.err
