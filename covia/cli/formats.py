"""What the CLI shows of the SDK's objects: JSON for ``--json``, and short strings for
tables. Records are shown as the venue sent them, minus ``prev`` (the whole earlier
record, nested once per transition: history, not state)."""

from __future__ import annotations

import datetime
import json
from typing import Any

from covia.asset import Asset
from covia_proto.converter import unstructure
from covia_proto.models import JobRecord

__all__ = ["asset_json", "asset_kind", "job_json", "model_json", "one_line", "timestamp"]


def model_json(model: Any) -> Any:
    """A model of the venue's JSON, back in the venue's (camelCase) JSON."""
    return unstructure(model)


def job_json(record: JobRecord) -> dict[str, Any]:
    data: dict[str, Any] = unstructure(record)
    data.pop("prev", None)
    return data


def asset_kind(asset: Asset) -> str:
    if asset.is_operation:
        return "operation"
    if asset.is_artifact:
        return "artifact"
    return "-"


def asset_json(asset: Asset) -> dict[str, Any]:
    return {"id": asset.id, "metadata": asset.metadata}


def timestamp(millis: int | None) -> str:
    """A venue timestamp (Unix milliseconds) as local time, to the second."""
    if millis is None:
        return ""
    moment = datetime.datetime.fromtimestamp(millis / 1000).astimezone()
    return moment.isoformat(sep=" ", timespec="seconds")


def one_line(value: Any, limit: int = 80) -> str:
    """A value in compact JSON on one line, cut to ``limit`` characters."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
