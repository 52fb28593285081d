"""Which venue a command talks to, and with what credentials.

``--venue URL|DID`` wins, then ``COVIA_VENUE``; with neither, the command starts a fresh
local venue in-process (a simulator on loopback, gone when the command ends) and says
so on stderr. ``--token`` wins over ``COVIA_TOKEN``; either becomes bearer auth. The
token is only ever handed to ``BearerAuth``, whose ``repr`` hides it. ``--key FILE``
(else ``COVIA_KEY``) names an Ed25519 key file: the command then signs as that key's
``did:key`` (``Ed25519Auth``), which is what a venue verifies; a key wins over a token.
With neither, the key ``covia key new`` left in the user's config directory is used.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from covia.auth import Auth, BearerAuth, Ed25519Auth
from covia.cli.errors import CliError
from covia.cli.render import Output
from covia.grid import Grid
from covia.keyfile import default_key_path
from covia.venue import Venue

__all__ = ["VenueOptions", "connect", "local_venue"]

DEFAULT_TIMEOUT = 30.0


@attrs.frozen
class VenueOptions:
    """Where to connect (None: a local venue), the bearer token and the key file, if any."""

    address: str | None
    token: str | None = attrs.field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    key: str | None = None

    def auth(self) -> Auth | None:
        """The credentials these options give: the key's identity, else the token, else
        the key in the user's config directory if ``covia key new`` made one."""
        if self.key is not None:
            return Ed25519Auth.load(self.key)
        if self.token:
            return BearerAuth(self.token)
        default = default_key_path()
        return Ed25519Auth.load(default) if default.is_file() else None

    @classmethod
    def from_args(
        cls, args: argparse.Namespace, environ: Mapping[str, str] | None = None
    ) -> VenueOptions:
        env = os.environ if environ is None else environ
        address = getattr(args, "venue", None) or env.get("COVIA_VENUE") or None
        token = getattr(args, "token", None) or env.get("COVIA_TOKEN") or None
        timeout = getattr(args, "timeout", None) or DEFAULT_TIMEOUT
        key = getattr(args, "key", None) or env.get("COVIA_KEY") or None
        return cls(
            address=address.strip() if isinstance(address, str) else None,
            token=token.strip() if isinstance(token, str) else None,
            timeout=float(timeout),
            key=key.strip() if isinstance(key, str) else None,
        )


@contextlib.contextmanager
def local_venue(**simulator_options: Any) -> Iterator[str]:
    """A simulated venue on loopback for the duration of the block; yields its URL."""
    try:
        from covia_proto.testing.server import serve_venue
    except ImportError as missing:  # the simulator's server runs on aiohttp
        raise CliError(
            f"a local venue needs {missing.name or 'aiohttp'}: "
            "pip install 'covia[cli,aiohttp]', or give --venue URL"
        ) from None
    with serve_venue(**simulator_options) as running:
        yield running.url


@contextlib.contextmanager
def connect(options: VenueOptions, out: Output) -> Iterator[Venue]:
    """The venue the options name, connected; a local one if they name none."""
    auth = options.auth()
    if options.address is not None:
        with Grid.connect(options.address, auth=auth, timeout=options.timeout) as venue:
            yield venue
        return
    with local_venue() as url:
        out.note(f"No --venue or COVIA_VENUE: using a fresh local venue at {url}")
        with Grid.connect(url, auth=auth, timeout=options.timeout) as venue:
            yield venue
