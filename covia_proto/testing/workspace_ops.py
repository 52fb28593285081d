"""The simulated venue's other lattice operations — ``v/ops/covia/list``, ``slice``,
``append``, ``copy``, ``delete`` and ``inspect`` — answering as the real venue 0.1 does
(see ``covia_proto.flows.workspace`` for the shapes observed there).

Differences kept on purpose: the top of a caller's namespace holds only what was
written (the real venue also shows its job records under ``j``); ``t/…`` (a job's
temporary values) is accepted and forgotten; ``inspect`` renders JSON5 roughly as the
venue's printer does; and ``delete`` refuses the venue's own ``v/…`` paths, which the
real venue 0.1 lets any caller delete (a bug, see the README).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final

from covia_proto.testing.job_table import Job
from covia_proto.testing.lattice_ops import (
    LatticeRuntime,
    _granted,
    _JobOperation,
    _split,
    writable_place,
)

__all__ = ["Append", "Copy", "Delete", "Inspect", "List", "Slice"]

_IDENTIFIER: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _input(job: Job) -> Mapping[str, Any]:
    return job.run_input if isinstance(job.run_input, Mapping) else {}


def _type_name(value: Any) -> str:
    if value is None:
        return "Nil"
    if isinstance(value, bool):
        return "Boolean"
    for kind, name in ((dict, "Map"), (list, "Vector"), (str, "String"), (int, "Integer")):
        if isinstance(value, kind):
            return name
    return "Double"


def _walk(root: Any, keys: list[str]) -> tuple[bool, Any]:
    node = root
    for key in keys:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return False, None
    return True, node


def _readable(rt: LatticeRuntime, job: Job, path: Any) -> tuple[bool, Any]:
    owner, keys = _split(job.caller, path)
    if owner != job.caller and not _granted(rt, job, owner + "/" + "/".join(keys)):
        raise ValueError("Access denied")
    return _walk(rt.namespace(owner), keys)


def _own(rt: LatticeRuntime, job: Job, path: Any) -> tuple[bool, Any]:
    """For ``copy`` and ``inspect``: the real venue finds nothing at another identity's
    path, with or without a grant (observed), where ``read`` says ``Access denied``."""
    owner, keys = _split(job.caller, path)
    return _walk(rt.namespace(owner), keys) if owner == job.caller else (False, None)


def _window(value: Mapping[str, Any], items: list[Any]) -> tuple[int, list[Any]]:
    offset = value.get("offset")
    limit = value.get("limit")
    start = offset if isinstance(offset, int) and offset > 0 else 0
    end = start + limit if isinstance(limit, int) and limit >= 0 else len(items)
    return start, items[start:end]


def json5(value: Any) -> str:
    """A compact JSON5 rendering: bare keys where they are identifiers."""
    if isinstance(value, dict):
        parts = (
            f"{key if _IDENTIFIER.match(key) else json.dumps(key)}: {json5(item)}"
            for key, item in value.items()
        )
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(json5(item) for item in value) + "]"
    return json.dumps(value)


class List(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        value = _input(job)
        path = value.get("path")
        found = rt.namespace(job.caller) if path is None else _readable(rt, job, path)[1]
        if found is None:  # a null is no value to the venue: nothing is there
            return {"type": "Nil", "exists": False}
        answer: dict[str, Any] = {"type": _type_name(found), "exists": True}
        if isinstance(found, dict):
            answer["keys"] = _window(value, sorted(found))[1]
        if isinstance(found, dict | list | str):
            answer["count"] = len(found)
        return answer


class Slice(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        value = _input(job)
        exists, found = _readable(rt, job, value.get("path"))
        if not exists:
            return {"exists": False}
        if isinstance(found, dict):
            items = [{"key": key, "value": item} for key, item in sorted(found.items())]
        elif isinstance(found, list):
            items = list(found)
        else:
            raise ValueError(
                "covia:slice requires a collection (vector, map, or set), got: " + _type_name(found)
            )
        start, window = _window(value, items)
        return {
            "type": _type_name(found),
            "count": len(items),
            "values": window,
            "offset": start,
            "exists": True,
        }


class Append(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        value = _input(job)
        target = writable_place(rt, job, value.get("path"))
        if target is not None:
            place, key = target
            current = place.get(key)
            if current is None:
                place[key] = [value.get("value")]
            elif isinstance(current, list):
                current.append(value.get("value"))
            else:
                raise ValueError(
                    f"Cannot append to non-vector value of type: {_type_name(current)}"
                )
        return {"appended": True}


class Copy(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        value = _input(job)
        source = value.get("from")
        exists, found = _own(rt, job, source)
        if not exists:
            raise ValueError(f"source not found: {source}")
        target = writable_place(rt, job, value.get("to"))
        if target is not None:
            place, key = target
            place[key] = json.loads(json.dumps(found))  # a copy, not a shared value
        return {"copied": True}


class Delete(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        target = writable_place(rt, job, _input(job).get("path"))
        if target is not None:
            place, key = target
            place.pop(key, None)
        return {"deleted": True}


class Inspect(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        paths = _input(job).get("paths")
        wanted = paths if isinstance(paths, list) else [paths]
        rendered: dict[str, str] = {}
        for path in wanted:
            exists, found = _own(rt, job, path)
            rendered[str(path)] = json5(found) if exists else f"null /* not found: {path} */"
        if isinstance(paths, list):
            return {"result": rendered}
        return {"result": rendered[str(paths)]}
