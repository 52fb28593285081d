"""The benchmark-only sync stacks answer as the SDK's own requests driver does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks.clients import INPUT, OPERATION
from benchmarks.sync_stacks import H11SocketDriver, Urllib3Driver, raw_socket
from covia import Grid
from covia_proto.errors import CoviaUsageError
from covia_proto.flows.effects import Emit
from covia_proto.testing.server import serve_venue


@pytest.fixture(scope="module")
def venue_url() -> Iterator[str]:
    with serve_venue() as running:
        yield running.url


@pytest.mark.parametrize("driver_class", [H11SocketDriver, Urllib3Driver])
def test_the_sdk_on_a_benchmark_driver_gets_what_the_requests_driver_gets(
    venue_url: str, driver_class: type[H11SocketDriver] | type[Urllib3Driver]
) -> None:
    driver = driver_class()
    try:
        with Grid.connect(venue_url) as plain, Grid.connect(venue_url, driver=driver) as other:
            ours, theirs = other.status(), plain.status()
            assert (ours.status, ours.did, ours.name) == (theirs.status, theirs.did, theirs.name)
            for _ in range(3):  # the connection is kept and reused
                assert other.run(OPERATION, INPUT) == plain.run(OPERATION, INPUT) == INPUT
            assert other.invoke(OPERATION, INPUT).result() == INPUT
    finally:
        driver.close()


@pytest.mark.parametrize("driver_class", [H11SocketDriver, Urllib3Driver])
def test_a_benchmark_driver_refuses_effects_it_does_not_carry(
    driver_class: type[H11SocketDriver] | type[Urllib3Driver],
) -> None:
    driver = driver_class()
    with pytest.raises(CoviaUsageError, match="cannot perform"):
        driver.perform(Emit("chunk"))
    driver.close()


def test_the_raw_socket_client_reads_status_and_the_echo_output(venue_url: str) -> None:
    client = raw_socket(venue_url)
    try:
        status = client.status()
        assert isinstance(status, dict)
        assert status["status"] == "OK"
        assert client.invoke_result() == INPUT
        assert client.invoke_result() == INPUT  # the same kept-alive socket
    finally:
        client.close()
