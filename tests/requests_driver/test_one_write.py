"""covia_requests.one_write: a small request's head and body go out in one write, on
the SDK's own connections, and nothing else changes."""

from __future__ import annotations

from typing import Any

import pytest

from covia_requests.one_write import MAX_BODY, OneWrite


class RecordingSocket:
    """Stands for a connected socket: keeps every write."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.writes: list[bytes] = []
        self.fail_on = fail_on

    def sendall(self, data: bytes) -> None:
        if self.fail_on is not None and len(self.writes) == self.fail_on:
            self.fail_on = None
            raise OSError("connection reset by peer")
        self.writes.append(bytes(data))

    def settimeout(self, seconds: float | None) -> None:
        pass

    def close(self) -> None:
        pass


def connected(sock: RecordingSocket | None = None) -> tuple[OneWrite, RecordingSocket]:
    connection = OneWrite("venue.test", 80)
    recorder = sock or RecordingSocket()
    connection.sock = recorder
    return connection, recorder


def request(connection: OneWrite, body: Any) -> None:
    connection.request("POST", "/api/v1/invoke", body=body, headers={"X-Test": "1"})


def test_a_small_body_goes_out_with_its_head() -> None:
    connection, sock = connected()
    request(connection, b'{"operation":"echo"}')
    [write] = sock.writes
    head, _, body = write.partition(b"\r\n\r\n")
    assert head.startswith(b"POST /api/v1/invoke HTTP/1.1\r\n")
    assert b"Content-Length: 20" in head
    assert body == b'{"operation":"echo"}'
    assert not connection._holding


@pytest.mark.parametrize(
    "body",
    [None, b"", b"x" * (MAX_BODY + 1), [b"chunk", b"s"], bytearray(b"not bytes")],
    ids=["none", "empty", "large", "iterable", "bytearray"],
)
def test_other_bodies_are_written_as_urllib3_writes_them(body: Any) -> None:
    connection, sock = connected()
    plain = OneWrite.__mro__[1]("venue.test", 80)
    plain_sock = RecordingSocket()
    plain.sock = plain_sock
    request(connection, body)
    request(plain, body)
    assert sock.writes == plain_sock.writes


def test_a_connection_not_yet_open_is_never_held(monkeypatch: pytest.MonkeyPatch) -> None:
    # Connecting (and, through a proxy, tunnelling) happens inside the first request.
    connection = OneWrite("venue.test", 80)
    sock = RecordingSocket()

    def connect() -> None:
        connection.sock = sock

    monkeypatch.setattr(connection, "connect", connect)
    request(connection, b"abc")
    assert len(sock.writes) == 2
    assert sock.writes[1] == b"abc"


def test_a_failed_write_leaves_nothing_held_for_the_next_request() -> None:
    connection, sock = connected(RecordingSocket(fail_on=0))
    with pytest.raises(OSError, match="reset"):
        request(connection, b"first")
    assert sock.writes == []
    fresh, other = connected()
    request(fresh, b"second")
    assert [w.endswith(b"\r\n\r\nsecond") for w in other.writes] == [True]
    assert connection._held is None
    assert not connection._holding
