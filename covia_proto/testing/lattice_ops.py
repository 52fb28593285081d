"""The simulated venue's per-user data and capability grants, as far as identity needs
them: ``v/ops/covia/write``, ``v/ops/covia/read`` and ``v/ops/ucan/issue`` (venue
``CoviaAdapter``, ``UCANAdapter``; the real venue's "Quirks observed (identity)").

* Each caller owns a namespace of nested values; a path ``w/notes`` (or the DID URL
  ``<caller DID>/w/notes``) names a place in it.
* Reading another identity's data (``<their DID>/w/…``) needs, among the call's
  ``ucans``, a grant **the venue signed** (``iss`` = the venue's DID, ``aud`` = the
  caller, unexpired) whose ``att`` covers the path with ``crud/read``; anything else is
  ``Access denied``. A 0.1 venue compares resources as bare string prefixes, and so does
  this simulation.
* ``ucan/issue`` signs, with the venue's key, a grant of the caller's own resources to
  another ``did:key``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

from covia_proto.errors import CoviaUsageError, TokenError
from covia_proto.identity.didkey import DID_KEY_PREFIX, public_key_of
from covia_proto.identity.jwt import encode_jwt
from covia_proto.identity.keys import Ed25519Key
from covia_proto.identity.ucan import ability_covers, parse_ucan, verify_ucan
from covia_proto.testing.job_table import Job

__all__ = ["LatticeRuntime", "Read", "UcanIssue", "Write", "verified_proofs", "writable_place"]


class LatticeRuntime(Protocol):
    key: Ed25519Key  # the venue's: its did:key is the issuer of the grants it signs

    def now(self) -> float: ...

    def namespace(self, owner: str) -> dict[str, Any]: ...

    def nonce(self) -> str: ...

    def set_status(
        self, job: Job, status: str, *, output: Any = ..., error: str | None = None
    ) -> bool: ...


def verified_proofs(tokens: list[Any], now: float, venue_did: str) -> tuple[str, ...]:
    """The ``ucans`` of a call that verify (signature, time, chain); the venue drops the
    others without a word (§3.4)."""
    kept = []
    for token in tokens:
        if not isinstance(token, str):
            continue
        try:
            verify_ucan(token, now=now, authorities=[venue_did])
        except (TokenError, CoviaUsageError):
            continue
        kept.append(token)
    return tuple(kept)


def _split(caller: str, path: Any) -> tuple[str, list[str]]:
    """The owner and the keys of ``path`` (``w/a`` or ``did:…/w/a``)."""
    if not isinstance(path, str) or not path.strip("/"):
        raise ValueError("a 'path' string is required")
    owner = caller
    if path.startswith("did:"):
        owner, _, path = path.partition("/")
    return owner, [part for part in path.split("/") if part]


def _granted(rt: LatticeRuntime, job: Job, resource: str) -> bool:
    for token in job.scratch.get("proofs", ()):
        ucan = parse_ucan(token)
        if ucan.issuer != rt.key.did or ucan.audience != job.caller or ucan.expires <= rt.now():
            continue
        for capability in ucan.capabilities:
            if resource.startswith(capability.with_) and ability_covers(
                capability.can, "crud/read"
            ):
                return True
    return False


class _JobOperation:
    one_shot = True

    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        raise NotImplementedError

    def start(self, rt: Any, job: Job) -> None:
        rt.set_status(job, "STARTED")
        try:
            output = self.run(rt, job)
        except (ValueError, CoviaUsageError) as exc:
            rt.set_status(job, "FAILED", error=str(exc))
            return
        rt.set_status(job, "COMPLETE", output=output)

    def message(self, rt: Any, job: Job, message: dict[str, Any]) -> None:
        """Not multi-turn."""

    def cancel(self, rt: Any, job: Job) -> None:
        """Nothing to stop."""


def writable_place(rt: LatticeRuntime, job: Job, path: Any) -> tuple[dict[str, Any], str] | None:
    """The map that holds the last key of ``path``, and that key, made on the way; None
    for ``t/…`` (a job's temporary values, accepted and forgotten here). Refusals are
    the real venue's words."""
    if not isinstance(path, str) or path.strip("/").count("/") < 1:
        raise ValueError("Path must include namespace and key, e.g. 'w/my-key'")
    owner, keys = _split(job.caller, path)
    first = owner if owner != job.caller else keys[0]
    if first == "t":
        return None
    if first == "n":
        raise ValueError("Cannot use 'n/' prefix outside agent scope")
    if first == "v":
        raise ValueError("Write permission denied for namespace: v")
    if first not in ("w", "o"):
        raise ValueError(
            f"Can only write to 'w' (workspace) or 'o' (operations) namespaces, got: {first}"
        )
    place = rt.namespace(owner)
    for key in keys[:-1]:
        nested = place.get(key)
        if not isinstance(nested, dict):
            nested = place[key] = {}
        place = nested
    return place, keys[-1]


class Write(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        value = job.run_input if isinstance(job.run_input, Mapping) else {}
        target = writable_place(rt, job, value.get("path"))
        if target is not None:
            place, key = target
            place[key] = value.get("value")
        return {"written": True}


class Read(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        value = job.run_input if isinstance(job.run_input, Mapping) else {}
        owner, keys = _split(job.caller, value.get("path"))
        if owner != job.caller and not _granted(rt, job, owner + "/" + "/".join(keys)):
            raise ValueError("Access denied")
        found: Any = rt.namespace(owner)
        for key in keys:
            if isinstance(found, list) and key.isdigit() and int(key) < len(found):
                found = found[int(key)]
            elif isinstance(found, dict) and key in found:
                found = found[key]
            else:
                return {"value": None, "exists": False}
        if found is None:  # a written null: its key is listed, yet nothing is there
            return {"value": None, "exists": False}
        max_size = value.get("maxSize")
        if isinstance(max_size, int) and not isinstance(max_size, bool):
            # The venue measures its own encoding; compact JSON is near enough.
            size = len(json.dumps(found, separators=(",", ":")).encode())
            if size > max_size:
                return {"value": None, "size": size, "truncated": True, "exists": True}
        return {"value": found, "exists": True}


class UcanIssue(_JobOperation):
    def run(self, rt: LatticeRuntime, job: Job) -> Any:
        value = job.run_input if isinstance(job.run_input, Mapping) else {}
        audience, att, exp = value.get("aud"), value.get("att"), value.get("exp")
        if not isinstance(audience, str):
            raise ValueError("aud (audience DID) is required")
        if not isinstance(att, list) or not att:
            raise ValueError("att (attenuations) is required and must not be empty")
        if isinstance(exp, bool) or not isinstance(exp, int):
            raise ValueError("exp (expiry unix seconds) is required")
        prefix = job.caller + "/"
        for i, capability in enumerate(att):
            with_ = capability.get("with") if isinstance(capability, Mapping) else None
            if not isinstance(with_, str) or not with_.startswith(prefix):
                raise ValueError(
                    f"att[{i}].with must be a DID URL in your namespace (e.g. {prefix}w/)"
                )
        try:
            public_key_of(audience if audience.startswith(DID_KEY_PREFIX) else "")
        except CoviaUsageError:
            raise ValueError(f"Cannot resolve audience public key from DID: {audience}") from None
        claims = {
            "iss": rt.key.did,
            "aud": audience,
            "exp": exp,
            "nnc": rt.nonce(),
            "att": att,
            "prf": [],
        }
        return {"token": encode_jwt(rt.key, claims)}
