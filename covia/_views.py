"""Read-only views shared by the sync and async shells: what a job or an asset is,
apart from how it talks to the venue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from covia_proto.converter import structure
from covia_proto.errors import CoviaUsageError
from covia_proto.models import AssetDocument, AssetMetadata, ContentInfo, JobRecord
from covia_proto.status import JobStatus

__all__ = ["AssetView", "JobView", "asset_metadata"]


class JobView:
    """A job as last seen: its record, and the questions one asks of it."""

    _record: JobRecord

    @property
    def id(self) -> str:
        """The job id, as lower-case bare hex."""
        return self._record.id

    @property
    def data(self) -> JobRecord:
        """The whole record as the venue last reported it."""
        return self._record

    @property
    def status(self) -> JobStatus:
        return self._record.status

    @property
    def is_finished(self) -> bool:
        """COMPLETE, FAILED, CANCELLED, REJECTED or TIMEOUT."""
        return self._record.status.is_terminal

    @property
    def is_complete(self) -> bool:
        return self._record.status == JobStatus.COMPLETE

    @property
    def needs_input(self) -> bool:
        """PAUSED, INPUT_REQUIRED or AUTH_REQUIRED: waiting for the caller."""
        return self._record.status.is_interactive

    @property
    def output(self) -> Any:
        return self._record.output

    @property
    def error(self) -> str | None:
        return self._record.error

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.status.value}>"


def asset_metadata(
    metadata: Mapping[str, Any] | AssetDocument,
) -> tuple[dict[str, Any], AssetMetadata]:
    """Metadata given by the caller (a mapping) or read from the venue, with its model."""
    if isinstance(metadata, AssetDocument):
        return dict(metadata.data), metadata.metadata
    if not isinstance(metadata, Mapping):
        raise CoviaUsageError(f"asset metadata must be a mapping, not {type(metadata).__name__}")
    # Every field of the model is lenient: any mapping gives a model, nothing is refused.
    document = dict(metadata)
    return document, structure(document, AssetMetadata)


class AssetView:
    """An asset's metadata: ``metadata`` is the document as a dict, the properties read
    the fields the venue gives meaning to."""

    _id: str | None
    _metadata: dict[str, Any]
    _model: AssetMetadata

    @property
    def id(self) -> str:
        """The id the venue gave this asset (lower-case hex); an asset that was never
        registered has none, and asking for it is a ``CoviaUsageError``."""
        if self._id is None:
            raise CoviaUsageError("this asset has no id: register it with a venue first")
        return self._id

    @property
    def is_registered(self) -> bool:
        return self._id is not None

    @property
    def metadata(self) -> dict[str, Any]:
        return self._metadata

    @property
    def name(self) -> str | None:
        return self._model.name

    @property
    def description(self) -> str | None:
        return self._model.description

    @property
    def content(self) -> ContentInfo | None:
        """The ``content`` object of an artifact (``sha256``, ``content_type``, …)."""
        return self._model.content

    @property
    def content_type(self) -> str | None:
        return self._model.content.content_type if self._model.content else None

    @property
    def is_operation(self) -> bool:
        return self._model.is_operation

    @property
    def is_artifact(self) -> bool:
        return self._model.is_artifact

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"<{type(self).__name__} {self._id or '(unregistered)'}{label}>"
