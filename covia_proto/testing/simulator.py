"""A sans-IO Covia venue: answers request values with reply values against a given
clock, following venue-api.md §11 for venue 0.1.x (profile ``"0.1"``), with the §3.14
features of newer venues behind ``profile="latest"`` and the intended §3.6 job event
stream behind ``sse=True`` (neither matches venue 0.1.x; both are opt-in).

No sockets, no event loop, no sleeping, no reading of the real clock: time is whatever
``clock()`` says, work that is due later runs in ``advance()`` (also at the start of
every ``handle()``), and every random choice comes from the seed. The JSON is written
from the contract, never with the SDK's own models, so the SDK is tested against an
independent implementation.

This module is the request plumbing (routing, authentication, rate limit, faults);
``venue`` holds the state, ``asset_routes``, ``job_routes`` and ``latest`` the handlers.

The default profile is held to the real venue (covia develop ``87d1b66``) by the
parity tests (``tests/parity``): the same raw requests, the same status codes, content
types, error texts, JSON shapes and job records. Its installed catalogue is the real
venue's, captured (``catalog``). Where it knowingly differs from the venue:

* EdDSA JWTs are verified as the venue does (``testing.identity``); ``tokens`` also
  maps opaque bearer tokens to caller DIDs, for tests that need no key. Any other bearer
  token is "invalid" (downgraded to the public identity on a public venue);
* operation references resolve locally only: catalog paths, hex ids, ``/a/<hex>``,
  this venue's DID URLs and ``<any DID>/a/<hex>`` of an asset held here; pins, workspace
  paths and other DIDs' mutable paths do not;
* only the ``test`` adapter's echo, random, error, never, delay, pause, chat and llm,
  ``v/ops/auth/whoami``, ``v/ops/secret/set|extract``, ``v/ops/covia/*``,
  ``v/ops/ucan/issue`` (see ``lattice_ops``, ``workspace_ops``), ``v/ops/agent/*``
  (``agent_ops``: scripted models only),
  ``v/ops/asset/pin|list|get`` (``asset_ops``) and a minimal orchestrator run; the
  other catalogued operations are listed but answer ``Adapter not available``;
  ``operation.strict`` input schemas are not checked;
* JSON5 bodies may not hold ``NaN`` or ``Infinity`` (no answer could carry them);
* ``/mcp`` runs tool calls only for the operations above and keeps no event streams;
  ``/a2a`` answers tasks, cancels and messages but no streaming and no task history;
* OAuth, WebDAV, ``/openapi`` and the HTML pages are not simulated (they answer the
  unknown-route 404); the venue's OAuth users are the callers in ``tokens`` whose DID
  is ``<venueDID>:u:<id>`` (for ``/u/{id}/did.json`` and ``stats.users``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from typing import IO, Any, Final, Literal
from urllib.parse import parse_qs, unquote, urlsplit

import attrs

from covia_proto.http import Request, Response
from covia_proto.testing import a2a_routes as a2a
from covia_proto.testing import asset_routes as assets
from covia_proto.testing import job_routes as jobs
from covia_proto.testing import latest
from covia_proto.testing import mcp_routes as mcp
from covia_proto.testing.caller_auth import venue_caller
from covia_proto.testing.faults import FaultPlan, apply_fault
from covia_proto.testing.ratelimit import RateLimit, RateLimiter
from covia_proto.testing.replies import Reply
from covia_proto.testing.venue_did import did_key
from covia_proto.testing.venue_state import Call, Venue
from covia_proto.testing.wire import (
    BARE_JSON_TYPE,
    empty_response,
    json_error,
    parse_hex,
    text_response,
)

__all__ = ["Profile", "VenueSimulator"]

Profile = Literal["0.1", "latest"]

Handler = Callable[[Venue, Call, tuple[str, ...]], Reply]

# Under /api/v1, in the venue's registration order: the first match wins (§2.4).
_API_ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", r"/status", assets.status),
    ("GET", r"/assets", assets.list_assets),
    ("POST", r"/assets", assets.register_asset),
    ("GET", r"/assets/([^/]+)", assets.get_asset),
    ("GET", r"/assets/([^/]+)/content", assets.download),
    ("PUT", r"/assets/([^/]+)/content", assets.upload),
    ("GET", r"/operations", assets.list_operations),
    ("GET", r"/operations/([^/]+)", assets.get_operation),
    ("POST", r"/invoke", jobs.invoke),
    ("GET", r"/jobs", jobs.list_jobs),
    ("GET", r"/jobs/(.+)", jobs.get_job),
    ("POST", r"/jobs/(.+)", jobs.message),
    ("PUT", r"/jobs/(.+)/cancel", jobs.cancel),
    ("PUT", r"/jobs/(.+)/pause", jobs.pause),
    ("PUT", r"/jobs/(.+)/resume", jobs.resume),
    ("PUT", r"/jobs/(.+)/delete", jobs.delete),
    ("GET", r"/secrets", jobs.list_secrets),
    ("PUT", r"/secrets/([^/]+)", jobs.put_secret),
    ("DELETE", r"/secrets/([^/]+)", jobs.delete_secret),
]
# Placed before the job route, so the stream is reachable, as §3.6 intends.
_SSE_ROUTE: tuple[str, str, Handler] = ("GET", r"/jobs/(.+)/sse", jobs.events)
_LATEST_ROUTES: list[tuple[str, str, Handler]] = [
    ("POST", r"/run", jobs.run),
    ("GET", r"/values/([^/]+)", latest.values_route),
    ("GET", r"/agents", latest.agents_route),
    ("GET", r"/agents/([^/]+)", latest.agent_route),
    ("GET", r"/adapters/([^/]+)/operations", latest.adapter_operations_route),
]
_OTHER_ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", r"/\.well-known/did\.json", assets.did_document),
    ("GET", r"/a/([^/]+)/did\.json", assets.asset_did),
    ("GET", r"/u/([^/]+)/did\.json", assets.user_did),
    ("GET", r"/\.well-known/mcp", assets.mcp_discovery),
    ("GET", r"/\.well-known/agent-card\.json", assets.agent_card),
    ("POST", r"/mcp", mcp.mcp_post),
    ("GET", r"/mcp", mcp.mcp_get),
    ("DELETE", r"/mcp", mcp.mcp_delete),
    ("POST", r"/a2a", a2a.a2a_post),
]
# Authentication covers these exact paths besides /api/* (§2A).
_GUARDED: Final = frozenset({"/mcp", "/a2a"})

_PREFLIGHT = (
    ("access-control-allow-headers", "content-type, authorization, x-covia-user"),
    ("access-control-allow-methods", "GET,HEAD,PUT,PATCH,POST,DELETE"),
    ("Access-Control-Expose-Headers", "X-Covia-User"),
    ("Vary", "Origin, Access-Control-Request-Headers"),
)


class VenueSimulator:
    """A simulated venue. See the module docs; venue-api.md is the contract.

    EdDSA JWTs identify their callers as on the real venue; ``tokens`` maps opaque
    bearer tokens to caller DIDs besides;
    ``rate_limit`` (``latest`` profile only) refuses excess API requests with 429.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        profile: Profile = "0.1",
        sse: bool = False,
        seed: int = 0,
        name: str | None = "Covia Test Venue",
        did: str | None = None,
        public: bool = True,
        tokens: Mapping[str, str] | None = None,
        wait_cap: float = 120.0,
        max_content_size: int = 104_857_600,
        faults: FaultPlan | None = None,
        storage_dir: str | None = None,
        rate_limit: RateLimit | None = None,
    ) -> None:
        if profile not in ("0.1", "latest"):
            raise ValueError(f"unknown profile {profile!r}: use '0.1' or 'latest'")
        if rate_limit is not None and profile != "latest":
            raise ValueError("rate limiting (429) is a 'latest' profile feature")
        self._clock = clock
        self.profile: Profile = profile
        self.sse = sse
        self.public = public
        self.faults = faults if faults is not None else FaultPlan()
        self.faults.seed(seed)
        self._limiter = RateLimiter(rate_limit) if rate_limit is not None else None
        self.venue = Venue(
            clock=clock,
            profile=profile,
            seed=seed,
            name=name,
            did=did or did_key(seed),
            wait_cap=wait_cap,
            max_content_size=max_content_size,
            storage_dir=storage_dir,
        )
        self.tokens = self.venue.tokens  # one map: tests may add tokens at any time
        self.tokens.update(tokens or {})
        # The venue's stores, for tests to look into.
        self.jobs = self.venue.jobs
        self.assets = self.venue.assets
        self.content = self.venue.content
        self._routes = self._route_table()

    # -- the carrier's interface ----------------------------------------------------

    def handle(self, request: Request, body: IO[bytes] | None = None) -> Reply:
        """Answer ``request``. ``body``, when given, replaces ``request.body`` and is read
        chunk by chunk (content uploads are never held whole in memory)."""
        self.advance()
        url = urlsplit(request.url)
        path = url.path or "/"
        call = Call(
            request,
            request.method.upper(),
            path,
            parse_qs(url.query, keep_blank_values=True),
            body if body is not None else io.BytesIO(request.body),
        )
        fault = self.faults.pick(call.method, path)
        if fault is None:
            return self._serve(call)
        return apply_fault(fault, lambda: self._serve(call))

    def advance(self) -> None:
        """Run every timer due at ``clock()``."""
        self.venue.advance()

    def next_wake(self) -> float | None:
        """The clock time of the next timer, if any."""
        return self.venue.timers.next_wake()

    def add_listener(self, callback: Callable[[], None]) -> Callable[[], None]:
        """``callback`` runs after every state change; call the result to stop that."""
        listeners = self.venue.listeners
        listeners.append(callback)

        def unsubscribe() -> None:
            if callback in listeners:
                listeners.remove(callback)

        return unsubscribe

    def close(self) -> None:
        """Release stored content (temporary files)."""
        self.content.close()

    # -- test helpers ----------------------------------------------------------------

    @property
    def did(self) -> str:
        return self.venue.did

    @property
    def name(self) -> str | None:
        return self.venue.name

    @property
    def wait_cap(self) -> float:
        return self.venue.wait_cap

    @wait_cap.setter
    def wait_cap(self, seconds: float) -> None:
        self.venue.wait_cap = seconds

    @property
    def max_content_size(self) -> int:
        return self.venue.max_content_size

    @max_content_size.setter
    def max_content_size(self, size: int) -> None:
        self.venue.max_content_size = size

    @property
    def public_caller(self) -> str:
        """The identity every anonymous caller shares (§2A)."""
        return self.venue.public_caller

    def add_asset(self, metadata: Mapping[str, Any], content: bytes | None = None) -> str:
        """Register ``metadata`` (and its content) as if a client had; returns the id.
        Without ``content.sha256`` in the metadata, the content's hash is filled in."""
        return self.venue.add_asset(metadata, content)

    def job(self, job_id: str) -> dict[str, Any]:
        """The current record of a job (any owner), ``0x`` optional."""
        ident = parse_hex(job_id)
        job = self.jobs.get(ident) if ident else None
        if job is None:
            raise KeyError(job_id)
        return job.record()

    def secrets_of(self, caller: str) -> dict[str, str]:
        return dict(self.venue.secrets.get(caller, {}))

    # -- routing ------------------------------------------------------------------

    def _route_table(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        api = list(_API_ROUTES)
        if self.sse:
            api.insert(api.index(("GET", r"/jobs/(.+)", jobs.get_job)), _SSE_ROUTE)
        if self.profile == "latest":
            api += _LATEST_ROUTES
        table = [(m, re.compile("/api/v1" + p), h) for m, p, h in api]
        return table + [(m, re.compile(p), h) for m, p, h in _OTHER_ROUTES]

    def _match(self, method: str, path: str) -> tuple[Handler, tuple[str, ...]] | None:
        # Javalin ignores one trailing slash and decodes path parameters.
        trimmed = path[:-1] if len(path) > 1 and path.endswith("/") else path
        for route_method, pattern, handler in self._routes:
            match = pattern.fullmatch(trimmed)
            if route_method == method and match:
                return handler, tuple(unquote(group) for group in match.groups())
        return None

    def _serve(self, call: Call) -> Reply:
        is_api = call.path.startswith("/api/")
        if is_api or call.path in _GUARDED:
            # Preflights included: a private venue refuses them too (measured).
            caller = self._authenticate(call.request)
            if isinstance(caller, Response):
                return caller
            call = attrs.evolve(call, caller=caller)
        if call.method == "OPTIONS":  # answered on any path, untyped under /api (measured)
            if is_api:
                return empty_response(204, _PREFLIGHT, content_type=None)
            return empty_response(200, content_type=BARE_JSON_TYPE)
        if is_api and self._limiter is not None:
            retry = self._limiter.admit(self._clock())
            if retry is not None:
                return json_error(429, "Rate limit exceeded", [("Retry-After", str(retry))])
        if call.method == "HEAD" and self._match("GET", call.path):
            return empty_response(200)  # Javalin answers HEAD without the handler (§2.3)
        found = self._match(call.method, call.path)
        if found is None:
            return json_error(404, f"Endpoint {call.method} {call.path} not found")
        handler, params = found
        return handler(self.venue, call, params)

    def _authenticate(self, request: Request) -> str | Response:
        """The caller DID (§2A): a verified EdDSA JWT, or a token of ``tokens``."""
        header = request.header("Authorization") or ""
        token = header[len("Bearer ") :].strip() if header.startswith("Bearer ") else ""
        if token and token in self.tokens:
            return self.tokens[token]
        caller = venue_caller(token, self._clock()) if token else None
        if caller is not None:
            return caller
        if self.public:
            return self.public_caller  # a bad token is silently downgraded
        return text_response(
            401, "Invalid or expired token" if token else "Authentication required"
        )
