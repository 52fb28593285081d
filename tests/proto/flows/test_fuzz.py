"""Every flow, answered with arbitrary responses at every effect, ends with a result or
a ``CoviaError``: nothing else may escape, and no flow runs without end."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covia_proto.endpoints.endpoint import Endpoint
from covia_proto.errors import CoviaConnectionError, CoviaError, CoviaTimeoutError
from covia_proto.flows.assets import download_content, register_asset, upload_content
from covia_proto.flows.context import VenueContext
from covia_proto.flows.did_resolution import fetch_venue_did, locate_did_web
from covia_proto.flows.drive import iterate
from covia_proto.flows.effects import (
    CloseStream,
    Effect,
    Flow,
    GetTime,
    OpenedStream,
    OpenStream,
    ReadChunk,
    Send,
    Sleep,
)
from covia_proto.flows.events import follow_job, wait_for_job
from covia_proto.flows.job_control import cancel_job
from covia_proto.flows.paging import list_all_assets, list_all_jobs
from covia_proto.flows.run import run
from covia_proto.http import Response, ResponseHead
from covia_proto.limits import Limits
from tests.proto.endpoints.fuzz import bodies, headers, json_values, statuses

JOB = "0a" * 16
ASSET = "7a" * 32
STATUSES = ["PENDING", "STARTED", "COMPLETE", "FAILED", "PAUSED", "INPUT_REQUIRED", "WEIRD"]


def plausible_job() -> st.SearchStrategy[bytes]:
    record = st.fixed_dictionaries(
        {
            "id": st.sampled_from(["0x" + JOB, JOB.upper(), "ff" * 16, 5]),
            "status": st.sampled_from(STATUSES),
        },
        optional={"output": json_values, "error": st.text(max_size=5), "updated": st.integers()},
    )
    return record.map(lambda r: json.dumps(r).encode())


def sse_chunks() -> st.SearchStrategy[list[bytes]]:
    event = plausible_job().map(lambda data: b"event: job-update\ndata: " + data + b"\n\n")
    stream = st.lists(event | st.binary(max_size=40), max_size=4).map(b"".join)
    return stream.flatmap(
        lambda raw: st.lists(st.integers(0, max(len(raw), 1)), max_size=3).map(
            lambda cuts: [
                raw[a:b]
                for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), len(raw)], strict=True)
                if raw[a:b]
            ]
        )
    )


class Exhausted(Exception):
    """The test's own bound on a flow's effects (not the flow's failure)."""


class FuzzDriver:
    def __init__(self, data: st.DataObject, budget: int = 25) -> None:
        self.data = data
        self.budget = budget
        self.clock = 0.0
        self.streams: dict[int, list[bytes | CoviaError]] = {}

    def _spend(self) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise Exhausted

    def _response(self) -> Response:
        # Half the answers are plausible successes, so flows get past their first step.
        if self.data.draw(st.booleans()):
            return Response(200, (), self.data.draw(plausible_job()))
        body = self.data.draw(bodies | plausible_job())
        return Response(self.data.draw(statuses), self.data.draw(headers), body)

    def perform(self, effect: Effect) -> Any:
        self.clock += 0.001
        if isinstance(effect, Send):
            self._spend()
            if self.data.draw(st.integers(0, 9)) == 0:
                raise self.data.draw(
                    st.sampled_from(
                        [
                            CoviaConnectionError("reset", sent=True),
                            CoviaConnectionError("refused", sent=False),
                            CoviaTimeoutError("slow"),
                        ]
                    )
                )
            return self._response()
        if isinstance(effect, OpenStream):
            self._spend()
            if self.data.draw(st.integers(0, 3)):  # mostly a real event stream
                head = ResponseHead(200, (("Content-Type", "text/event-stream"),))
            else:
                head = ResponseHead(self.data.draw(statuses), self.data.draw(headers))
            chunks: list[bytes | CoviaError] = list(
                self.data.draw(
                    sse_chunks()
                    if self.data.draw(st.integers(0, 3))
                    else st.lists(bodies, max_size=3)
                )
            )
            if self.data.draw(st.integers(0, 3)) == 0:
                chunks.append(CoviaConnectionError("broke mid-stream"))
            handle = object()
            self.streams[id(handle)] = chunks
            return OpenedStream(head, handle)
        if isinstance(effect, ReadChunk):
            self._spend()
            chunks = self.streams.get(id(effect.handle), [])
            if not chunks:
                return b""
            chunk = chunks.pop(0)
            if isinstance(chunk, CoviaError):
                raise chunk
            return chunk
        if isinstance(effect, CloseStream):
            return None
        if isinstance(effect, Sleep):
            assert effect.seconds >= 0
            self.clock += effect.seconds
            return None
        if isinstance(effect, GetTime):
            return self.clock
        raise AssertionError(effect)


ENDPOINT = Endpoint("https://venue.example.com")


def context() -> VenueContext:
    return VenueContext(ENDPOINT)


FLOWS: dict[str, Callable[[VenueContext], Flow[Any]]] = {
    "wait_for_job": lambda c: wait_for_job(c, JOB, timeout=5),
    "wait_for_job_forever": lambda c: wait_for_job(c, JOB),
    "follow_job": lambda c: follow_job(c, JOB),
    "run": lambda c: run(c, "v/test/ops/echo", {"x": 1}, timeout=30),
    "run_without_timeout": lambda c: run(c, "v/test/ops/echo"),
    "list_all_assets": lambda c: list_all_assets(c, page_size=2),
    "list_all_jobs": lambda c: list_all_jobs(c, page_size=2),
    "register_asset": lambda c: register_asset(c, {"name": "x"}),
    "download_content": lambda c: download_content(c, ASSET),
    "upload_content": lambda c: upload_content(c, ASSET, b"data"),
    "cancel_job": lambda c: cancel_job(c, JOB),
    "locate_did_web": lambda c: locate_did_web(c, "did:web:venue.example.com"),
    "fetch_venue_did": fetch_venue_did,
}


@pytest.mark.parametrize("name", sorted(FLOWS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_flow_survives_arbitrary_answers(name: str, data: st.DataObject):
    driver = FuzzDriver(data)
    try:
        for _ in iterate(FLOWS[name](context()), driver.perform):
            pass
    except (CoviaError, Exhausted):
        pass


TIGHT = Limits(max_body_size=64, max_event_line=24, max_event_size=24, max_json_depth=2)


@pytest.mark.parametrize("name", sorted(FLOWS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_flow_survives_arbitrary_answers_under_tight_limits(name: str, data: st.DataObject):
    # Small limits turn many answers into limit errors mid-flow: still only CoviaErrors,
    # and every whole response asked for is bounded by the context's limit.
    driver = FuzzDriver(data)
    sent: list[Send] = []

    def perform(effect: Effect) -> Any:
        if isinstance(effect, Send):
            sent.append(effect)
        return driver.perform(effect)

    try:
        for _ in iterate(FLOWS[name](VenueContext(ENDPOINT, limits=TIGHT)), perform):
            pass
    except (CoviaError, Exhausted):
        pass
    assert all(effect.max_body == TIGHT.max_body_size for effect in sent)
