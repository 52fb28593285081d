"""The simulated venue's state, and the ``Runtime`` its operations run against.

Everything the route handlers read or change lives here: the job table, the asset and
content stores, the catalog, secrets, timers. The request plumbing (routing, auth,
faults) lives in ``simulator``; the handlers in ``asset_routes`` and ``job_routes``.
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Callable, Mapping
from typing import IO, Any, Final

import attrs

from covia_proto.http import Request, Response
from covia_proto.testing import catalog as _catalog
from covia_proto.testing import ops as _ops
from covia_proto.testing.asset_store import AssetStore, content_sha256
from covia_proto.testing.content import ContentStore
from covia_proto.testing.job_table import MISSING, Job, JobTable
from covia_proto.testing.json5 import parse_json5
from covia_proto.testing.timers import Timer, Timers
from covia_proto.testing.venue_did import venue_key
from covia_proto.testing.wire import json_error, parse_hex, read_all

__all__ = ["Call", "Venue"]

JSON_BODY_LIMIT: Final = 10_000_000  # invoke, job messages, secrets (§7)


@attrs.frozen
class Call:
    """One request as the handlers see it: path still percent-encoded, query parsed,
    body as a file object, and the caller DID once authenticated."""

    request: Request
    method: str
    path: str
    query: dict[str, list[str]]
    body: IO[bytes]
    caller: str = ""

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def too_large(self) -> Response | None:
        """413 for a JSON body over the venue's limit, judged by Content-Length (§7)."""
        length = self.request.header("Content-Length")
        if length is not None and length.isdigit() and int(length) > JSON_BODY_LIMIT:
            return json_error(413, "Content Too Large")
        return None

    def json(self) -> Any:
        """The body as JSON5, as the venue reads invoke, message and secret bodies
        (§0); raises ``BadJson``."""
        return parse_json5(read_all(self.body))


class _UnknownOp(_ops.Operation):
    """An op the installed adapter does not have: the job fails, as the adapter would."""

    def __init__(self, adapter: str) -> None:
        self._adapter = adapter

    def compute(self, rt: _ops.Runtime, value: Any, caller: str) -> _ops.Outcome:
        return _ops.Failed(f"Unknown operation: {self._adapter}")


