"""``covia_proto.flows.pins``: bodies sent to ``v/ops/asset/pin|list|get``, the models
made of the answers, and the answers refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from covia_proto.errors import CoviaUsageError, VenueProtocolError
from covia_proto.flows import pins
from covia_proto.flows.pins import PinList, PinnedAsset, PinSummary, ResolvedAsset
from covia_proto.testing.scripted import ScriptedDriver
from tests.proto.flows.canned import context, job_response

HASH = "ab" * 32
ME = "did:key:z6Mkme"


def _done(output: Any) -> Any:
    return job_response("COMPLETE", http_status=201, output=output)


def _input(driver: ScriptedDriver) -> Any:
    return json.loads(driver.requests[0].body)


def test_a_pin_answers_its_did_url_and_hash():
    answer = {"path": f"{ME}/a/{HASH}", "hash": "0x" + HASH.upper(), "note": 1}
    driver = ScriptedDriver([_done(answer)])
    assert driver.run(pins.pin(context(), "w/doc")) == PinnedAsset(
        f"{ME}/a/{HASH}", HASH, extra={"note": 1}
    )
    assert _input(driver) == {"operation": "v/ops/asset/pin", "input": {"path": "w/doc"}}


@pytest.mark.parametrize(
    "output",
    [
        None,
        {"path": f"{ME}/a/{HASH}"},
        {"path": f"{ME}/a/{HASH}", "hash": "zz"},
        {"path": 3, "hash": HASH},
        {"path": f"{ME}/a/{'cd' * 32}", "hash": HASH},  # a path to another hash
    ],
)
def test_pin_answers_that_break_the_contract(output):
    with pytest.raises(VenueProtocolError):
        ScriptedDriver([_done(output)]).run(pins.pin(context(), "w/doc"))


def test_list_sends_its_filter_and_window_and_reads_the_page():
    item = {"id": HASH, "name": "Doc", "type": None, "description": None}
    answer = {"items": [item, {"id": HASH, "name": {"odd": 1}}], "offset": 0, "limit": 2}
    driver = ScriptedDriver([_done({**answer, "total": 2})])
    page = driver.run(pins.list_pins(context(), type="note", offset=0, limit=2))
    assert page == PinList(
        items=(
            PinSummary(id=HASH, name="Doc"),
            PinSummary(id=HASH, extra={"name": {"odd": 1}}),  # kept, not refused
        ),
        total=2,
        offset=0,
        limit=2,
    )
    assert _input(driver)["input"] == {"type": "note", "offset": 0, "limit": 2}


def test_get_reads_whether_a_map_is_there():
    driver = ScriptedDriver([_done({"id": "w/x", "exists": True, "value": {"a": 1}})])
    assert driver.run(pins.get(context(), "w/x")) == ResolvedAsset(
        id="w/x", exists=True, value={"a": 1}
    )
    assert _input(driver) == {"operation": "v/ops/asset/get", "input": {"id": "w/x"}}


@pytest.mark.parametrize(
    "flow",
    [
        lambda c: pins.pin(c, ""),
        lambda c: pins.pin(c, None),  # type: ignore[arg-type]
        lambda c: pins.get(c, "/"),
        lambda c: pins.list_pins(c, type=3),  # type: ignore[arg-type]
        lambda c: pins.list_pins(c, offset=-1),
        lambda c: pins.list_pins(c, limit=1001),
        lambda c: pins.list_pins(c, limit=True),
    ],
)
def test_bad_arguments_send_nothing(flow):
    driver = ScriptedDriver([])
    with pytest.raises(CoviaUsageError):
        driver.run(flow(context()))
    assert driver.requests == []
