"""Prototypes of driver changes the benchmarks suggest, measured next to the drivers as
they are (rows marked "proposed"). They live here, as subclasses, so the drivers stay
untouched until their owners take the change; each keeps the driver's behaviour and
error translation and changes only what costs time.

* ``LeanRequestsDriver``: ``requests.Session.request`` re-merges environment settings
  (proxy and ``.netrc`` look-ups), prepares the request against the cookie jar and
  hooks, and resolves redirects on every call. For the requests the core builds (an
  absolute, already percent-encoded URL, bytes or no body, no cookies, redirects never
  followed) all of that can be done once: the environment is read when the driver is
  made, and each call prepares its request by hand and hands it to the session's
  ``HTTPAdapter``. Streamed uploads, and sessions with cookies, auth, hooks or proxies
  of their own, keep the full path.
* ``LeanAiohttpDriver``: the driver's own session is made with ``trust_env=True``, so
  aiohttp runs two look-ups in the default thread pool for every request (``.netrc``
  and the proxy environment): two thread hand-offs per call. The prototype makes the
  session with ``trust_env=False`` (a patch would also resolve the environment's proxy
  once per origin and pass it as ``proxy=``; this machine sets none).
"""

from __future__ import annotations

import os
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

from covia_proto.http import Request
from covia_requests import driver as requests_driver

__all__ = ["LeanRequestsDriver", "lean_aiohttp_driver"]


class LeanRequestsDriver(requests_driver.RequestsDriver):
    def __init__(self, session: requests.Session | None = None, **options: Any) -> None:
        super().__init__(session, **options)
        self._proxies: dict[str, dict[str, str]] = {}
        given = getattr(self, "verify", None)  # the driver's own setting, if it has one
        verify = given if given is not None else self.session.verify
        if verify is True and self.session.trust_env:
            # What merge_environment_settings would find on every call.
            verify = (
                os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
            )
        self._verify: bool | str = True if verify is None else verify

    def _plain(self) -> bool:
        session = self.session
        return not (
            session.proxies
            or session.auth
            or len(session.cookies)
            or any(session.hooks.values())
            or session.params
        )

    def _proxies_for(self, url: str) -> dict[str, str]:
        origin = url.split("/", 3)[:3]
        key = "/".join(origin)
        found = self._proxies.get(key)
        if found is None:
            found = (
                requests.utils.get_environ_proxies(url, no_proxy=None)
                if self.session.trust_env
                else {}
            )
            self._proxies[key] = found
        return found

    def _exchange(
        self, request: Request, limit: float | None, body: Any, *, stream: bool
    ) -> requests.Response:
        if not (body is None or isinstance(body, bytes)) or not self._plain():
            return super()._exchange(request, limit, body, stream=stream)
        session = self.session
        prepared = requests.PreparedRequest()
        prepared.method = request.method
        prepared.url = request.url  # absolute and percent-encoded by the core already
        headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        for name, value in session.headers.items():
            headers[name] = value if isinstance(value, str) else value.decode("latin-1")
        headers.update(request.headers)
        if body is not None:
            headers["Content-Length"] = str(len(body))
        elif request.method not in ("GET", "HEAD"):
            headers["Content-Length"] = "0"
        prepared.headers = headers
        prepared.body = body
        prepared.hooks = {"response": []}
        try:
            adapter = session.get_adapter(request.url)
            return adapter.send(
                prepared,
                stream=stream,
                timeout=self._timeout(limit),
                verify=self._verify,
                cert=session.cert,
                proxies=self._proxies_for(request.url),
            )
        except requests.RequestException as exc:
            raise requests_driver._translate(exc, request.info) from exc


def lean_aiohttp_driver() -> Any:
    """An ``AiohttpDriver`` whose own session does not look at the environment per call."""
    import aiohttp
    import yarl

    from covia_aiohttp import driver as aiohttp_driver

    class LeanAiohttpDriver(aiohttp_driver.AiohttpDriver):
        _lean_session: aiohttp.ClientSession | None = None
        _fixed_timeout: aiohttp.ClientTimeout | None = None
        _urls: dict[str, yarl.URL]

        @property
        def session(self) -> aiohttp.ClientSession:
            if self._lean_session is None:
                connector = aiohttp.TCPConnector(limit=self.limit, limit_per_host=0)
                self._lean_session = aiohttp.ClientSession(connector=connector, trust_env=False)
                self._lean_session._retry_connection = False
                self._session = self._lean_session
            return self._lean_session

        async def _request(
            self, request: Request, limit: float | None, data: Any, *, whole: bool
        ) -> aiohttp.ClientResponse:
            # The common case (a whole exchange, no deadline of the flow's own) with
            # what does not change made once: the timeout object and the parsed URL.
            if not whole or limit is not None:
                return await super()._request(request, limit, data, whole=whole)
            if self._fixed_timeout is None:
                self._fixed_timeout = aiohttp.ClientTimeout(
                    total=None, sock_connect=self.timeout, sock_read=self.timeout
                )
            url = self._urls.get(request.url)
            if url is None:
                if len(self._urls) > 1024:
                    self._urls.clear()
                url = self._urls[request.url] = yarl.URL(request.url, encoded=True)
            options: dict[str, Any] = {} if self._ssl is None else {"ssl": self._ssl}
            try:
                response = await self.session.request(
                    request.method,
                    url,
                    headers=request.headers,
                    data=data,
                    allow_redirects=False,
                    raise_for_status=False,
                    timeout=self._fixed_timeout,
                    **options,
                )
            except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
                raise aiohttp_driver._translate(exc, request.info) from exc
            self._held.add(response)
            return response

    driver = LeanAiohttpDriver()
    driver._urls = {}
    return driver