class Venue:
    """The venue's state and the ``Runtime`` of its operations. It knows nothing of
    requests beyond ``Call``; every change is announced through ``listeners``."""

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        profile: str,
        seed: int,
        name: str | None,
        did: str,
        wait_cap: float,
        max_content_size: int,
        storage_dir: str | None,
    ) -> None:
        self._clock = clock
        self.profile = profile
        self.name = name
        self.did = did
        self.wait_cap = wait_cap
        self.max_content_size = max_content_size
        self.rng = random.Random(seed)
        self.timers = Timers()
        self.listeners: list[Callable[[], None]] = []
        self.jobs = JobTable(self.now_ms, self.rng, self.changed)
        self.assets = AssetStore()
        self.content = ContentStore(storage_dir)
        self.catalog: dict[str, str] = {}  # catalog path → asset id, in install order
        self.secrets: dict[str, dict[str, str]] = {}
        self.mcp_sessions: set[str] = set()  # ids handed out by MCP initialize
        self.real_ids: dict[str, str] = {}  # our id → the real venue's, for installed assets
        self.users: set[str] = set()  # callers with a user record: they invoked (§3.7)
        # The venue's key pair (it signs the UCANs of v/ops/ucan/issue) and its DID as
        # an issuer; each caller's namespace of values (v/ops/covia/read, write).
        self.key = venue_key(seed)
        self.namespaces: dict[str, dict[str, Any]] = {}
        # Bearer token → caller DID, standing in for JWT checks; the simulator's own map.
        self.tokens: dict[str, str] = {}
        self._seed()

    @property
    def latest(self) -> bool:
        return self.profile == "latest"

    @property
    def oauth_users(self) -> list[str]:
        """User ids of the callers that look like the venue's OAuth users
        (``<venueDID>:u:<id>``), standing in for the venue's user table."""
        prefix = f"{self.did}:u:"
        return sorted({d[len(prefix) :] for d in self.tokens.values() if d.startswith(prefix)})

    @property
    def public_caller(self) -> str:
        """The identity every anonymous caller shares (§2A)."""
        return f"{self.did}:public"

    # -- the Runtime --------------------------------------------------------------

    def now(self) -> float:
        return self._clock()

    def now_ms(self) -> int:
        # Rounded, so a timer due at t + 0.1 s is stamped t + 100 ms despite float error.
        return round(self._clock() * 1000)

    def set_status(
        self, job: Job, status: str, *, output: Any = MISSING, error: str | None = None
    ) -> bool:
        return self.jobs.set_status(job, status, output=output, error=error)

    def schedule(self, when: float, callback: Callable[[], None]) -> Timer:
        return self.timers.schedule(when, callback)

    def resolve_operation(self, ref: str) -> tuple[str, Mapping[str, Any]] | None:
        """An operation reference (§3.4) → asset id and metadata, if it resolves
        locally: catalog path (``/v/…`` too), hex id, ``/a/<hex>``, this venue's DID
        URLs, or ``<any DID>/a/<hex>`` of an asset held here. Pins (``o/…``), workspace
        paths and other DIDs' mutable paths do not resolve here.

        As on the venue (measured), a catalog path resolves whatever its metadata, an
        id only metadata that has an ``operation`` (of any type): data assets do not."""
        if ref.startswith(self.did + "/"):
            ref = ref[len(self.did) :]
        elif ref.startswith("did:") and "/a/" in ref:
            # Content-addressed: a local copy serves whichever DID the URL names.
            ref = "/a/" + ref.partition("/a/")[2]
        if ref.startswith("/v/"):
            ref = ref[1:]
        if ref in self.catalog:
            found = self.assets.get(self.catalog[ref])
            return (found.id, found.metadata) if found else None
        ident = parse_hex(ref.removeprefix("/a/") if ref.startswith("/a/") else ref)
        asset = self.assets.get(ident) if ident and len(ident) == 64 else None
        return (asset.id, asset.metadata) if asset and "operation" in asset.metadata else None

    def namespace(self, owner: str) -> dict[str, Any]:
        return self.namespaces.setdefault(owner, {})

    def nonce(self) -> str:
        return self.rng.randbytes(12).hex()

    def store_secret(self, caller: str, name: str, value: str) -> None:
        self.secrets.setdefault(caller, {})[name] = value
        self.changed()

    # -- change and time ------------------------------------------------------------

    def changed(self) -> None:
        for listener in list(self.listeners):
            listener()

    def advance(self) -> None:
        self.timers.run_due(self._clock())

    # -- jobs ---------------------------------------------------------------------

    def operation(self, job: Job) -> _ops.Operation:
        return self.operation_for(job.adapter) or _UnknownOp(job.adapter)

    def operation_for(self, adapter: str) -> _ops.Operation | None:
        """The installed operation for ``adapter`` (``"test:echo"``), if any."""
        return _ops.adapter_of({"operation": {"adapter": adapter}})

    def start_job(
        self,
        caller: str,
        ident: str,
        metadata: Mapping[str, Any],
        value: Any,
        *,
        private: bool,
        proofs: tuple[str, ...] = (),
    ) -> Job:
        """Create the job (PENDING) and run its operation's start on this request, as
        the venue does: quick operations are finished when this returns (§3.4)."""
        operation = metadata["operation"]
        name = metadata.get("name")
        self.users.add(caller)
        job = self.jobs.create(
            op=ident,
            name=name if isinstance(name, str) else None,
            adapter=operation["adapter"],
            caller=caller,
            shown_input=_hidden(value, operation.get("secretFields")),
            run_input=value,
            private=private,
        )
        job.scratch["proofs"] = proofs
        self.operation(job).start(self, job)
        return job

    # -- assets -------------------------------------------------------------------

    def catalog_entries(self) -> list[tuple[str, Mapping[str, Any]]]:
        entries: list[tuple[str, Mapping[str, Any]]] = []
        for path, ident in self.catalog.items():
            asset = self.assets.get(ident)
            if asset is not None:
                entries.append((path, asset.metadata))
        return entries

    def add_asset(self, metadata: Mapping[str, Any], content: bytes | None = None) -> str:
        meta = dict(metadata)
        if content is not None:
            sha = self.content.put_bytes(content)
            declared = content_sha256(meta)
            if declared is None:
                meta["content"] = {**dict(meta.get("content") or {}), "sha256": sha}
            elif declared != sha:
                raise ValueError("content does not match the metadata's content.sha256")
        ident = self.assets.register(json.dumps(meta))
        self.changed()
        return ident

    def _seed(self) -> None:
        """The venue's installed assets, as captured from the real venue (``catalog``):
        the catalogued operations and agent templates, the orchestration examples, the
        empty asset and the data assets with their content (§8)."""
        installed = _installed()
        self.assets = installed.assets.copy()
        self.catalog.update(installed.catalog)
        self.real_ids.update(installed.real_ids)
        for data in _catalog.load().content:
            self.content.put_bytes(data)


@attrs.frozen
class _Installed:
    assets: AssetStore
    catalog: dict[str, str]  # catalog path → asset id
    real_ids: dict[str, str]  # asset id → the real venue's id


@functools.cache
def _installed() -> _Installed:
    """The installed catalogue registered once per process: every venue starts from a
    copy of it rather than parsing 126 metadata texts again."""
    installed = _catalog.load()
    assets = AssetStore()
    ids = {asset.real_id: assets.register(asset.text) for asset in installed.assets}
    return _Installed(
        assets,
        {path: ids[real_id] for path, real_id in installed.operations},
        {ident: real_id for real_id, ident in ids.items()},
    )


def _hidden(value: Any, secret_fields: Any) -> Any:
    """The input as recorded: the operation's ``secretFields`` replaced by "HIDDEN"."""
    if not isinstance(value, dict) or not isinstance(secret_fields, list):
        return value
    return {k: "HIDDEN" if k in secret_fields else v for k, v in value.items()}
