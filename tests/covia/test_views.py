"""``covia._views``: what a job or an asset is, apart from how it talks to a venue."""

from __future__ import annotations

import pytest

from covia._views import AssetView, JobView, asset_metadata
from covia_proto.errors import CoviaUsageError
from covia_proto.job_status import JobStatus
from covia_proto.models import AssetMetadata, JobRecord


class _Job(JobView):
    def __init__(self, record: JobRecord) -> None:
        self._record = record


class _Asset(AssetView):
    def __init__(self, metadata: dict[str, object], asset_id: str | None = None) -> None:
        self._metadata, self._model = asset_metadata(metadata)
        self._id = asset_id


TERMINAL = {"COMPLETE", "FAILED", "CANCELLED", "REJECTED", "TIMEOUT"}
INTERACTIVE = {"PAUSED", "INPUT_REQUIRED", "AUTH_REQUIRED"}


@pytest.mark.parametrize("status", list(JobStatus))
def test_job_questions_follow_the_status(status: JobStatus) -> None:
    job = _Job(JobRecord(id="ab" * 16, status=status, output=1, error="e"))
    assert job.status is status
    assert job.is_finished == (status.value in TERMINAL)
    assert job.is_complete == (status is JobStatus.COMPLETE)
    # As in the official SDK: needs_input and needs_auth exclude each other, is_paused
    # (our waiting_for_caller) covers both and PAUSED.
    assert job.waiting_for_caller == (status.value in INTERACTIVE)
    assert job.is_paused == (status.value in INTERACTIVE)
    assert job.needs_input == (status is JobStatus.INPUT_REQUIRED)
    assert job.needs_auth == (status is JobStatus.AUTH_REQUIRED)
    assert repr(job) == f"<_Job {'ab' * 16} {status.value}>"


def test_job_fields() -> None:
    record = JobRecord(id="cd" * 16, status=JobStatus.FAILED, output={"o": 1}, error="boom")
    job = _Job(record)
    assert (job.id, job.output, job.error) == ("cd" * 16, {"o": 1}, "boom")
    assert job.data is record


def test_asset_metadata_from_a_mapping_is_copied() -> None:
    given = {"name": "n", "content": {"contentType": "text/plain"}}
    data, model = asset_metadata(given)
    assert data == given
    assert data is not given
    assert isinstance(model, AssetMetadata)
    assert model.name == "n"


@pytest.mark.parametrize("bad", [["x"], "text", 3, None])
def test_asset_metadata_must_be_a_mapping(bad) -> None:
    with pytest.raises(CoviaUsageError, match="mapping"):
        asset_metadata(bad)


def test_metadata_of_unexpected_shape_is_modelled_not_refused() -> None:
    document, model = asset_metadata({"content": ["not", "an", "object"], "name": 1})
    assert document == {"content": ["not", "an", "object"], "name": 1}
    assert (model.content, model.name) == (None, None)
    assert model.extra == document


def test_asset_view_properties() -> None:
    artifact = _Asset(
        {
            "name": "n",
            "description": "d",
            "content": {"contentType": "text/csv", "sha256": "00" * 32},
        },
        "ef" * 32,
    )
    assert artifact.id == "ef" * 32
    assert artifact.is_registered
    assert (artifact.name, artifact.description, artifact.content_type) == ("n", "d", "text/csv")
    assert artifact.content is not None
    assert artifact.content.sha256 == "00" * 32
    assert artifact.is_artifact
    assert not artifact.is_operation
    assert repr(artifact) == f"<_Asset {'ef' * 32} 'n'>"
    operation = _Asset({"operation": {"adapter": "test:echo"}})
    assert operation.is_operation
    assert not operation.is_artifact
    assert operation.content_type is None
    with pytest.raises(CoviaUsageError):
        _ = operation.id
    assert repr(operation) == "<_Asset (unregistered)>"
