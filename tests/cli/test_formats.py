"""What the CLI shows of SDK objects."""

from __future__ import annotations

import datetime

from covia.asset import Asset
from covia.cli.formats import asset_json, asset_kind, job_json, model_json, one_line, timestamp
from covia_proto.job_status import JobStatus
from covia_proto.models import JobRecord, VenueStatus


def test_job_json_is_the_venues_record_without_its_history():
    earlier = JobRecord(id="ab" * 16, status=JobStatus.PENDING)
    record = JobRecord(id="ab" * 16, status=JobStatus.COMPLETE, output={"x": 1}, prev=earlier)
    assert job_json(record) == {"id": "ab" * 16, "status": "COMPLETE", "output": {"x": 1}}


def test_model_json_uses_the_wire_names():
    assert model_json(VenueStatus(name="V", did="did:web:v")) == {"name": "V", "did": "did:web:v"}


def test_asset_kinds_and_json():
    op = Asset({"name": "op", "operation": {"adapter": "test:echo"}}, id="01")
    data = Asset({"name": "d", "content": {"sha256": "ab" * 32}}, id="02")
    neither = Asset({"name": "n"}, id="03")
    assert [asset_kind(a) for a in (op, data, neither)] == ["operation", "artifact", "-"]
    assert asset_json(op) == {
        "id": "01",
        "metadata": {"name": "op", "operation": {"adapter": "test:echo"}},
    }


def test_timestamps_are_local_time_to_the_second():
    millis = 1_700_000_000_123
    expected = datetime.datetime.fromtimestamp(1_700_000_000).astimezone()
    assert timestamp(millis) == expected.isoformat(sep=" ")
    assert timestamp(None) == ""


def test_one_line_is_compact_and_cut():
    assert one_line({"a": [1, 2]}) == '{"a": [1, 2]}'
    assert one_line("two\n  lines") == "two lines"
    cut = one_line("x" * 200, limit=10)
    assert cut == "x" * 9 + "…"
