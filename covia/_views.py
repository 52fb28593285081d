"""Read-only views shared by the sync and async shells: what a job or an asset is,
apart from how it talks to the venue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from covia_proto.converter import structure
from covia_proto.errors import CoviaUsageError
from covia_proto.hexid import is_hex_id
from covia_proto.job_status import JobStatus
from covia_proto.models import AssetDocument, AssetMetadata, ContentInfo, JobRecord

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
        """The job's status when last seen (``refresh`` or ``wait`` to update it)."""
        return self._record.status

    @property
    def is_finished(self) -> bool:
        """COMPLETE, FAILED, CANCELLED, REJECTED or TIMEOUT."""
        return self._record.status.is_terminal

    @property
    def is_complete(self) -> bool:
        """COMPLETE: finished with an output."""
        return self._record.status == JobStatus.COMPLETE

    @property
    def waiting_for_caller(self) -> bool:
        """PAUSED, INPUT_REQUIRED or AUTH_REQUIRED: nothing happens until the caller
        resumes it, messages it or authenticates."""
        return self._record.status.is_interactive

    @property
    def is_paused(self) -> bool:
        """The official SDK's name for ``waiting_for_caller``: PAUSED, INPUT_REQUIRED or
        AUTH_REQUIRED (``status == JobStatus.PAUSED`` asks for PAUSED alone)."""
        return self._record.status.is_interactive

    @property
    def needs_input(self) -> bool:
        """INPUT_REQUIRED only: the job asks for a message (``send_message``). A PAUSED
        job wants ``resume()``, an AUTH_REQUIRED one credentials (``needs_auth``)."""
        return self._record.status == JobStatus.INPUT_REQUIRED

    @property
    def needs_auth(self) -> bool:
        """AUTH_REQUIRED only: the job waits for the caller to authenticate."""
        return self._record.status == JobStatus.AUTH_REQUIRED

    @property
    def output(self) -> Any:
        """The job's output (None until it completes)."""
        return self._record.output

    @property
    def error(self) -> str | None:
        """Why the job failed, as the venue says (None unless it did)."""
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
    _raw: str | None = None

    @property
    def id(self) -> str:
        """The id the venue gave this asset (lower-case hex); an asset that was never
        registered has none, and asking for it is a ``CoviaUsageError``."""
        if self._id is None:
            raise CoviaUsageError("this asset has no id: register it with a venue first")
        return self._id

    @property
    def is_registered(self) -> bool:
        """Whether the asset has an id on a venue (read from one, or registered)."""
        return self._id is not None

    @property
    def metadata(self) -> dict[str, Any]:
        """The whole metadata document, as a dict."""
        return self._metadata

    @property
    def metadata_raw(self) -> str | None:
        """The metadata exactly as the venue sent it (JSON text); None for an asset
        made here and not read from a venue."""
        return self._raw

    @property
    def name(self) -> str | None:
        """The metadata's ``name`` (None where absent or not a string)."""
        return self._model.name

    @property
    def description(self) -> str | None:
        """The metadata's ``description`` (None where absent or not a string)."""
        return self._model.description

    @property
    def content(self) -> ContentInfo | None:
        """The ``content`` object of an artifact (``sha256``, ``content_type``, …)."""
        return self._model.content

    @property
    def content_type(self) -> str | None:
        """The content's media type, as the metadata declares it."""
        return self._model.content.content_type if self._model.content else None

    @property
    def is_operation(self) -> bool:
        """Whether the metadata describes an operation (it can be invoked)."""
        return self._model.is_operation

    @property
    def is_artifact(self) -> bool:
        """Whether the metadata describes content (an artifact)."""
        return self._model.is_artifact

    def _venue_key(self) -> str | None:
        venue = getattr(self, "_venue", None)
        return None if venue is None else str(venue.base_url)

    def _identity(self) -> tuple[str | None, str] | None:
        # A hash names the same metadata on every venue; any other reference (a
        # lattice path such as w/data) means something only on its own venue.
        if self._id is None:
            return None
        return (None if is_hex_id(self._id) else self._venue_key(), self._id)

    def __eq__(self, other: object) -> bool:
        """Registered assets are equal when they have the same id (content-addressed:
        the same metadata), whatever venue or read they came from; an id that is not a
        hash is compared with its venue. An unregistered asset equals only itself."""
        if not isinstance(other, AssetView):
            return NotImplemented
        mine = self._identity()
        return self is other if mine is None else mine == other._identity()

    def __hash__(self) -> int:
        mine = self._identity()
        return id(self) if mine is None else hash(mine)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"<{type(self).__name__} {self._id or '(unregistered)'}{label}>"
